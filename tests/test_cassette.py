"""Cassettes: a run recorded at the edges replays with no model, stops where it leaves the recording, and forks.

Replays here point the local model at a dead endpoint (port 9): a replay must never need it.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from orchestration.cli import main
from orchestration.vendors.cassette import Cassette

DIALOGUE = ("Book a court for tomorrow", "3pm", "A")
DEAD = "http://127.0.0.1:9/v1"


def chat(*args: str) -> tuple[int, dict | None, str]:
    out, err = io.StringIO(), io.StringIO()
    import contextlib

    with contextlib.redirect_stderr(err):
        code = main(["chat", "--json", "--today", "2025-12-03", "--user", "alice", *args], out=out)
    return code, json.loads(out.getvalue()) if out.getvalue().strip() else None, err.getvalue()


def shape(run: dict) -> tuple[list, list]:
    return ([(b["court"], b["date"], b["time"]) for b in run["bookings"]],
            [(e["action"], e["decided_by"]) for t in run["turns"] for e in t["events"]])


@pytest.mark.parametrize("letter", "ABCDEFG")
def test_a_recorded_run_replays_with_the_same_bookings_and_deciders_and_no_model(letter: str, tmp_path: Path) -> None:
    tape = tmp_path / f"{letter}.cassette"
    code, recorded, _ = chat("--pattern", letter, "--record", str(tape), *DIALOGUE)
    assert code == 0 and recorded["bookings"]
    code, replayed, err = chat("--replay", str(tape), "--local-model-url", DEAD)
    assert code == 0, err
    assert shape(replayed) == shape(recorded)
    assert all(w["mode"] == "replay" and "(recorded)" in w["model"] for w in replayed["vendors"].values())
    kept = Cassette.load(tape)
    assert kept.pattern == letter and kept.messages == list(DIALOGUE) and kept.recorded["commit"] is not None
    assert all(call.step is not None for call in kept.calls)  # each call is the step that reports it


def test_a_cassette_keeps_no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "")
    tape = tmp_path / "c.cassette"
    assert chat("--pattern", "C", "--record", str(tape), *DIALOGUE)[0] == 0
    raw = gzip.decompress(tape.read_bytes()).decode()
    assert "authorization" not in raw.lower() and "api_key" not in raw.lower()


def test_an_altered_cassette_stops_the_replay_naming_the_step_and_the_difference(tmp_path: Path) -> None:
    tape = tmp_path / "c.cassette"
    assert chat("--pattern", "C", "--record", str(tape), *DIALOGUE)[0] == 0
    data = json.loads(gzip.decompress(tape.read_bytes()))
    call = next(c for c in data["calls"] if c["request"]["messages"][-1]["tool_results"])
    result = call["request"]["messages"][-1]["tool_results"][0]
    result["content"] = result["content"].replace("2025-12-04", "2025-12-05", 1)
    tape.write_bytes(gzip.compress(json.dumps(data).encode()))
    code, _, err = chat("--replay", str(tape), "--local-model-url", DEAD)
    assert code == 1
    assert f"step {call['step']}" in err and "differs from the recording at messages[" in err
    assert "2025-12-05" in err and "2025-12-04" in err


def test_a_fork_replaces_one_decision_and_the_configured_model_goes_on(tmp_path: Path) -> None:
    tape = tmp_path / "d.cassette"
    code, recorded, _ = chat("--pattern", "D", "--record", str(tape), *DIALOGUE)
    booking = next(e for t in recorded["turns"] for e in t["events"]
                   if e["action"] == "choose_tool" and e["detail"]["tool"] == "book")
    decision = json.dumps({"text": "Shall I book court A tomorrow at 15:00?"})
    code, forked, err = chat("--replay", str(tape), "--fork-at", str(booking["step"]), "--decision", decision)
    assert code == 0, err
    events = [e for t in forked["turns"] for e in t["events"]]
    fork = next(e for e in events if (e.get("detail") or {}).get("fork"))
    assert fork["actor"] == "user" and fork["decided_by"] == "user" and fork["step"] < booking["step"] + 2
    assert all(e["step"] < fork["step"] or e["action"] != "choose_tool" or e["detail"]["tool"] != "book"
               for e in events if e["turn"] == fork["turn"])  # the model's book call of that turn is gone
    assert forked["turns"][fork["turn"] - 1]["reply"] == "Shall I book court A tomorrow at 15:00?"


@pytest.mark.parametrize("args, says", [
    (["--fork-at", "3"], "--fork-at needs --replay"),
    (["--replay", "nowhere.cassette"], "cannot read the cassette"),
])
def test_bad_cassette_options_get_a_clear_message(args: list[str], says: str) -> None:
    code, _, err = chat("--pattern", "C", *args, *DIALOGUE)
    assert code == 2 and says in err


def test_a_file_that_is_not_a_cassette_is_named_so(tmp_path: Path) -> None:
    bad = tmp_path / "x.cassette"
    bad.write_bytes(b"\x1f\x8bnot gzip at all")
    code, _, err = chat("--replay", str(bad))
    assert code == 2 and "is not a cassette" in err


def test_a_fork_at_a_step_no_model_decided_lists_those_that_did(tmp_path: Path) -> None:
    tape = tmp_path / "c.cassette"
    assert chat("--pattern", "C", "--record", str(tape), *DIALOGUE)[0] == 0
    code, _, err = chat("--replay", str(tape), "--fork-at", "1", "--decision", '{"text": "hi"}')
    assert code == 2 and "step 1 is not a model's decision in the recording; those are steps" in err


def test_evaluate_records_each_run_as_a_cassette_that_replays(tmp_path: Path) -> None:
    out = io.StringIO()
    assert main(["evaluate", "--offline", "--patterns", "E", "--tag", "core", "--record", str(tmp_path / "tapes"),
                 "--json"], out=out) in (0, 1)
    tapes = sorted((tmp_path / "tapes").glob("E-*-run1-safeguards-off.cassette"))
    assert len(tapes) == json.loads(out.getvalue())["scenarios"]
    for tape in tapes:  # each with its scenario's own starting calendar (taken-named-court's booking, say)
        recorded = Cassette.load(tape)
        code, replayed, err = chat("--replay", str(tape), "--local-model-url", DEAD)
        assert code == 0, (tape.name, err)
        assert [(b["court"], b["date"], b["time"]) for b in replayed["bookings"]] == [
            (b["court"], b["date"], b["time"]) for b in recorded.bookings]


@pytest.mark.parametrize("tape", sorted((Path(__file__).resolve().parents[1] / "recordings").glob("*.cassette")),
                         ids=lambda path: path.stem)
def test_every_kept_recording_replays_with_its_bookings_and_deciders(tape: Path) -> None:
    """The real-model runs kept with the app are regression tests: today's pattern code, answered by the
    recorded model, must make the same steps and bookings."""
    recorded = Cassette.load(tape)
    code, replayed, err = chat("--replay", str(tape), "--local-model-url", DEAD)
    assert code == 0, err
    assert [(b["court"], b["date"], b["time"]) for b in replayed["bookings"]] == [
        (b["court"], b["date"], b["time"]) for b in recorded.bookings]
    steps = [(e["action"], e["decided_by"]) for t in replayed["turns"] for e in t["events"]]
    assert steps == [(e["action"], e["decided_by"]) for e in recorded.events]
