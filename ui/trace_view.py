"""The trace page's pieces: read an uploaded trace file, and draw it as a pattern page draws a run.

An opened trace gets the pattern pages' own graph (`graph.draw`), the same who-decided colours and
legend, and the same steps table (`pattern_page.steps_table`). Reading is `orchestration.observe.opened`;
a file it cannot read gets its sentence, never a traceback. Every text from a file, its name
included, is shown as plain text: no Markdown, no HTML, no live link.
"""

from __future__ import annotations

from collections import Counter

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from orchestration.observe.opened import MAX_BYTES, OpenedTrace, TraceFileError, open_trace
from orchestration.observe.trace import code_share
from orchestration.patterns import PATTERNS

from .graph import draw
from .pattern_page import steps_table
from .text import plain

SLOTS = {"first": "Open a trace", "second": "Open a second trace to compare"}
"""The page's two uploaders, by the slot their session keys are named for."""
WHAT_OPENS = ("A `chat --json` run, a pattern page's “Trace as JSON”, an OTLP/JSON export (`--otlp FILE`, a page's "
              "OpenTelemetry download, or another OpenTelemetry GenAI producer's), or a cassette (`.cassette`, "
              f"gzip-compressed JSON). Up to {MAX_BYTES // 2**20} MB.")
SIDE_BY_SIDE_FONT_SCALE = 1.4
"""A graph in half the page is drawn smaller: its text, enlarged against the layout, stays readable."""


@st.cache_data(max_entries=8, show_spinner=False)
def _read(data: bytes, name: str, conversation: int) -> OpenedTrace:
    return open_trace(data, name, conversation)


def uploaded(slot: str) -> tuple[UploadedFile, OpenedTrace] | None:
    """The uploader of `slot` and the trace in its file; a file that is not one gets its reason said here."""
    upload = st.file_uploader(SLOTS[slot], key=f"trace_file_{slot}", max_upload_size=MAX_BYTES // 2**20,
                              help=WHAT_OPENS)
    if upload is None:
        return None
    chosen = f"trace_conversation_{slot}"
    if st.session_state.get(f"trace_file_id_{slot}") != upload.file_id:  # a new file: its first conversation
        st.session_state[f"trace_file_id_{slot}"] = upload.file_id
        st.session_state[chosen] = 0
    try:
        return upload, _read(upload.getvalue(), upload.name, st.session_state.get(chosen, 0))
    except TraceFileError as error:
        st.error(plain(f"{upload.name} cannot be opened. {error}"))
        return None


def show(slot: str, upload: UploadedFile, trace: OpenedTrace, beside: bool = False) -> None:
    """One opened trace: what it is, its graph, its steps, and the bookings it made; `beside` another one."""
    st.subheader(plain(trace.label))
    about = [upload.name]
    if trace.pattern:
        about.append(f"pattern {trace.pattern} · {PATTERNS[trace.pattern].name}")
    if trace.user:
        about.append(f"booking for {trace.user}")
    st.caption(plain(" · ".join(about)))
    if trace.conversations:
        st.selectbox("Conversation", range(len(trace.conversations)), key=f"trace_conversation_{slot}",
                     format_func=lambda n: f"{n + 1}. {trace.conversations[n]}",
                     help="This file holds several conversations (an `evaluate --otlp` export has one per run).")
    if trace.note:
        st.warning(plain(trace.note))
    events = trace.events
    decisions = Counter(e.decided_by for e in events)
    numbers = st.columns(4)
    numbers[0].metric("Steps", len(events))
    numbers[1].metric("Model calls", sum(e.model_call for e in events))
    numbers[2].metric("Tool calls", sum(e.action == "execute_tool" for e in events))
    numbers[3].metric("Decided by code", f"{code_share(decisions):.0%}")
    draw(events, user=trace.user, font_scale=SIDE_BY_SIDE_FONT_SCALE if beside else 1.0)
    steps_table(events)
    if trace.bookings:
        st.markdown("**Bookings it made**")
        st.dataframe(list(trace.bookings), hide_index=True, width="stretch")
