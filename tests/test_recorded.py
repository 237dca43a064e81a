"""Recorded runs on a pattern page: a visitor with no model replays one through the pattern's code, and forks it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from orchestration.cli import main
from orchestration.vendors import cassette

ROOT = Path(__file__).resolve().parents[1]
DIALOGUE = ("Book a court for tomorrow", "3pm", "A")


@pytest.fixture
def recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A recording of D, made here on the offline model, as the app's only recording."""
    folder = tmp_path / "recordings"
    folder.mkdir()
    assert main(["chat", "--json", "--pattern", "D", "--today", "2025-12-03", "--user", "alice",
                 "--record", str(folder / "D-article-dialogue-1.cassette"), *DIALOGUE], out=io.StringIO()) == 0
    monkeypatch.setattr(cassette.library, "RECORDINGS", folder)
    return folder


def page() -> AppTest:
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    app.run()
    app.switch_page("pages/pattern_d.py").run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def texts(app: AppTest) -> list[str]:
    return [t.value for t in app.text] + [c.value for c in app.caption] + [m.value for m in app.markdown]


def test_a_recorded_run_replays_on_its_page_with_no_model(recorded: Path) -> None:
    app = page()
    app.button(key="recorded_play_D").click().run()
    assert not app.exception, [e.message for e in app.exception]
    shown = texts(app)
    assert "**Showing a recorded run.**" in shown
    assert any(t.startswith("Booked! Court A") for t in shown)
    assert any(t == "This run booked: court A 2025-12-04 15:00 for alice" for t in shown)


def test_a_fork_at_the_models_booking_changes_what_the_calendar_holds(recorded: Path) -> None:
    app = page()
    app.button(key="recorded_play_D").click().run()
    tape = cassette.Cassette.load(recorded / "D-article-dialogue-1.cassette")
    step = next(c.step for c in tape.calls if cassette.decision_of(c).get("tool") == "book")
    app.selectbox(key="fork_step_D").set_value(step).run()
    app.text_area(key=f"fork_decision_D_{step}").set_value(json.dumps({"text": "Which court would you like?"})).run()
    app.button(key="fork_go_D").click().run()
    assert not app.exception, [e.message for e in app.exception]
    shown = texts(app)
    assert any(f"forked at step {step} by you" in t for t in shown)
    assert not any(t == "This run booked: court A 2025-12-04 15:00 for alice" for t in shown)
    assert app.session_state["recorded_result_D"]["forked_at"] == step


def test_compare_lists_the_recorded_runs_of_the_same_conversation(recorded: Path) -> None:
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    app.run()
    app.switch_page("pages/compare.py").run()
    assert not app.exception, [e.message for e in app.exception]
    table = app.dataframe[0].value
    assert len(table) == 1 and table["pattern"][0].startswith("D ·")
    assert table["calendar change"][0] == "booked A 2025-12-04 15:00 for alice"
    assert table["recorded"][0] and table["commit"][0] is not None and "offline" in table["model"][0]


def test_the_arena_shows_the_real_model_measurement_labelled(tmp_path: Path) -> None:
    from ui.arena_view import measured_on_a_real_model

    record = {"pattern": "C", "scenario": "s", "run": 0, "fault": "", "model": "m1", "commit": "abc",
              "safeguards": "on",
              "outcome": "rescued", "harmed": False, "unasked": 0, "at": "2026-12-03T10:00:00+00:00"}
    (tmp_path / "m1.jsonl").write_text(json.dumps(record) + "\n" + json.dumps({**record, "outcome": "pass"}) + "\n")
    label, rows = measured_on_a_real_model(tmp_path)
    assert label == "m1 · 2 runs · measured 2026-12-03 at commit abc"
    assert rows == [{"pattern": "C", "safeguards": "on", "runs": 2, "pass": 0.5, "rescued": 0.5, "fail": 0.0,
                     "harmed runs": 0, "unasked bookings": 0}]
