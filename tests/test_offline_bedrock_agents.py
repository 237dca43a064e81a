"""The emulated Bedrock Agents service behind a real boto3 `bedrock-agent-runtime` client.

The service runs the reason-act loop itself: it prompts the brain, runs the action group's Lambda
(the project's real handler, through `LocalLambdaRuntime`) or returns control to the caller, keeps
session memory, and streams `trace`, `chunk` and `returnControl` events that botocore decodes.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest

from orchestration import tools
from orchestration.aws.lambdas import LambdaError, LocalLambdaRuntime, environment_for
from orchestration.calendar import Calendar
from orchestration.vendors.offline import OfflineModel
from orchestration.vendors.offline.bedrock_agents import AGENT_ALIAS_ID, MAX_MODEL_CALLS
from orchestration.vendors.offline.protocol import (
    Message,
    ModelReply,
    ModelRequest,
    ToolCall,
    ToolDef,
    ToolResult,
    Usage,
)

from .helpers import TOMORROW, ScriptedBrain, new_calendar

INSTRUCTION = "You help users book tennis courts at the club. Be brief and friendly."
USER = {"user": "alice", "via": "B"}
PROMPT = {"promptSessionAttributes": {"today": "2025-12-03"}}
FIRST_TURN = {"sessionAttributes": USER, **PROMPT}
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:court-booking-actions"
CHECK_3PM = [{"name": "date", "type": "string", "value": TOMORROW},
             {"name": "time", "type": "string", "value": "15:00"}]
BOOK_A = [{"name": "slot_id", "type": "string", "value": f"A-{TOMORROW}-1500"}]
DIALOGUE_ANSWERS = [
    "What time would you like?",
    "Courts A and B are free tomorrow (Thursday 4 December) at 15:00. Which one would you like?",
    "Booked! Court A, tomorrow (Thursday 4 December) at 15:00. Your confirmation code is TC-",
]




def definition(executor: dict[str, str] | None = None, instruction: str = INSTRUCTION) -> dict[str, Any]:
    return {
        "agentName": "court-booker",
        "instruction": instruction,
        "foundationModel": "amazon.nova-lite-v1:0",
        "actionGroups": [{
            "actionGroupName": "BookingActions",
            "actionGroupExecutor": executor or {"lambda": "court-booking-actions"},
            "functionSchema": tools.bedrock_agent_functions(),
        }],
    }


def agents_client(model: OfflineModel) -> Any:
    session = boto3.session.Session(aws_access_key_id="offline", aws_secret_access_key="offline",
                                    region_name="us-east-1")
    return model.attach(session.client("bedrock-agent-runtime"))


def runtime_for(calendar: Calendar) -> LocalLambdaRuntime:
    return LocalLambdaRuntime(environment_for(str(calendar.path), "2025-12-03"))


def invoke(client: Any, agent_id: str, session_id: str, text: str | None = None, state: dict[str, Any] | None = None,
           **options: Any) -> list[dict[str, Any]]:
    """One InvokeAgent call, with its event stream read to the end."""
    arguments: dict[str, Any] = {"agentId": agent_id, "agentAliasId": AGENT_ALIAS_ID, "sessionId": session_id,
                                 "enableTrace": True, "sessionState": state or PROMPT, **options}
    if text is not None:
        arguments["inputText"] = text
    return list(client.invoke_agent(**arguments)["completion"])


def answer(events: list[dict[str, Any]]) -> str:
    return b"".join(event["chunk"]["bytes"] for event in events if "chunk" in event).decode()


def orchestration(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e["trace"]["trace"]["orchestrationTrace"] for e in events
            if "trace" in e and "orchestrationTrace" in e["trace"]["trace"]]


def kinds(events: list[dict[str, Any]]) -> list[str]:
    """Each event's kind; a trace is named by its one member (the orchestration step, or e.g. failureTrace)."""
    named = []
    for event in events:
        (kind,) = event
        if kind == "trace":
            trace = event["trace"]["trace"]
            (kind,) = trace.get("orchestrationTrace", trace)
        named.append(kind)
    return named


