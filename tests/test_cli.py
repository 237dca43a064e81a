"""The command line, as scripts and new users call it."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
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
    assert text.startswith("Pattern C — Function calling\ntoday 2025-12-03 · user alice · openai: "
                           "offline model (rule-based)")
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
    guard = ("import tests.netguard as g; g.install(); import runpy; runpy.run_module('orchestration', "
             "run_name='__main__')")
    done = subprocess.run(
        [sys.executable, "-c", guard, "chat", "--pattern", "C", "--today", "2025-12-03", "--user", "alice", "--json",
         *DIALOGUE],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert ([(b["court"], b["time"], b["user"]) for b in json.loads(done.stdout)["bookings"]]
            == [("A", "15:00", "alice")])


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
    from orchestration.vendors.settings import Settings

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
    assert ([(b["court"], b["date"], b["time"], b["user"]) for b in result["bookings"]]
            == [("A", "2025-12-04", "15:00", "alice")])
    from orchestration.calendar import Calendar

    [stored] = [b for b in Calendar(table).bookings(day="2025-12-04") if b.user == "alice"]
    assert stored.confirmation in result["turns"][-1]["reply"]


def test_the_calendar_url_setting_reaches_a_new_process_and_its_lambdas(dynamodb: str, tmp_path: Path) -> None:
    """`CALENDAR_URL` from the environment, DynamoDB credentials from a named profile (which no vendor setting
    reads, so the patterns stay offline): G's two Lambdas open the same table by themselves."""
    (tmp_path / "aws-credentials").write_text("[club]\naws_access_key_id = calendar-test\naws_secret_access_key = x\n")
    env = {**{k: v for k, v in os.environ.items()
              if not k.startswith(("OPENAI", "ANTHROPIC", "AWS_ACCESS", "AWS_SECRET"))},
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"), "AWS_PROFILE": "club",
           "CALENDAR_URL": f"dynamodb://from-the-setting?endpoint={dynamodb}"}
    guard = ("import tests.netguard as g; g.install(); import runpy; runpy.run_module('orchestration', "
             "run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", guard, "chat", "--pattern", "G", "--today", "2025-12-03", "--user",
                           "alice", "--json", *DIALOGUE], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert {v["mode"] for v in result["vendors"].values()} == {"offline"}
    assert [(b["court"], b["time"], b["user"]) for b in result["bookings"]] == [("A", "15:00", "alice")]
    from orchestration.calendar import Calendar

    assert [b.via for b in Calendar(env["CALENDAR_URL"]).bookings() if b.user == "alice"] == ["G"]


# --- The CLI tells the truth ---------------------------------------------------------------------------


@pytest.mark.parametrize("letter", "ABCDEFG")
def test_bookings_lists_only_this_runs_own_while_another_books_on_the_same_db(letter: str, tmp_path: Path) -> None:
    """Regression: `bookings` listed every booking made after the newest id at the start, so on a shared --db
    other processes' bookings showed as this run's (9 of 160 concurrent runs). The calendar's race fault is a
    stranger booking the slot, and committing, in the middle of this run's own booking."""
    from datetime import date

    from orchestration.calendar import RIVAL, Calendar, Clock

    db = tmp_path / "club.db"
    calendar = Calendar.open(db, Clock.on(date(2025, 12, 3)), seed="demo")
    start = calendar.last_id()
    calendar.arm("race")
    result = run_json("--pattern", letter, "--today", "2025-12-03", "--db", str(db), "--user", "alice", "--offline",
                      "Book court A tomorrow at 3pm", "B")
    made = calendar.bookings(after_id=start)
    assert [(b.court, b.time, b.user) for b in made if b.via == "race"] == [("A", "15:00", RIVAL)]  # the stranger's
    assert result["bookings"] == [{"court": b.court, "date": b.date, "time": b.time, "user": b.user,
                                   "confirmation": b.confirmation} for b in made if b.via == letter]


@pytest.fixture
def offline_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The offline model served on loopback, and fake AWS keys: the AWS patterns run as "real", through botocore."""
    import threading

    from orchestration.vendors.offline import OfflineModel
    from orchestration.vendors.offline.server import make_server

    server = make_server(OfflineModel(), "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEENDPOINT0000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-endpoint-secret")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_vendors_shows_the_endpoint_aws_endpoint_url_sends_the_calls_to(offline_aws: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: `vendors.aws.endpoint` said "AWS us-east-1" while botocore sent every call to AWS_ENDPOINT_URL."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", offline_aws)
    result = run_json("--pattern", "A", "--today", "2025-12-03", "--user", "alice", "Book court A tomorrow at 3pm")
    assert result["vendors"] == {"aws": {"mode": "real", "model": "amazon.nova-lite-v1:0", "endpoint": offline_aws}}
    assert [b["court"] for b in result["bookings"]] == ["A"]  # and the calls did go there


def test_vendors_names_each_services_endpoint_when_they_differ(offline_aws: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", offline_aws)
    result = run_json("--pattern", "A", "--today", "2025-12-03", "Any courts free tomorrow at 3pm?")
    assert result["vendors"]["aws"]["endpoint"] == (
        f"bedrock-runtime: {offline_aws}, bedrock-agent-runtime: https://bedrock-agent-runtime.eu-west-1.amazonaws.com")


def test_an_endpoint_is_shown_without_the_credentials_a_url_can_carry(monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.vendors.clients import Clients
    from orchestration.vendors.settings import Settings

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://proxy-user:proxy-secret@127.0.0.1:9/aws?X-Amz-Security-Token=tok")
    clients = Clients(Settings(aws_access_key_id="AKIAFAKE", aws_secret_access_key="fake", lambda_mode="aws",
                               openai_api_key="sk-fake", openai_base_url="https://u:p4ss@gateway.example/v1?key=k"))
    assert (clients.where("aws")["endpoint"], clients.where("openai")["endpoint"]) == \
        ("http://127.0.0.1:9/aws", "https://gateway.example/v1")


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "ANTHROPIC", "AWS", "CALENDAR"))}
    return subprocess.run([sys.executable, "-m", "orchestration", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**base, **(env or {})}, timeout=120, check=False)


@pytest.mark.parametrize("url",
                         ["DYNAMODB://t?endpoint=http://127.0.0.1:9", "DynamoDB://club?endpoint=http://127.0.0.1:9",
                                 "s3://club/calendar"])
def test_an_upper_case_or_unknown_scheme_is_one_line_and_never_a_sqlite_file(url: str, tmp_path: Path) -> None:
    """Regression: `DYNAMODB://…` was taken as a SQLite path ("unable to open database file")."""
    done = run_cli("chat", "--pattern", "A", "--calendar-url", url, "--today", "2025-12-03", "--user", "alice",
                   "--offline", "hi")
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith(f"error: cannot use {url} as the court calendar: ")
    assert "unable to open database" not in line and (url.startswith("s3") or "sqlite" not in line.lower())
    assert not list(ROOT.glob("DYNAMODB:*")) and not list(ROOT.glob("s3:*"))


def test_a_dynamodb_error_page_is_one_line(dynamodb_endpoint: str) -> None:
    """Regression: a bad region printed six lines, moto's HTML error page among them."""
    from .dynamodb_server import CREDENTIALS

    done = run_cli("chat", "--pattern", "C", "--offline", "--calendar-url",
                   f"dynamodb://club?region=nowhere&endpoint={dynamodb_endpoint}", "hi", env=CREDENTIALS)
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert "<" not in line and "an HTML page titled '500 Internal Server Error'" in line
    assert "the region 'nowhere' is not one botocore knows for DynamoDB" in line
