"""All seven patterns through the real SDKs against the offline model: bookings, refusals, and deciders."""

from __future__ import annotations

import io
import json
import re
import threading
from pathlib import Path

import agents
import pytest

from orchestration.cli import main
from orchestration.observe.sdk_trace import router
from orchestration.observe.trace import Event
from orchestration.patterns import PATTERNS
from orchestration.vendors.settings import Settings

from .helpers import TOMORROW, bookings_by, converse, new_calendar

LETTERS = "ABCDEFG"
DIALOGUE = ("Book a court for tomorrow", "3pm", "A")


def chat_json(*args: str) -> dict:
    out = io.StringIO()
    assert main(["chat", "--json", "--today", "2025-12-03", *args], out=out) == 0
    return json.loads(out.getvalue())


def courts_named(text: str) -> set[str]:
    return set(re.findall(r"\b[A-D]\b", text))


def booked(result: dict) -> list[tuple[str, str, str, str]]:
    return [(b["court"], b["date"], b["time"], b["user"]) for b in result["bookings"]]


def test_every_article_pattern_is_registered() -> None:
    assert "".join(PATTERNS) == LETTERS


@pytest.mark.parametrize("letter", LETTERS)
def test_the_articles_dialogue_books_court_a_at_three(letter: str) -> None:
    result = chat_json("--pattern", letter, "--user", "alice", *DIALOGUE)
    assert booked(result) == [("A", TOMORROW, "15:00", "alice")]
    assert result["turns"][0]["reply"] == "What time would you like?"
    assert "A" in result["turns"][1]["reply"] and "B" in result["turns"][1]["reply"]
    assert ("Booked" in result["turns"][2]["reply"]
            and result["bookings"][0]["confirmation"] in result["turns"][2]["reply"])


@pytest.mark.parametrize("letter", LETTERS)
def test_one_message_books_on_an_empty_calendar(letter: str) -> None:
    result = chat_json("--pattern", letter, "--calendar", "empty", "Book court B tomorrow at 9am")
    assert booked(result) == [("B", TOMORROW, "09:00", "guest")]


@pytest.mark.parametrize("letter", LETTERS)
def test_a_question_books_nothing_and_names_the_free_courts(letter: str) -> None:
    result = chat_json("--pattern", letter, "Any courts free tomorrow at 3pm?")
    reply = result["turns"][0]["reply"]
    assert booked(result) == []
    assert courts_named(reply) == {"A", "B"}


@pytest.mark.parametrize("letter", LETTERS)
def test_a_taken_court_is_refused_and_the_free_ones_offered(letter: str, tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path)
    reply = converse(letter, calendar).send("Book court C tomorrow at 3pm")
    assert bookings_by(calendar, "alice") == []
    assert courts_named(reply) == {"A", "B", "C"}
    assert "Booked" not in reply


@pytest.mark.parametrize("letter", "CDEFG")
def test_every_loop_is_capped(letter: str, tmp_path: Path) -> None:
    """With one model call allowed per turn, no loop can book (that takes three calls) or go on.

    B's loop runs inside the agent service, which applies its own cap (tests/test_offline_bedrock_agents.py);
    invoke_agent takes no limit from the caller. A has no loop: see the next test.
    """
    calendar = new_calendar(tmp_path, "empty")
    chat = converse(letter, calendar, max_steps=1)
    reply = chat.send("Book court B tomorrow at 9am")
    assert bookings_by(calendar, "alice") == []
    assert "stopped after 1 model call" in reply
    assert sum(e.model_call for e in chat.trace.events if e.parent is None) == 1  # a sub-agent's calls nest deeper


def test_a_has_no_loop_to_cap_one_model_call_per_turn(tmp_path: Path) -> None:
    """A's state machine makes exactly one model call per message, so a cap of one changes nothing."""
    calendar = new_calendar(tmp_path)
    chat = converse("A", calendar, max_steps=1)
    for message in DIALOGUE:
        chat.send(message)
    assert bookings_by(calendar, "alice") == [("A", TOMORROW, "15:00")]
    per_turn = [sum(e.model_call for e in chat.trace.of_turn(turn)) for turn in (1, 2, 3)]
    assert per_turn == [1, 1, 1]