def invocation_inputs(events: list[dict[str, Any]]) -> list[tuple[str, str, list[dict[str, str]]]]:
    return [(p["invocationInput"]["actionGroupInvocationInput"]["function"],
             p["invocationInput"]["actionGroupInvocationInput"]["executionType"],
             p["invocationInput"]["actionGroupInvocationInput"]["parameters"])
            for p in orchestration(events) if "invocationInput" in p]


def bookings(calendar: Calendar) -> list[tuple[str, str, str, str, str]]:
    return [(b.court, b.date, b.time, b.user, b.via) for b in calendar.bookings() if b.via != "seed"]


# --- The article's dialogue ------------------------------------------------------------------------


def test_the_three_turn_dialogue_books_court_a_for_the_session_user(tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path)
    runtime, events_seen = runtime_for(calendar), []

    def recording(name: str, event: dict[str, Any]) -> Any:
        events_seen.append((name, event))
        return runtime.invoke(name, event)

    model = OfflineModel()
    agent_id, alias_id = model.agents.deploy(definition({"lambda": FUNCTION_ARN}), recording)
    client = agents_client(model)

    first = invoke(client, agent_id, "session-1", "Book a court for tomorrow", FIRST_TURN)
    second = invoke(client, agent_id, "session-1", "3pm")  # the session attributes persist
    third = invoke(client, agent_id, "session-1", "A")

    assert alias_id == "TSTALIASID"
    assert [answer(first), answer(second)] == DIALOGUE_ANSWERS[:2]
    assert answer(third).startswith(DIALOGUE_ANSWERS[2])
    assert bookings(calendar) == [("A", TOMORROW, "15:00", "alice", "B")]
    assert invocation_inputs(first + second + third) == [("check_availability", "LAMBDA", CHECK_3PM),
                                                         ("book", "LAMBDA", BOOK_A)]
    name, event = events_seen[0]
    assert name == "court-booking-actions"
    assert event == {
        "messageVersion": "1.0",
        "agent": {"name": "court-booker", "id": agent_id, "alias": "TSTALIASID", "version": "DRAFT"},
        "inputText": "3pm", "sessionId": "session-1", "actionGroup": "BookingActions", "function": "check_availability",
        "parameters": CHECK_3PM, "sessionAttributes": USER, "promptSessionAttributes": {"today": "2025-12-03"},
    }


def test_the_trace_shows_each_step_of_the_managed_loop(tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path)
    model = OfflineModel()
    agent_id, _ = model.agents.deploy(definition(), runtime_for(calendar).invoke)
    client = agents_client(model)
    invoke(client, agent_id, "s-1", "Book a court for tomorrow", FIRST_TURN)
    second = invoke(client, agent_id, "s-1", "3pm")

    assert kinds(second) == ["modelInvocationInput", "modelInvocationOutput", "rationale", "invocationInput",
                             "observation", "modelInvocationInput", "modelInvocationOutput", "observation", "chunk"]
    parts = orchestration(second)
    assert parts[2]["rationale"]["text"] == ("Checking which courts are free tomorrow (Thursday 4 December) "
                                             "at 15:00 before booking.")
    assert parts[3]["invocationInput"]["invocationType"] == "ACTION_GROUP"
    observed = parts[4]["observation"]
    assert observed["type"] == "ACTION_GROUP"
    assert [s[0] for s in json.loads(observed["actionGroupInvocationOutput"]["text"])["slots"]] == ["A", "B"]
    assert parts[7]["observation"]["type"] == "FINISH"
    assert parts[7]["observation"]["finalResponse"] == {"text": DIALOGUE_ANSWERS[1]}
    trace_ids = [next(iter(part.values()))["traceId"] for part in parts]
    assert trace_ids[:5] == [trace_ids[0]] * 5 and trace_ids[5:] == [trace_ids[5]] * 3 and trace_ids[0] != trace_ids[5]
    assert all(len(trace_id) <= 16 for trace_id in trace_ids)  # TraceId's max length in the service model
    for part in parts[1], parts[6]:
        metadata = part["modelInvocationOutput"]["metadata"]
        assert set(metadata) == {"startTime", "endTime", "totalTimeMs", "usage"}
        assert set(metadata["usage"]) == {"inputTokens", "outputTokens"}
        assert min(metadata["usage"].values()) > 0
    prompt = json.loads(parts[0]["modelInvocationInput"]["text"])
    assert prompt["system"] == f"{INSTRUCTION}\ntoday: 2025-12-03"
    assert [t["name"] for t in prompt["tools"]] == ["BookingActions__check_availability", "BookingActions__book"]
    envelope = next(e["trace"] for e in second if "trace" in e)
    assert {k: v for k, v in envelope.items() if k not in ("trace", "eventTime")} == {
        "agentId": agent_id, "agentAliasId": "TSTALIASID", "agentVersion": "DRAFT", "sessionId": "s-1"}
    assert isinstance(envelope["eventTime"], datetime)


