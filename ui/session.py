"""Per-browser-session state: settings, a private calendar sandbox, one conversation per pattern.

The sandbox holds a starting calendar (demo or empty, as the visitor chose) and, for each pattern
page used, that page's own copy of it: every page starts from the same state, so the article's
dialogue books court A at 15:00 on each of them, in any order.

Everything here lives in `st.session_state`, which belongs to one browser session: visitors of the
hosted demo never share a calendar, a conversation or a key. Keys typed in the sidebar stay in that
session's memory only — never written to disk, a trace, a log or an export. So that a reload loses
nothing, the session's id travels in the URL (`?session=…`) and the server keeps its conversations,
chats, calendar and settings — everything but the keys — under that id *and this browser's own
secret*, a random value the app puts in a cookie (`resume`, `keep`, `remember_browser`). The URL
alone brings back nothing: opened in another browser, a link starts a fresh session.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
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
from orchestration.vendors.clients import Clients
from orchestration.vendors.settings import Settings

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


def where_calls_go() -> dict[str, str]:
    """Each vendor's mode and model (`Clients.describe`), worked out once per session for the settings it has:
    for real AWS that builds boto3 clients to read their endpoints, which a rerun need not do again."""
    current = settings()
    kept = st.session_state.get("_where_calls_go")
    if kept is None or kept[0] != current:
        kept = st.session_state["_where_calls_go"] = (current, Clients(current).describe())
    return kept[1]


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
        handle, path = tempfile.mkstemp(prefix="calendar-", suffix=".db", dir=SANDBOX_ROOT)
        os.close(handle)
        prune(SANDBOX_ROOT, spare=path)
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
MAX_FILES = 256
"""At most this many calendar files in the folder (a session's calendar, its pages' copies, SQLite's -wal/-shm)."""
MAX_BYTES = 32 * 2**20
"""At most this many bytes of calendar files in the folder (each file is about 30–110 KB)."""
_SESSION_OF_FILE = re.compile(r"calendar-[a-z0-9_]+")
"""A file's session: `calendar-<mkstemp's random part>`, the prefix its calendar and every copy share."""


def _session_of(path: Path) -> str:
    found = _SESSION_OF_FILE.match(path.name)
    return found.group() if found else path.name


def prune(folder: Path, now: float | None = None, *, spare: str | Path | None = None,
          max_files: int | None = None, max_bytes: int | None = None) -> int:
    """Remove sessions' calendar files, a whole session at a time and the least recently used first: every
    session unused for `KEEP_FILES_S`, then more until at most `max_files` files of `max_bytes` bytes in all
    remain (by default `MAX_FILES` and `MAX_BYTES`). The session of `spare` (a file of the calling session)
    is never removed, so the folder can go over the caps by that one session's files. Returns how many
    files were removed.

    "Used" is a file's modification time: `keep` touches the current session's files on every run, so the
    sessions that go first are the ones nobody has had open for longest."""
    sessions: dict[str, list[tuple[Path, os.stat_result]]] = {}
    for path in folder.glob("calendar-*"):
        try:
            sessions.setdefault(_session_of(path), []).append((path, path.stat()))
        except OSError:  # removed meanwhile by another session's server
            continue
    everything = [info for group in sessions.values() for _, info in group]
    files, size = len(everything), sum(info.st_size for info in everything)
    if spare is not None:
        sessions.pop(_session_of(Path(spare)), None)
    cutoff = (now if now is not None else time.time()) - KEEP_FILES_S
    max_files = MAX_FILES if max_files is None else max_files
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    removed = 0
    for group in sorted(sessions.values(), key=lambda group: max(info.st_mtime for _, info in group)):
        if max(info.st_mtime for _, info in group) >= cutoff and files <= max_files and size <= max_bytes:
            break  # the rest are newer still
        for path, info in group:
            try:
                path.unlink()
                removed += 1
            except FileNotFoundError:  # another session's server removed it first
                pass
            except OSError:  # still there (in use, or not ours to remove)
                continue
            files, size = files - 1, size - info.st_size
    return removed


def _touch_files() -> None:
    """Mark this session's calendar files as used now, so that `prune` removes other sessions' first."""
    path = st.session_state.get("calendar_path")
    if path is None:
        return
    mine = _session_of(Path(path))
    for file in Path(path).parent.glob(f"{mine}*"):
        if _session_of(file) == mine:
            try:
                os.utime(file)
            except OSError:
                continue


def _forget_lost_files() -> None:
    """If another session's `prune` removed this session's calendar files (only after long disuse, or when
    the folder is over its caps), start the calendars and the conversations on them again, rather than fail."""
    state = st.session_state
    lost = [str(key).removeprefix("conversation_") for key in list(state)
            if str(key).startswith("conversation_") and isinstance(state[key], Conversation)
            and Path(state[key].deps.calendar.path).parent == SANDBOX_ROOT
            and not Path(state[key].deps.calendar.path).exists()]
    base = state.get("calendar_path")
    if base is not None and not Path(base).exists():
        del state["calendar_path"]
    for letter in lost:
        restart(letter)
    if lost:
        st.toast("This session's calendars had been removed from the server (unused for long, or to free disk "
                 "space), so its conversations started over.")


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
        prune(SANDBOX_ROOT, spare=path)
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


# --- Surviving a reload, in the same browser only ------------------------------------------------
#
# A reload must bring a session back; a link opened in another browser must not (it would hand over
# the sender's conversation, demo user, calendar and endpoints: a base URL of theirs would receive the
# next visitor's key). So saved state is filed under the URL's session id *and* a secret of this
# browser's that no URL carries: a random value in a cookie. Streamlit cannot set a cookie from the
# server, but `st.context.cookies` reads the ones the browser sent when it opened the session's
# connection, so the very first run after a reload already knows the browser (no extra rerun, no
# flash of a fresh page), and a few lines of script (`remember_browser`) set it on the first visit.
# Without the cookie (another browser, a private window, cookies off) the saved state cannot even be
# looked up, and the session starts fresh under a new id.

SESSION_PARAM = "session"
"""The URL query parameter that names this browser session's saved state."""
BROWSER_COOKIE = "playground_browser"
"""The cookie holding this browser's secret (64 hex digits); sent to this server only, never in a URL."""
BROWSER_COOKIE_DAYS = 30
_BROWSER_SECRET = re.compile(r"[0-9a-f]{64}")
_UNSET_SECRET = "browser_secret_to_set"
"""Session key of a secret made for a browser that sent none, until `remember_browser` has set it."""
_SLOT = "saved_state_slot"
"""Session key of where this session's state is kept: a hash of its id and its browser's secret."""
KEPT = ("demo_user", "valid_user", "today_on", "today_value", "fault", "calendar_path", "calendar_day", "calendar_seed",
        "arena_suites", "arena_choices", "compare_runs", "compare_choices", "page_days", "faults_seen")
"""Session keys a reload keeps, besides each pattern's conversation and chat (and settings, less keys)."""
MAX_KEPT_SESSIONS = 200


@st.cache_resource
def _kept() -> OrderedDict[str, dict[str, Any]]:
    """This server process's saved sessions, by `_slot`, oldest first. Never holds an API key."""
    return OrderedDict()


def _browser_cookie() -> str | None:
    """This browser's secret, as its cookie came with the session's connection (None on a first visit)."""
    value = st.context.cookies.get(BROWSER_COOKIE)
    return value if isinstance(value, str) and _BROWSER_SECRET.fullmatch(value) else None


def _slot(session_id: str, browser_secret: str) -> str:
    """Where a session's state is kept: found only by someone holding both the id and the browser's secret."""
    return hashlib.sha256(f"{browser_secret}:{session_id}".encode()).hexdigest()


def resume() -> None:
    """At the start of every run: take this session's id from the URL and, if this browser saved state under
    it, bring that back (a reload); otherwise make a new id and put it there."""
    state = st.session_state
    if "session_id" not in state:
        browser = _browser_cookie()
        if browser is None:
            browser = state[_UNSET_SECRET] = secrets.token_hex(32)
        wanted = st.query_params.get(SESSION_PARAM, "")
        saved = _kept().get(_slot(wanted, browser)) if re.fullmatch(r"[0-9a-f]{32}", wanted or "") else None
        state.session_id = wanted if saved is not None else uuid.uuid4().hex
        state[_SLOT] = _slot(state.session_id, browser)
        for key, value in (saved or {}).items():
            state[key] = value
    _forget_lost_files()
    st.query_params[SESSION_PARAM] = state.session_id


def remember_browser() -> None:
    """On a browser that sent no secret: a script that stores this session's one in the cookie (unless another
    tab set one meanwhile), so a reload finds this session's state. Renders nothing visible."""
    secret = st.session_state.get(_UNSET_SECRET)
    if secret is None:
        return
    days = BROWSER_COOKIE_DAYS * 24 * 3600
    st.html(f"""<script>
if (!/(^|; ){BROWSER_COOKIE}=[0-9a-f]{{64}}(;|$)/.test(document.cookie)) {{
  document.cookie = "{BROWSER_COOKIE}={secret}; path=/; max-age={days}; samesite=strict"
    + (location.protocol === "https:" ? "; secure" : "");
}}
</script>""", unsafe_allow_javascript=True)


def _holds_a_key(value: Any) -> bool:
    """A conversation whose clients were made with a key: not kept (a reload starts it over, keyless)."""
    return isinstance(value, Conversation) and bool(value.deps.clients.settings.secrets())


def keep() -> None:
    """At the end of every run: keep what a reload in this browser should bring back (never a key), and mark
    this session's calendar files as used."""
    state = st.session_state
    saved = {key: state[key] for key in state if key in KEPT or str(key).startswith(("conversation_", "history_"))
             and not _holds_a_key(state[key])}
    secret_fields = set(Settings().secret_fields())
    saved[OVERRIDES] = {k: v for k, v in state.get(OVERRIDES, {}).items() if k not in secret_fields}
    kept = _kept()
    kept[state[_SLOT]] = saved
    kept.move_to_end(state[_SLOT])
    while len(kept) > MAX_KEPT_SESSIONS:
        kept.popitem(last=False)
    _touch_files()
