"""Per-browser-session state: settings, a private calendar sandbox, one conversation per pattern.

The sandbox holds a starting calendar (demo or empty, as the visitor chose) and, for each pattern
page used, that page's own copy of it: every page starts from the same state, so the article's
dialogue books court A at 15:00 on each of them, in any order.

Everything here lives in `st.session_state`, which belongs to one browser session: visitors of the
hosted demo never share a calendar, a conversation or a key. Keys typed in the sidebar stay in that
session's memory only — never written to disk, a trace, a log or an export. So that a reload loses
nothing, the session's id travels in the URL (`?session=…`) and the server keeps its conversations,
chats, calendar and settings — everything but the keys — under that id (`resume`, `keep`).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
import uuid
from collections import OrderedDict
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import streamlit as st

from orchestration.calendar import Calendar, Clock, SeedName
from orchestration.evaluate import FAULTS, Fault
from orchestration.identity import user_problem
from orchestration.patterns import Conversation, Deps, start
from orchestration.providers import Settings

SANDBOX_ROOT = Path(tempfile.gettempdir()) / "orchestration-playground"
"""Where each session's calendar file lives (writable on Streamlit Community Cloud)."""

OVERRIDES = "settings_overrides"
"""Session key of the settings typed in the sidebar (field name -> value)."""


def _secrets() -> dict[str, Any]:
    try:
        return {key: value for key, value in st.secrets.items() if isinstance(value, str)}
    except Exception:  # no secrets.toml: the app runs fully offline
        return {}


def configured() -> Settings:
    """The environment, then `st.secrets`: the settings before this session's own entries."""
    return Settings.from_sources(os.environ, _secrets())


def settings() -> Settings:
    """The environment, then `st.secrets`, then this session's own entries (and a model-side fault)."""
    current = Settings.from_sources(os.environ, _secrets(), st.session_state.get(OVERRIDES, {}))
    chosen = fault()
    return replace(current, offline_faults=chosen.model_spec) if chosen and chosen.side == "model" else current


def safeguards_on() -> bool:
    """Whether this session runs the playground's own checks around the patterns (the sidebar's switch)."""
    return settings().safeguards_on


def fault() -> Fault | None:
    """The fault chosen in the sidebar, injected into every turn of this session's conversations."""
    return FAULTS.get(st.session_state.get("fault") or "")


def inject_fault(calendar: Calendar) -> None:
    """Before a turn: arm the chosen calendar-side fault (model-side ones travel in the settings)."""
    chosen = fault()
    if chosen and chosen.side == "calendar":
        chosen.apply(calendar, settings())


def fingerprint(current: Settings) -> str:
    """Changes whenever anything that decides where calls go changes (keys hashed, never kept)."""
    return hashlib.sha256(repr(sorted(vars(current).items())).encode()).hexdigest()[:16]


def user() -> str:
    """The demo user every booking in this session is made for, exactly as typed once it is a valid id
    (until then, the last valid one)."""
    typed = st.session_state.get("demo_user", "guest")
    if user_problem(typed) is None:
        st.session_state["valid_user"] = typed
    return st.session_state.get("valid_user", "guest")


def today_override() -> date | None:
    """The "pretend today is" date, if set."""
    return st.session_state.get("today_value") if st.session_state.get("today_on") else None


def clock() -> Clock:
    override = today_override()
    return Clock.on(override) if override else Clock()


def calendar() -> Calendar:
    """This session's starting calendar, in the state the visitor chose (demo or empty). Pattern pages
    book on copies of it, so every page starts the same; re-laid out when "today" changes (it holds no
    booking made through a page, so nothing booked is lost)."""
    current = clock()
    path = st.session_state.get("calendar_path")
    seed = starting_state()
    if path is None or not Path(path).exists():  # first use (or the temp folder was cleaned): create and seed it
        SANDBOX_ROOT.mkdir(parents=True, exist_ok=True)
        prune(SANDBOX_ROOT)
        handle, path = tempfile.mkstemp(prefix="calendar-", suffix=".db", dir=SANDBOX_ROOT)
        os.close(handle)
        os.unlink(path)
        st.session_state.calendar_path = path
        st.session_state.calendar_day = current.today()
        return Calendar.open(path, current, seed=seed)
    found = Calendar(path, current)
    if st.session_state.get("calendar_day") != current.today():
        found.reset(seed)  # the demo state is laid out around "today"
        st.session_state.calendar_day = current.today()
    return found


KEEP_FILES_S = 24 * 3600
"""How long a session's calendar files outlive their last use before a new session removes them."""