def test_the_neutral_requests_and_the_whole_trace_with_a_scripted_brain() -> None:
    check = ToolCall("BookingActions__check_availability", json.dumps({"date": TOMORROW, "time": "15:00"}))
    brain = ScriptedBrain([ModelReply("Checking.", (check,), Usage(120, 30)),
                           ModelReply("Court A is free.", usage=Usage(160, 12))])
    lambda_events: list[dict[str, Any]] = []

    def fake_lambda(name: str, event: dict[str, Any]) -> dict[str, Any]:
        lambda_events.append(event)
        body = {"TEXT": {"body": '{"status": "open", "slots": ["A"]}'}}
        return {"messageVersion": "1.0", "response": {"functionResponse": {"responseBody": body}}}

    model = OfflineModel(brain)
    agent_id, _ = model.agents.deploy(definition(), fake_lambda)
    events = invoke(agents_client(model), agent_id, "s-1", "Is court A free tomorrow at 3pm?", FIRST_TURN)

    tool_defs = (
        ToolDef("BookingActions__check_availability", tools.schema("check_availability").description or "", {
            "type": "object", "required": ["date"], "properties": {
                "date": {"type": "string", "description": "The day to check, as YYYY-MM-DD."},
                "time": {"type": "string", "description": "Start time as HH:00, from 07:00 to 21:00; "
                                                          "null (or left out) to list the whole day."}}}),
        ToolDef("BookingActions__book", tools.schema("book").description or "", {
            "type": "object", "required": ["slot_id"], "properties": {"slot_id": {
                "type": "string",
                "description": ("The id of an open slot, exactly as check_availability returned it: "
                                "<court>-<YYYY-MM-DD>-<HHMM>.")}}}),
    )
    question = Message("user", "Is court A free tomorrow at 3pm?")
    call_id = brain.requests[1].messages[1].tool_calls[0].id
    assert call_id.startswith("tooluse_")
    assert brain.requests == [
        ModelRequest("amazon.nova-lite-v1:0", f"{INSTRUCTION}\ntoday: 2025-12-03", (question,), tool_defs),
        ModelRequest("amazon.nova-lite-v1:0", f"{INSTRUCTION}\ntoday: 2025-12-03", (
            question,
            Message("assistant", "Checking.", (ToolCall(check.name, check.arguments, call_id),)),
            Message("tool", tool_results=(ToolResult(call_id, '{"status": "open", "slots": ["A"]}', check.name),)),
        ), tool_defs),
    ]
    assert len(lambda_events) == 1
    assert answer(events) == "Court A is free."
    parts = orchestration(events)
    first, second = parts[0]["modelInvocationInput"]["traceId"], parts[5]["modelInvocationInput"]["traceId"]
    for part in parts:  # drop the prompt text, the raw response and the timings; check the rest whole
        if "modelInvocationInput" in part:
            assert json.loads(part["modelInvocationInput"].pop("text"))["system"] == brain.requests[0].system
        if "modelInvocationOutput" in part:
            output = part["modelInvocationOutput"]
            assert (json.loads(output.pop("rawResponse")["content"])["usage"]["inputTokens"]
                    == output["metadata"]["usage"]["inputTokens"])
            output["metadata"] = {"usage": output["metadata"]["usage"]}
    model_input = {"type": "ORCHESTRATION", "foundationModel": "amazon.nova-lite-v1:0", "promptCreationMode": "DEFAULT",
                   "parserMode": "DEFAULT"}
    assert parts == [
        {"modelInvocationInput": {"traceId": first, **model_input}},
        {"modelInvocationOutput": {"traceId": first, "metadata": {"usage": {"inputTokens": 120, "outputTokens": 30}}}},
        {"rationale": {"traceId": first, "text": "Checking."}},
        {"invocationInput": {"traceId": first, "invocationType": "ACTION_GROUP", "actionGroupInvocationInput": {
            "actionGroupName": "BookingActions", "function": "check_availability", "parameters": CHECK_3PM,
            "executionType": "LAMBDA"}}},
        {"observation": {"traceId": first, "type": "ACTION_GROUP",
                         "actionGroupInvocationOutput": {"text": '{"status": "open", "slots": ["A"]}'}}},
        {"modelInvocationInput": {"traceId": second, **model_input}},
        {"modelInvocationOutput": {"traceId": second, "metadata": {"usage": {"inputTokens": 160, "outputTokens": 12}}}},
        {"observation": {"traceId": second, "type": "FINISH", "finalResponse": {"text": "Court A is free."}}},
    ]


