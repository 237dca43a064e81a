"""Pattern C through the real openai SDK against the offline model: the model suggests, code executes."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from orchestration.vendors.offline import OfflineModel
from orchestration.vendors.offline.server import make_server
from orchestration.vendors.settings import Settings

from .helpers import TOMORROW, bookings_by, converse, new_calendar


def test_the_articles_dialogue_books_court_a_at_three(tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path)
    chat = converse("C", calendar)
    assert chat.send("Book a court for tomorrow") == "What time would you like?"
    assert chat.send("3pm") == ("Courts A and B are free tomorrow (Thursday 4 December) at 15:00. "
                                "Which one would you like?")
    reply = chat.send("A")
    assert reply.startswith("Booked! Court A, tomorrow (Thursday 4 December) at 15:00. Your confirmation code is TC-")
    assert bookings_by(calendar, "alice") == [("A", TOMORROW, "15:00")]


def test_the_model_chooses_every_tool_and_code_executes_every_one(tmp_path: Path) -> None:
    chat = converse("C", new_calendar(tmp_path, "empty"))
    chat.send("Book court B tomorrow at 9am")
    steps = [(e.actor, e.target, e.action, e.decided_by) for e in chat.trace.events]
    model = "model:offline model (rule-based)"
    assert steps == [
        ("user", "code", "message", "user"),
        ("code", model, "call_model", "code"),
        (model, "code", "choose_tool", "llm"),
        ("code", "calendar", "execute_tool", "code"),
        ("code", model, "call_model", "code"),
        (model, "code", "choose_tool", "llm"),
        ("code", "calendar", "execute_tool", "code"),
        ("code", model, "call_model", "code"),
        (model, "code", "answer", "llm"),
        ("code", "user", "reply", "code"),
    ]
    executed = [e.detail for e in chat.trace.events if e.action == "execute_tool"]
    assert ([(d["tool"], d["result"]["status"]) for d in executed]
            == [("check_availability", "open"), ("book", "booked")])
    assert chat.trace.metrics()["llm_calls"] == 3
    assert chat.trace.metrics()["tool_calls"] == 2


def test_a_question_books_nothing_and_names_the_free_courts(tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path)
    reply = converse("C", calendar).send("Any courts free tomorrow at 3pm?")
    assert reply == ("Courts A and B are free tomorrow (Thursday 4 December) at 15:00. "
                     "Would you like me to book one?")
    assert bookings_by(calendar, "alice") == []


def test_a_taken_court_is_explained_with_the_free_ones(tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path)
    reply = converse("C", calendar).send("Book court C tomorrow at 3pm")
    assert reply == ("Court C is already booked tomorrow (Thursday 4 December) at 15:00. "
                     "Courts A and B are free. Which one would you like?")
    assert bookings_by(calendar, "alice") == []


def test_a_slot_taken_between_check_and_book_is_recovered(tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path)
    chat = converse("C", calendar)
    chat.send("Any courts free tomorrow at 3pm?")
    calendar.book(f"A-{TOMORROW}-1500", "bob")  # someone else is quicker
    assert chat.send("A") == ("Sorry — court A tomorrow (Thursday 4 December) at 15:00 was just taken. "
                              "Court B is free. Shall I book it?")
    assert chat.send("yes please").startswith("Booked! Court B, tomorrow")
    assert bookings_by(calendar, "alice") == [("B", TOMORROW, "15:00")]


def test_the_step_cap_stops_the_loop(tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path, "empty")
    reply = converse("C", calendar, max_steps=1).send("Book court B tomorrow at 9am")
    assert reply.startswith("I stopped after 1 model call without an answer (the cap per message)")
    assert bookings_by(calendar, "alice") == []


def test_an_empty_message_gets_a_hint_and_no_model_call(tmp_path: Path) -> None:
    chat = converse("C", new_calendar(tmp_path))
    assert "Book a court" in chat.send("   ")
    assert chat.trace.metrics()["llm_calls"] == 0


@pytest.fixture
def served_offline_model():
    server = make_server(OfflineModel(), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_with_a_key_and_base_url_the_real_client_is_used_and_the_key_never_reaches_the_trace(
    tmp_path: Path, served_offline_model: str
) -> None:
    """A configured OpenAI-compatible server (here the offline model on loopback) is a real vendor."""
    key = "sk-test-0123456789abcdef"
    calendar = new_calendar(tmp_path)
    chat = converse("C", calendar, settings=Settings(openai_api_key=key, openai_base_url=served_offline_model))
    assert chat.deps.clients.mode("openai") == "real"
    chat.send("Book a court for tomorrow")
    chat.send("3pm")
    assert chat.send("A").startswith("Booked! Court A")
    assert key not in chat.trace.to_json() and key not in chat.trace.to_mermaid()
    assert key not in json.dumps([b.model_dump() for b in calendar.bookings()])


def test_the_history_sent_to_the_model_stays_within_its_budget(tmp_path: Path) -> None:
    """Regression: C's input grew without bound (794 tokens a turn at first, 7,809 by turn 200)."""
    from orchestration.patterns.c_function_calling import HISTORY_BUDGET

    chat = converse("C", new_calendar(tmp_path))
    for _ in range(30):
        chat.send("Any courts free tomorrow at 3pm?")
    assert len(chat.messages) - 1 <= HISTORY_BUDGET + 4  # a turn's own messages come on top of what was kept
    assert chat.messages[0]["role"] == "system" and chat.messages[1]["role"] == "user"
    assert any(e.summary.startswith("trim the history") for e in chat.trace.events)