def prune(folder: Path, now: float | None = None) -> int:
    """Remove sessions' calendar files unused for `KEEP_FILES_S`; returns how many were removed."""
    cutoff = (now if now is not None else time.time()) - KEEP_FILES_S
    removed = 0
    for path in folder.glob("calendar-*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:  # another session's server removed it first, or it is in use
            continue
    return removed


def starting_state() -> SeedName:
    """The state every page's calendar starts from: `demo` (club members' bookings) or `empty`."""
    return st.session_state.get("calendar_seed", "demo")


def set_starting_state(seed: SeedName) -> None:
    """Start every calendar again from `seed`: the starting calendar, and each page's copy (with its conversation)."""
    st.session_state.calendar_seed = seed
    calendar().reset(seed)
    for letter in page_calendars():
        reset_page_calendar(letter)


def page_calendar(letter: str) -> Calendar:
    """Pattern `letter`'s own calendar: a copy of the starting calendar, made when the page is first used
    (or reset), kept across conversations so nothing booked on the page disappears."""
    path = _page_path(letter)
    if not path.exists():
        return calendar().copy_to(path, clock())
    return Calendar(str(path), clock())


def reset_page_calendar(letter: str) -> None:
    """Start pattern `letter`'s page again from the starting calendar: its bookings go, its conversation too."""
    _page_path(letter).unlink(missing_ok=True)
    restart(letter)


def page_calendars() -> dict[str, Calendar]:
    """The pages' own calendars made so far in this session, by pattern letter."""
    base, current = Path(calendar().path), clock()
    paths = {letter: _page_path(letter, base) for letter in "ABCDEFG"}
    return {letter: Calendar(str(path), current) for letter, path in paths.items() if path.exists()}


def _page_path(letter: str, base: Path | None = None) -> Path:
    base = base or Path(calendar().path)
    return base.with_name(f"{base.stem}-page-{letter}{base.suffix}")


def deps(letter: str) -> Deps:
    """Fresh dependencies for a conversation through `letter` in this session, on the page's own calendar."""
    return Deps.of(page_calendar(letter), user(), settings())


def conversation(letter: str) -> Conversation:
    """This session's conversation through `letter`, restarted if settings, user or "today" changed."""
    stamp = (fingerprint(settings()), user(), clock().today())
    key = f"conversation_{letter}"
    if st.session_state.get(f"{key}_stamp") != stamp:
        restarted = key in st.session_state
        st.session_state[key] = start(letter, deps(letter))
        st.session_state[f"{key}_stamp"] = stamp
        st.session_state[f"history_{letter}"] = []
        if restarted:
            st.toast("Settings changed, so this conversation started over.")
    return st.session_state[key]


def history(letter: str) -> list[dict[str, str]]:
    """The chat as shown: [{"role", "text"}], kept per pattern."""
    conversation(letter)
    return st.session_state[f"history_{letter}"]


def restart(letter: str) -> None:
    """Forget the conversation through `letter` (the calendar keeps its bookings)."""
    for key in (f"conversation_{letter}", f"conversation_{letter}_stamp", f"history_{letter}"):
        st.session_state.pop(key, None)


def default_day() -> date:
    """The day pages show first: tomorrow, like the article's dialogue."""
    return clock().today() + timedelta(days=1)


# --- Surviving a reload -------------------------------------------------------------------------

SESSION_PARAM = "session"
"""The URL query parameter that names this browser session's saved state."""
KEPT = ("demo_user", "valid_user", "today_on", "today_value", "fault", "calendar_path", "calendar_day", "calendar_seed")
"""Session keys a reload keeps, besides each pattern's conversation and chat (and settings, less keys)."""
MAX_KEPT_SESSIONS = 200


@st.cache_resource
def _kept() -> OrderedDict[str, dict[str, Any]]:
    """This server process's saved sessions, by session id, oldest first. Never holds an API key."""
    return OrderedDict()


def resume() -> None:
    """At the start of every run: take this session's id from the URL (after a reload, bringing back
    what was kept), or make one and put it there."""
    if "session_id" not in st.session_state:
        wanted = st.query_params.get(SESSION_PARAM, "")
        saved = _kept().get(wanted) if re.fullmatch(r"[0-9a-f]{32}", wanted or "") else None
        st.session_state.session_id = wanted if saved is not None else uuid.uuid4().hex
        for key, value in (saved or {}).items():
            st.session_state[key] = value
    st.query_params[SESSION_PARAM] = st.session_state.session_id


def _holds_a_key(value: Any) -> bool:
    """A conversation whose clients were made with a key: not kept (a reload starts it over, keyless)."""
    return isinstance(value, Conversation) and bool(value.deps.clients.settings.secrets())


def keep() -> None:
    """At the end of every run: keep what a reload should bring back (never a key)."""
    state = st.session_state
    saved = {key: state[key] for key in state if key in KEPT or str(key).startswith(("conversation_", "history_"))
             and not _holds_a_key(state[key])}
    secrets = set(Settings().secret_fields())
    saved[OVERRIDES] = {k: v for k, v in state.get(OVERRIDES, {}).items() if k not in secrets}
    kept = _kept()
    kept[state.session_id] = saved
    kept.move_to_end(state.session_id)
    while len(kept) > MAX_KEPT_SESSIONS:
        kept.popitem(last=False)