# --- Return of control -------------------------------------------------------------------------------


def run_returned_functions(runtime: LocalLambdaRuntime, events: list[dict[str, Any]]) -> dict[str, Any]:
    """What the caller does with a returnControl event: run each function, build the next sessionState."""
    (control,) = [event["returnControl"] for event in events if "returnControl" in event]
    results = []
    for item in control["invocationInputs"]:
        call = item["functionInvocationInput"]
        event = {"messageVersion": "1.0", "actionGroup": call["actionGroup"], "function": call["function"],
                 "parameters": call["parameters"], "sessionAttributes": USER}
        response = runtime.invoke("court-booking-actions", event)["response"]
        results.append({"functionResult": {"actionGroup": response["actionGroup"], "function": response["function"],
                                           "responseBody": response["functionResponse"]["responseBody"]}})
    return {"invocationId": control["invocationId"], "returnControlInvocationResults": results, **PROMPT}


def test_return_control_lets_the_caller_run_each_function_and_books_the_same(tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path)
    runtime = runtime_for(calendar)
    model = OfflineModel()
    agent_id, _ = model.agents.deploy(definition({"customControl": "RETURN_CONTROL"}))
    client = agents_client(model)

    first = invoke(client, agent_id, "rc", "Book a court for tomorrow", FIRST_TURN)
    returned = invoke(client, agent_id, "rc", "3pm")
    control = returned[-1]["returnControl"]
    assert kinds(returned) == ["modelInvocationInput", "modelInvocationOutput", "rationale", "invocationInput",
                               "returnControl"]
    assert control == {"invocationId": control["invocationId"], "invocationInputs": [{"functionInvocationInput": {
        "actionGroup": "BookingActions", "function": "check_availability", "parameters": CHECK_3PM,
        "actionInvocationType": "RESULT"}}]}
    assert (orchestration(returned)[3]["invocationInput"]["actionGroupInvocationInput"]["invocationId"]
            == control["invocationId"])
    second = invoke(client, agent_id, "rc", state=run_returned_functions(runtime, returned))
    assert kinds(second)[:2] == ["observation", "modelInvocationInput"]
    third = invoke(client, agent_id, "rc", state=run_returned_functions(runtime, invoke(client, agent_id, "rc", "A")))

    assert [answer(first), answer(second)] == DIALOGUE_ANSWERS[:2]
    assert answer(third).startswith(DIALOGUE_ANSWERS[2])
    assert bookings(calendar) == [("A", TOMORROW, "15:00", "alice", "B")]


def test_results_for_another_invocation_are_refused(tmp_path: Path) -> None:
    model = OfflineModel()
    agent_id, _ = model.agents.deploy(definition({"customControl": "RETURN_CONTROL"}))
    client = agents_client(model)
    returned = invoke(client, agent_id, "rc", "Is court A free tomorrow at 3pm?", FIRST_TURN)
    state = run_returned_functions(runtime_for(new_calendar(tmp_path)), returned)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        invoke(client, agent_id, "rc", state={**state, "invocationId": "not-the-one"})
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert answer(invoke(client, agent_id, "rc", state=state)) == ("Yes — court A is free tomorrow (Thursday 4 "
                                                                   "December) at 15:00. Shall I book it for you?")


# --- Errors, limits and sessions ------------------------------------------------------------------------


