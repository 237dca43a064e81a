"""The two tools: one schema source, each vendor's rendering checked against that vendor's own types."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import boto3
import jsonschema
import pytest
from anthropic.types import ToolParam
from botocore.validate import ParamValidator
from openai.types.chat import ChatCompletionFunctionToolParam
from openai.types.responses import FunctionToolParam
from pydantic import TypeAdapter

from orchestration import tools
from orchestration.calendar import Calendar, Clock

CHECK_PARAMS_PLAIN = {
    "type": "object",
    "properties": {
        "date": {"type": "string", "format": "date", "description": "The day to check, as YYYY-MM-DD."},
        "time": {
            "anyOf": [{"type": "string", "pattern": r"^[0-9]{2}:[0-9]{2}$"}, {"type": "null"}],
            "default": None,
            "description": "Start time as HH:00, from 07:00 to 21:00; null (or left out) to list the whole day.",
        },
    },
    "required": ["date"],
}
BOOK_PARAMS_PLAIN = {
    "type": "object",
    "properties": {"slot_id": {"type": "string", "description": (
        "The id of an open slot, exactly as check_availability returned it: <court>-<YYYY-MM-DD>-<HHMM>.")}},
    "required": ["slot_id"],
}


@pytest.fixture
def context(tmp_path: Path) -> tools.BookingContext:
    calendar = Calendar.open(tmp_path / "c.db", Clock.on(date(2025, 12, 3)), seed="demo")
    return tools.BookingContext(calendar=calendar, user="alice", via="test")


def _offline_aws_client(service: str):
    return boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x",
                                 region_name="us-east-1").client(service)


def test_descriptions_come_from_the_docstrings() -> None:
    assert tools.schema("check_availability").description == (
        "Find open slots on the club's tennis courts A, B, C and D on a day, optionally at one start time.")
    assert tools.schema("book").description == "Book one court slot for the signed-in user, who is set by the session."


def test_no_tool_takes_a_user_argument() -> None:
    for name in ("check_availability", "book"):
        assert not {"user", "user_id"} & set(tools.schema(name).params_json_schema["properties"])


def test_anthropic_rendering() -> None:
    rendered = tools.anthropic_tools()
    assert rendered == [
        {"name": "check_availability", "description": tools.schema("check_availability").description,
         "input_schema": CHECK_PARAMS_PLAIN},
        {"name": "book", "description": tools.schema("book").description, "input_schema": BOOK_PARAMS_PLAIN},
    ]
    for tool in rendered:
        TypeAdapter(ToolParam).validate_python(tool)


def test_openai_chat_rendering_is_strict_and_fits_the_sdk_type() -> None:
    rendered = tools.openai_chat_tools()
    assert [t["function"]["name"] for t in rendered] == ["check_availability", "book"]
    for tool in rendered:
        TypeAdapter(ChatCompletionFunctionToolParam).validate_python(tool)
        params = tool["function"]["parameters"]
        assert tool["function"]["strict"] is True
        assert params["additionalProperties"] is False
        assert sorted(params["required"]) == sorted(params["properties"])  # strict: every field listed
        jsonschema.Draft202012Validator.check_schema(params)


def test_openai_responses_rendering_is_flat() -> None:
    chat = tools.openai_chat_tools()
    responses = tools.openai_responses_tools()
    assert responses == [{"type": "function", **c["function"]} for c in chat]
    for tool in responses:
        TypeAdapter(FunctionToolParam).validate_python(tool)


def test_bedrock_converse_rendering_passes_botocore_validation() -> None:
    config = tools.bedrock_converse_tools()
    assert config == {"tools": [
        {"toolSpec": {"name": "check_availability", "description": tools.schema("check_availability").description,
                      "inputSchema": {"json": CHECK_PARAMS_PLAIN}}},
        {"toolSpec": {"name": "book", "description": tools.schema("book").description,
                      "inputSchema": {"json": BOOK_PARAMS_PLAIN}}},
    ]}
    shape = _offline_aws_client("bedrock-runtime").meta.service_model.operation_model("Converse").input_shape
    report = ParamValidator().validate(
        {"modelId": "m", "messages": [{"role": "user", "content": [{"text": "hi"}]}], "toolConfig": config}, shape)
    assert not report.has_errors(), report.generate_report()


def test_bedrock_agent_function_schema_passes_botocore_validation() -> None:
    schema = tools.bedrock_agent_functions()
    assert schema == {"functions": [
        {"name": "check_availability", "description": tools.schema("check_availability").description,
         "parameters": {
             "date": {"type": "string", "description": "The day to check, as YYYY-MM-DD.", "required": True},
             "time": {"type": "string", "required": False, "description": (
                 "Start time as HH:00, from 07:00 to 21:00; null (or left out) to list the whole day.")},
         }, "requireConfirmation": "DISABLED"},
        {"name": "book", "description": tools.schema("book").description,
         "parameters": {"slot_id": {"type": "string", "required": True, "description": (
             "The id of an open slot, exactly as check_availability returned it: <court>-<YYYY-MM-DD>-<HHMM>.")}},
         "requireConfirmation": "DISABLED"},
    ]}
    shape = (_offline_aws_client("bedrock-agent").meta.service_model
             .operation_model("CreateAgentActionGroup").input_shape)
    params = {"agentId": "AGENT12345", "agentVersion": "DRAFT", "actionGroupName": "BookingActions",
              "functionSchema": schema}
    report = ParamValidator().validate(params, shape)
    assert not report.has_errors(), report.generate_report()


def test_subsets_render_only_the_named_tools() -> None:
    assert [t["name"] for t in tools.anthropic_tools(["book"])] == ["book"]


def test_run_tool_executes_with_the_session_user(context: tools.BookingContext) -> None:
    outcome = tools.run_tool("book", '{"slot_id": "A-2025-12-04-1500"}', context)
    assert outcome.ok
    assert outcome.as_dict() == {"status": "booked", "confirmation": outcome.result.confirmation, "court": "A",
                                 "date": "2025-12-04", "time": "15:00", "user": "alice",
                                 "already_held": False}


@pytest.mark.parametrize(("name", "arguments", "message"), [
    ("cancel", "{}", "There is no tool named 'cancel'; the tools are check_availability, book."),
    ("book", "{slot", "The arguments are not valid JSON: '{slot'."),
    ("book", "[1]", "The arguments must be a JSON object."),
    ("book", "{}", "Invalid arguments for book: slot_id: Field required."),
    ("check_availability", '{"date": "tomorrow"}',
     "Invalid arguments for check_availability: date: Input should be a valid date or datetime, input is too short."),
    ("book", '{"slot_id": "B-2025-12-04-1500", "user": "mallory"}',
     "book takes no argument 'user'. Bookings are always made for the signed-in user."),
])
def test_bad_calls_become_clear_errors_and_book_nothing(
    context: tools.BookingContext, name: str, arguments: str, message: str
) -> None:
    before = context.calendar.last_id()
    outcome = tools.run_tool(name, arguments, context)
    assert outcome.as_dict() == {"status": "error", "message": message}
    assert context.calendar.last_id() == before


def test_results_are_json_every_vendor_accepts(context: tools.BookingContext) -> None:
    outcome = tools.run_tool("check_availability", {"date": "2025-12-04", "time": "15:00"}, context)
    assert json.loads(outcome.as_json())["slots"][0] == "A-2025-12-04-1500"  # the id names court, day and hour
    assert outcome.result.slots[0].court == "A"  # code keeps the whole slot


def test_a_whole_day_reads_in_few_tokens(context: tools.BookingContext) -> None:
    """A model re-reads every result on every call: a whole day costs about 20 characters a slot."""
    outcome = tools.run_tool("check_availability", {"date": "2025-12-04"}, context)
    assert len(outcome.result.slots) > 30 and len(outcome.as_json()) < 22 * len(outcome.result.slots) + 200


def test_schemas_stay_inside_what_servers_turn_into_grammars() -> None:
    """Regression: llama.cpp dropped the time pattern ("unsupported escape: \\d"): patterns use plain classes."""
    rendered = json.dumps([tools.openai_chat_tools(), tools.openai_responses_tools(), tools.anthropic_tools(),
                           tools.bedrock_converse_tools(), tools.bedrock_agent_functions()])
    patterns = re.findall(r'"pattern": "([^"]*)"', rendered)
    assert patterns and not [p for p in patterns if re.search(r"\\\\[dwsDWSb]", p)]
