"""Per-browser-session state: settings, a private calendar sandbox, and one conversation per pattern."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import streamlit as st

from orchestration.calendar import Calendar, Clock
from orchestration.patterns import Conversation, Deps, start
from orchestration.providers import Clients, Settings
from orchestration.trace import Trace

SANDBOX_ROOT = Path(tempfile.gettempdir()) / "orchestration-playground"


def settings() -> Settings:
    """Settings from the environment and `st.secrets`, then this session's own entries (never stored)."""
    sources: list = [os.environ]
    try:
        sources.append(dict(st.secrets))
    except Exception:  # no secrets.toml: the app runs fully offline
        pass
    sources.append(st.session_state.get("settings_overrides", {}))
    return Settings.from_sources(*sources)


def clock() -> Clock:
    """The session's clock: the "today" override if set, else the real date."""
    override: date | None = st.session_state.get("today_override")
    return Clock.on(override) if override else Clock()


def calendar() -> Calendar:
    """This session's own calendar, seeded with the demo state on first use."""
    if "calendar_path" not in st.session_state:
        SANDBOX_ROOT.mkdir(parents=True, exist_ok=True)
        handle, path = tempfile.mkstemp(prefix="calendar-", suffix=".db", dir=SANDBOX_ROOT)
        os.close(handle)
        os.unlink(path)
        st.session_state.calendar_path = path
    return Calendar.open(st.session_state.calendar_path, clock(), seed="demo")


def user() -> str:
    """The demo user every booking in this session is made for."""
    return st.session_state.get("demo_user", "guest") or "guest"


def conversation(letter: str) -> Conversation:
    """This session's conversation through pattern `letter`, started on first use."""
    key = f"conversation_{letter}"
    if key not in st.session_state:
        current = settings()
        deps = Deps(calendar=calendar(), user=user(), clients=Clients(current),
                    trace=Trace(secrets=current.secrets()), clock=clock())
        st.session_state[key] = start(letter, deps)
        st.session_state[f"history_{letter}"] = []
    return st.session_state[key]


def restart(letter: str) -> None:
    """Forget the conversation through `letter` (the calendar keeps its bookings)."""
    st.session_state.pop(f"conversation_{letter}", None)
    st.session_state.pop(f"history_{letter}", None)