@pytest.mark.parametrize("agent_id, alias_id", [("NOSUCHAGNT", "TSTALIASID"), (None, "OTHERALIAS")])
def test_an_unknown_agent_or_alias_is_resource_not_found(agent_id: str | None, alias_id: str) -> None:
    model = OfflineModel()
    deployed, _ = model.agents.deploy(definition({"customControl": "RETURN_CONTROL"}))
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        agents_client(model).invoke_agent(agentId=agent_id or deployed, agentAliasId=alias_id, sessionId="s-1",
                                          inputText="hello")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_the_loop_stops_at_the_cap_and_says_so() -> None:
    check = ToolCall("BookingActions__check_availability", json.dumps({"date": TOMORROW}))
    brain = ScriptedBrain([ModelReply("Checking again.", (check,))] * (MAX_MODEL_CALLS + 1))
    calls: list[str] = []

    def fake_lambda(name: str, event: dict[str, Any]) -> dict[str, Any]:
        calls.append(event["function"])
        return {"response": {"functionResponse": {"responseBody": {"TEXT": {"body": "{}"}}}}}

    model = OfflineModel(brain)
    agent_id, _ = model.agents.deploy(definition(), fake_lambda)
    events = invoke(agents_client(model), agent_id, "s-1", "Book a court tomorrow", FIRST_TURN)

    assert len(brain.requests) == MAX_MODEL_CALLS == 10
    assert calls == ["check_availability"] * MAX_MODEL_CALLS
    assert answer(events) == ("Sorry — I couldn't finish this request within 10 steps, so I stopped. Please try again, "
                              "perhaps in smaller steps.")
    (failure,) = [e["trace"]["trace"]["failureTrace"] for e in events
                  if "trace" in e and "failureTrace" in e["trace"]["trace"]]
    assert failure["failureReason"] == "The agent reached its limit of 10 model calls in one turn and stopped."


def test_a_failing_lambda_is_explained_not_raised(tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path)
    attempts: list[str] = []

    def broken(name: str, event: dict[str, Any]) -> Any:
        attempts.append(event["function"])
        raise LambdaError(f"{name} failed: OperationalError: database is locked")

    model = OfflineModel()
    agent_id, _ = model.agents.deploy(definition(), broken)
    events = invoke(agents_client(model), agent_id, "s-1", "Book court A tomorrow at 3pm", FIRST_TURN)

    message = "The action group's Lambda court-booking-actions failed: LambdaError: court-booking-actions failed: " \
              "OperationalError: database is locked"
    assert attempts == ["check_availability", "check_availability"]  # the model retries once, then explains
    assert answer(events) == ("Sorry — I couldn't check availability just now; "
                              "the booking system kept returning an error. "
                              f"The system said: {message} Nothing was booked. Please try again in a moment.")
    observations = [p["observation"] for p in orchestration(events) if "observation" in p]
    assert observations[0]["actionGroupInvocationOutput"] == {"text": json.dumps({"error": message})}
    assert bookings(calendar) == []


def test_sessions_do_not_share_memory_and_end_session_forgets(tmp_path: Path) -> None:
    model = OfflineModel()
    agent_id, _ = model.agents.deploy(definition(), runtime_for(new_calendar(tmp_path)).invoke)
    client = agents_client(model)

    assert (answer(invoke(client, agent_id, "one", "Book a court for tomorrow", FIRST_TURN))
            == "What time would you like?")
    assert answer(invoke(client, agent_id, "two", "Book a court", FIRST_TURN)) == (
        "Which day would you like to play? I can book up to a month ahead.")
    assert answer(invoke(client, agent_id, "one", "3pm")) == DIALOGUE_ANSWERS[1]

    assert invoke(client, agent_id, "two", endSession=True) == []
    # with "Book a court" remembered: "What time ...?"
    fresh = answer(invoke(client, agent_id, "two", "tomorrow", FIRST_TURN))
    assert fresh.startswith("Open tomorrow (Thursday 4 December): 07:00 (A/B/C/D), 08:00 (A/B/C/D), 09:00 (B/C),")
    assert fresh.endswith(". Which time would you like me to book?")