# --- Who decides ------------------------------------------------------------------------------


def run(letter: str, tmp_path: Path, *messages: str, settings: Settings | None = None) -> list[Event]:
    calendar = new_calendar(tmp_path, "empty")
    chat = converse(letter, calendar, settings=settings)
    for message in messages:
        chat.send(message)
    assert bookings_by(calendar, "alice") == [("B", TOMORROW, "09:00")]
    return list(chat.trace.events)


def test_a_the_model_only_parses_and_code_decides_every_tool_call(tmp_path: Path) -> None:
    events = run("A", tmp_path, "Book court B tomorrow at 9am")
    model_events = [e for e in events if e.actor.startswith("model:")]
    assert model_events and {e.action for e in model_events} == {"parse"}
    assert not [e for e in events if e.action == "choose_tool"]
    tools = [e for e in events if e.action == "execute_tool"]
    assert [(e.actor, e.decided_by, e.detail["tool"]) for e in tools] == [
        ("code", "code", "check_availability"), ("code", "code", "book")]


def test_b_the_agent_service_runs_the_loop_and_its_trace_is_translated(tmp_path: Path) -> None:
    events = run("B", tmp_path, "Book court B tomorrow at 9am")
    chosen = [e for e in events if e.action == "choose_tool"]
    assert [(e.decided_by, e.detail["tool"], bool(e.detail["rationale"])) for e in chosen] == [
        ("llm", "check_availability", True), ("llm", "book", True)]
    executed = [e for e in events if e.action == "execute_tool"]
    assert {(e.actor, e.target, e.decided_by) for e in executed} == {("runtime", "lambda:court-booking-actions", "llm")}
    assert sum(e.model_call for e in events) == 3 and sum(e.tokens_in for e in events) > 0


def test_b_with_return_of_control_your_code_runs_each_action(tmp_path: Path) -> None:
    events = run("B", tmp_path, "Book court B tomorrow at 9am", settings=Settings(bedrock_return_control="1"))
    executed = [e for e in events if e.action == "execute_tool"]
    assert [(e.actor, e.decided_by, e.detail["tool"]) for e in executed] == [
        ("code", "code", "check_availability"), ("code", "code", "book")]


def test_c_the_model_suggests_and_code_executes(tmp_path: Path) -> None:
    events = run("C", tmp_path, "Book court B tomorrow at 9am")
    assert {e.decided_by for e in events if e.action == "choose_tool"} == {"llm"}
    assert {(e.actor, e.decided_by) for e in events if e.action == "execute_tool"} == {("code", "code")}
    assert {e.decided_by for e in events if e.action == "call_model"} == {"code"}


def test_d_the_agent_runtime_executes(tmp_path: Path) -> None:
    events = run("D", tmp_path, "Book court B tomorrow at 9am")
    assert {e.decided_by for e in events if e.action == "choose_tool"} == {"llm"}
    assert {(e.actor, e.decided_by) for e in events if e.action == "execute_tool"} == {("runtime", "llm")}
    assert [e.decided_by for e in events if e.action == "decide"] == ["code"]  # your code only starts the run


def test_e_code_fixes_the_order_of_the_steps(tmp_path: Path) -> None:
    events = run("E", tmp_path, "Book court B tomorrow at 9am")
    order = [e.summary.split(":")[0] if e.action == "decide" else e.detail.get("tool") for e in events
             if e.action in ("decide", "execute_tool")]
    assert order == ["step 1", "check_availability", "step 2", "book"]
    assert {e.decided_by for e in events if e.action == "decide"} == {"code"}
    step_agents = [(e.detail["agent"], e.detail["tool"]) for e in events if e.action == "execute_tool"]
    assert step_agents == [("Availability checker", "check_availability"), ("Booking agent", "book")]


