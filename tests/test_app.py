"""The Streamlit app, through AppTest: the home page, and the article's dialogue on the Pattern C page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from orchestration.calendar import Calendar

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)


def test_home_page_names_the_offline_model_honestly(app: AppTest) -> None:
    app.run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown)
    assert "offline model (rule-based)" in text
    assert "not an LLM" in text


def test_pattern_c_page_books_through_the_chat(app: AppTest) -> None:
    app.run()
    app.sidebar.text_input(key="demo_user").set_value("alice")
    app.switch_page("pages/pattern_c.py").run()
    for message in ("Book a court for tomorrow", "3pm", "A"):
        app.chat_input[0].set_value(message).run()
        assert not app.exception
    replies = [t.value for t in app.text]
    assert "What time would you like?" in replies
    assert any(r.startswith("Booked! Court A, tomorrow") for r in replies)
    steps = app.dataframe[0].value
    assert set(steps["decided by"]) >= {"user", "code", "llm"}
    calendar = Calendar(app.session_state["calendar_path"])
    assert [(b.court, b.time, b.user, b.via) for b in calendar.bookings() if b.via != "seed"] == [("A", "15:00", "alice", "C")]
