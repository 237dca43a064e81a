"""The command line, as scripts and new users call it."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.cli import main

ROOT = Path(__file__).resolve().parents[1]
DIALOGUE = ["Book a court for tomorrow", "3pm", "A"]


def run_json(*args: str) -> dict:
    out = io.StringIO()
    assert main(["chat", "--json", *args], out=out) == 0
    return json.loads(out.getvalue())


def test_the_articles_dialogue_as_json() -> None:
    result = run_json("--pattern", "C", "--today", "2025-12-03", "--user", "alice", *DIALOGUE)
    [booking] = result["bookings"]
    assert booking == {"court": "A", "date": "2025-12-04", "time": "15:00", "user": "alice",
                       "confirmation": booking["confirmation"]}
    assert (result["pattern"], result["today"], result["user"]) == ("C", "2025-12-03", "alice")
    assert [t["user"] for t in result["turns"]] == DIALOGUE
    assert result["turns"][2]["reply"].startswith("Booked! Court A")
    last_turn = [(e["action"], e["decided_by"]) for e in result["turns"][2]["events"]]
    assert ("choose_tool", "llm") in last_turn and ("execute_tool", "code") in last_turn
    metrics = result["metrics"]
    assert set(metrics) == {"llm_calls", "tool_calls", "tokens_in", "tokens_out", "decisions", "wall_ms",
                            "prompt_tokens", "prompt_tokens_evaluated", "prompt_tokens_floor"}
    assert metrics["prompt_tokens_evaluated"] is None  # the offline model is no server that says what it read
    assert (metrics["llm_calls"], metrics["tool_calls"]) == (5, 2)
    assert metrics["decisions"]["llm"] == 5


def test_an_empty_calendar_and_a_one_line_booking() -> None:
    result = run_json("--pattern", "c", "--today", "2025-12-03", "--user", "alice", "--calendar", "empty",
                      "Book court B tomorrow at 9am")
    assert [(b["court"], b["date"], b["time"]) for b in result["bookings"]] == [("B", "2025-12-04", "09:00")]


def test_a_question_books_nothing() -> None:
    result = run_json("--pattern", "C", "--today", "2025-12-03", "Any courts free tomorrow at 3pm?")
    assert result["bookings"] == []
    assert "Courts A and B are free" in result["turns"][0]["reply"]


def test_a_database_file_persists_between_runs(tmp_path: Path) -> None:
    db = str(tmp_path / "club.db")
    run_json("--pattern", "C", "--today", "2025-12-03", "--db", db, "--user", "bob", "Book court A tomorrow at 3pm")
    second = run_json("--pattern", "C", "--today", "2025-12-03", "--db", db, "Book court A tomorrow at 3pm")
    assert second["bookings"] == []
    assert "Court A is already booked" in second["turns"][0]["reply"]


def test_the_transcript_shows_each_step_as_it_happens() -> None:
    out = io.StringIO()
    assert main(["chat", "--pattern", "C", "--today", "2025-12-03", "--user", "alice", *DIALOGUE], out=out) == 0
    text = out.getvalue()
    assert text.startswith("Pattern C — Function calling\ntoday 2025-12-03 · user alice · openai: offline model (rule-based)")
    assert "Offline model (rule-based) → Your code" in text and "choose_tool   [llm]" in text
    assert "Your code → Calendar" in text and "execute_tool  [code]" in text
    assert "Booked: court A 2025-12-04 15:00 for alice" in text


def test_an_unknown_pattern_says_which_exist(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat", "--pattern", "Z", "hello"]) == 2
    assert "there is no pattern 'Z'; the patterns are A, B, C, D, E, F, G" in capsys.readouterr().err


def test_a_bad_date_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["chat", "--pattern", "C", "--today", "3 Dec", "hi"])
    assert exit.value.code == 2
    assert "'3 Dec' is not a date; use YYYY-MM-DD" in capsys.readouterr().err


def test_python_dash_m_runs_as_a_new_user_would() -> None:
    """The real entry point in a fresh interpreter, with the network guard installed and no keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "ANTHROPIC", "AWS"))}
    guard = "import tests.netguard as g; g.install(); import runpy; runpy.run_module('orchestration', run_name='__main__')"
    done = subprocess.run(
        [sys.executable, "-c", guard, "chat", "--pattern", "C", "--today", "2025-12-03", "--user", "alice", "--json",
         *DIALOGUE],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert [(b["court"], b["time"], b["user"]) for b in json.loads(done.stdout)["bookings"]] == [("A", "15:00", "alice")]


@pytest.mark.parametrize("args", [
    ["chat", "--pattern", "C", "--db", "/nonexistent/folder/c.db", "hi"],
    ["chat", "--pattern", "C", "--db", "{notadb}", "hi"],
    ["chat", "--pattern", "C", "--db", "{folder}", "hi"],
    ["chat", "--pattern", "C", "--db", "{otherschema}", "hi"],
    ["chat", "--pattern", "C", "--today", "9999-12-31", "hi"],
    ["chat", "--pattern", "C", "--calendar-url", "dynamodb://x", "hi"],
    ["chat", "--pattern", "C", "--calendar-url", "dynamodb://club?endpoint=http://127.0.0.1:9", "hi"],
    ["chat", "--pattern", "B", "hi"],
    ["serve", "--port", "99999"],
])
def test_bad_input_on_the_command_line_is_one_line_and_exit_2(args: list[str], tmp_path: Path) -> None:
    """Regression: each of these printed a traceback."""
    (tmp_path / "notadb.txt").write_text("not a database")
    with sqlite3.connect(tmp_path / "other.db") as other:
        other.execute("CREATE TABLE bookings (a, b)")
    args = [a.format(notadb=tmp_path / "notadb.txt", folder=tmp_path, otherschema=tmp_path / "other.db") for a in args]
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"} if "B" in args else None
    done = subprocess.run([sys.executable, "-m", "orchestration", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "error: " in done.stderr.strip().splitlines()[-1]


def test_a_malformed_calendar_url_setting_is_one_line_and_exit_2_for_deploy() -> None:
    done = subprocess.run([sys.executable, "-m", "orchestration", "deploy", "aws", "--dry-run"], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "CALENDAR_URL": "dynamodb://x"}, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "error: " in done.stderr.strip().splitlines()[-1]


def test_a_message_of_broken_characters_gets_a_clear_reply(tmp_path: Path) -> None:
    from orchestration.patterns import Deps, start
    from orchestration.providers import Settings

    from .helpers import new_calendar

    for letter in "CDG":
        (tmp_path / letter).mkdir()
        chat = start(letter, Deps.of(new_calendar(tmp_path / letter), "alice", Settings()))
        assert chat.send("Book court A \udcff tomorrow") == ("Part of that message is not readable text (broken "
                                                             "characters). Please type it again.")


@pytest.mark.parametrize("user", ["", " alice", "alice\u200b", "al\tice", "a" * 65, "   "])
def test_a_user_id_that_is_empty_invisible_or_padded_is_refused_at_the_edge(user: str,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: an empty --user booked for an empty name; G's Lambda rewrote ids ("alice\u200b" -> "alice")."""
    assert main(["chat", "--pattern", "C", "--user", user, "Book court A tomorrow at 3pm"]) == 2
    assert capsys.readouterr().err.startswith("error: --user: the user id")


@pytest.mark.parametrize("letter", "ACG")
def test_a_valid_user_id_reaches_the_calendar_byte_for_byte(letter: str) -> None:
    user = "Zoë O'Brien-李 #7"
    result = run_json("--pattern", letter, "--user", user, "--calendar", "empty", "Book court B tomorrow at 9am")
    assert [b["user"] for b in result["bookings"]] == [user]


@pytest.mark.parametrize("letter", "ABCDEFG")
def test_the_articles_dialogue_books_on_a_dynamodb_calendar(letter: str, dynamodb: str) -> None:
    table = f"dynamodb://dialogue-{letter.lower()}?endpoint={dynamodb}"
    result = run_json("--pattern", letter, "--today", "2025-12-03", "--user", "alice", "--calendar-url", table,
                      "--offline", *DIALOGUE)
    assert [(b["court"], b["date"], b["time"], b["user"]) for b in result["bookings"]] == [("A", "2025-12-04", "15:00", "alice")]
    from orchestration.calendar import Calendar

    [stored] = [b for b in Calendar(table).bookings(day="2025-12-04") if b.user == "alice"]
    assert stored.confirmation in result["turns"][-1]["reply"]


def test_the_calendar_url_setting_reaches_a_new_process_and_its_lambdas(dynamodb: str, tmp_path: Path) -> None:
    """`CALENDAR_URL` from the environment, DynamoDB credentials from a named profile (which no vendor setting
    reads, so the patterns stay offline): G's two Lambdas open the same table by themselves."""
    (tmp_path / "aws-credentials").write_text("[club]\naws_access_key_id = calendar-test\naws_secret_access_key = x\n")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "ANTHROPIC", "AWS_ACCESS", "AWS_SECRET"))},
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"), "AWS_PROFILE": "club",
           "CALENDAR_URL": f"dynamodb://from-the-setting?endpoint={dynamodb}"}
    guard = "import tests.netguard as g; g.install(); import runpy; runpy.run_module('orchestration', run_name='__main__')"
    done = subprocess.run([sys.executable, "-c", guard, "chat", "--pattern", "G", "--today", "2025-12-03", "--user",
                           "alice", "--json", *DIALOGUE], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert {v["mode"] for v in result["vendors"].values()} == {"offline"}
    assert [(b["court"], b["time"], b["user"]) for b in result["bookings"]] == [("A", "15:00", "alice")]
    from orchestration.calendar import Calendar

    assert [b.via for b in Calendar(env["CALENDAR_URL"]).bookings() if b.user == "alice"] == ["G"]
