"""Pattern F's booking specialist: a Bedrock agent whose action group only books."""

from ..bedrock_agents import AgentDefinition

BOOKING_AGENT = AgentDefinition(
    name="court-reservation-agent",
    instruction=("You book tennis court slots. Book exactly the slot you are asked for with the book "
                 "function, then confirm the reservation."),
    action_group="BookingActions",
    functions=("book",),
    settings_ids=("bedrock_booking_agent_id", "bedrock_booking_agent_alias_id"),
)
