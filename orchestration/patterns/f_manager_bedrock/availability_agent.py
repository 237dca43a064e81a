"""Pattern F's availability specialist: a Bedrock agent whose action group only checks availability."""

from ..bedrock_agents import AgentDefinition

AVAILABILITY_AGENT = AgentDefinition(
    name="court-availability-agent",
    instruction=("You check tennis court availability for courts A, B, C and D. Call check_availability "
                 "and report the open slots. You cannot book."),
    action_group="AvailabilityActions",
    functions=("check_availability",),
    settings_ids=("bedrock_availability_agent_id", "bedrock_availability_agent_alias_id"),
)