def test_without_enable_trace_only_the_answer_streams(tmp_path: Path) -> None:
    model = OfflineModel()
    agent_id, _ = model.agents.deploy(definition(), runtime_for(new_calendar(tmp_path)).invoke)
    response = agents_client(model).invoke_agent(
        agentId=agent_id, agentAliasId=AGENT_ALIAS_ID, sessionId="alice:web.1",
        inputText="Any courts free tomorrow at 3pm?",
        sessionState=FIRST_TURN)
    assert (response["sessionId"], response["contentType"]) == ("alice:web.1", "application/json")
    assert list(response["completion"]) == [{"chunk": {"bytes": (
        b"Courts A and B are free tomorrow (Thursday 4 December) at 15:00. Would you like me to book one?")}}]


def test_a_function_the_agent_does_not_have_is_sent_back_to_the_model() -> None:
    cancel = ToolCall("BookingActions__cancel", "{}")
    brain = ScriptedBrain([ModelReply("Cancelling.", (cancel,)), ModelReply("I can't cancel bookings.")])
    model = OfflineModel(brain)
    agent_id, _ = model.agents.deploy(definition({"customControl": "RETURN_CONTROL"}))
    events = invoke(agents_client(model), agent_id, "s-1", "Cancel my booking", FIRST_TURN)

    text = ("There is no function 'BookingActions__cancel'; the functions are BookingActions__check_availability, "
            "BookingActions__book.")
    assert answer(events) == "I can't cancel bookings."
    assert [p["observation"] for p in orchestration(events) if "observation" in p][0] == {
        "traceId": orchestration(events)[0]["modelInvocationInput"]["traceId"], "type": "REPROMPT",
        "repromptResponse": {"source": "PARSER", "text": text}}
    (result,) = brain.requests[1].messages[-1].tool_results
    assert (result.content, result.is_error) == (json.dumps({"error": text}), True)


# --- Deploying ---------------------------------------------------------------------------------------------


def test_deploying_is_idempotent_and_a_new_definition_replaces_the_agent() -> None:
    brain = ScriptedBrain([ModelReply("Hello.")] * 2)
    model = OfflineModel(brain)
    ids = model.agents.deploy(definition({"customControl": "RETURN_CONTROL"}))
    assert model.agents.deploy(definition({"customControl": "RETURN_CONTROL"})) == ids
    assert len(ids[0]) == 10 and ids[0].isalnum() and ids[0].isupper()
    assert OfflineModel().agents.deploy(definition({"customControl": "RETURN_CONTROL"})) == ids  # derived, not random

    client = agents_client(model)
    invoke(client, ids[0], "s-1", "hi", FIRST_TURN)
    changed = INSTRUCTION + " Always answer in English."
    assert model.agents.deploy(definition({"customControl": "RETURN_CONTROL"}, changed)) == ids
    invoke(client, ids[0], "s-1", "hi again", FIRST_TURN)
    assert brain.requests[1].system == f"{changed}\ntoday: 2025-12-03"
    assert brain.requests[1].messages == (Message("user", "hi again"),)  # the replaced agent's sessions are gone


@pytest.mark.parametrize("change, error", [
    ({"instruction": "You book courts."}, "instruction must be a string of 40 to 4000 characters"),
    ({"agentName": "court booker"}, "agentName must be"),
    ({"foundationModel": ""}, "foundationModel must name a model"),
    ({"actionGroups": [{"actionGroupName": "G", "actionGroupExecutor": {"customControl": "ASK"},
                        "functionSchema": {"functions": [{"name": "f"}]}}]}, "actionGroupExecutor must be"),
    ({"actionGroups": [{"actionGroupName": "G", "actionGroupExecutor": {"lambda": "fn"},
                        "functionSchema": {"functions": [{"name": "f"}]}}]}, "a Lambda executor needs invoke_lambda"),
    ({"actionGroups": [{"actionGroupName": "G", "actionGroupExecutor": {"customControl": "RETURN_CONTROL"},
                        "functionSchema": {"functions": []}}]}, "functionSchema.functions must list"),
    ({"actionGroups": [{"actionGroupName": "G", "actionGroupExecutor": {"customControl": "RETURN_CONTROL"},
                        "functionSchema": {"functions": [{"name": "f", "parameters": {"x": {"type": "date"}}}]}}]},
     "G.f.x: type must be one of string, number, integer, boolean, array"),
])
def test_an_invalid_definition_is_refused_clearly(change: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        OfflineModel().agents.deploy({**definition(), **change})