def test_e_a_question_never_reaches_the_booking_step(tmp_path: Path) -> None:
    chat = converse("E", new_calendar(tmp_path))
    chat.send("Any courts free tomorrow at 3pm?")
    summaries = [e.summary for e in chat.trace.events if e.action == "decide"]
    assert summaries[-1].startswith("between steps: nothing to book")
    assert not any(s.startswith("step 2") for s in summaries)


@pytest.mark.parametrize(("letter", "specialists"), [
    ("F", {"sub-agent:availability (Bedrock Agent)", "sub-agent:booking (Bedrock Agent)"}),
    ("G", {"lambda:availability-agent", "lambda:booking-agent"}),
])
def test_f_and_g_the_manager_delegates_and_sub_agents_decide_inside(
    letter: str, specialists: set[str], tmp_path: Path
) -> None:
    events = run(letter, tmp_path, "Book court B tomorrow at 9am")
    delegations = [e for e in events if e.action == "delegate"]
    assert {e.target for e in delegations} == specialists
    assert {e.decided_by for e in delegations} == {"manager"}
    nested = [e for e in events if e.parent is not None]
    assert {e.parent for e in nested} == {e.step for e in delegations}
    assert {e.decided_by for e in nested if e.action in ("choose_tool", "answer", "execute_tool")} >= {"sub-agent"}
    assert not [e for e in events if e.actor == "manager" and e.action == "execute_tool"]  # the manager never books
    assert [e.detail["tool"] for e in events if e.action == "execute_tool"] == ["check_availability", "book"]


def test_g_mixes_vendors_in_one_linked_trace(tmp_path: Path) -> None:
    events = run("G", tmp_path, "Book court B tomorrow at 9am")
    actors = {e.actor for e in events}
    assert {"manager", "sub-agent:availability (Bedrock)", "sub-agent:booking (Claude)"} <= actors
    booking = next(e for e in events if e.action == "execute_tool" and e.detail["tool"] == "book")
    assert booking.detail["result"]["user"] == "alice"  # bound by the manager's code, not chosen by a model


def test_agents_sdk_runs_in_parallel_sessions_keep_their_own_steps(tmp_path: Path) -> None:
    """Spans are routed by SDK trace id: two sessions running D at once each see only their own steps."""
    for user in ("ann", "bob"):
        (tmp_path / user).mkdir()
    chats = {user: converse("D", new_calendar(tmp_path / user, "empty"), user=user) for user in ("ann", "bob")}
    slots = {"ann": "Book court A tomorrow at 9am", "bob": "Book court B tomorrow at 10am"}
    barrier = threading.Barrier(2)

    def talk(user: str) -> None:
        barrier.wait()
        chats[user].send(slots[user])

    threads = [threading.Thread(target=talk, args=(user,)) for user in chats]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for user, chat in chats.items():
        results = [e.detail["result"] for e in chat.trace.events if e.action == "execute_tool"]
        assert [r.get("user") for r in results if r.get("status") == "booked"] == [user]
        assert len([e for e in chat.trace.events if e.action == "execute_tool"]) == 2


def test_the_sdks_default_trace_exporter_is_replaced(tmp_path: Path) -> None:
    converse("D", new_calendar(tmp_path)).send("hello")
    provider = agents.tracing.get_trace_provider()
    assert provider._multi_processor._processors == (router(),)  # noqa: SLF001 — nothing uploads traces


@pytest.mark.parametrize("letter", "CDE")
def test_a_tool_error_is_a_failed_step_not_done(letter: str, tmp_path: Path) -> None:
    """Regression: with the calendar unreachable, D's and E's steps read "run check_availability → done"."""
    calendar = new_calendar(tmp_path, "empty")
    calendar.arm("tool_error")
    chat = converse(letter, calendar)
    chat.send("Book court B tomorrow at 9am")
    first_run = next(e for e in chat.trace.events if e.action == "execute_tool")
    assert first_run.failed and first_run.summary.endswith("→ error")
