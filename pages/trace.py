"""Open a trace: a `chat --json` run, an OTLP/JSON export or a cassette, drawn as a pattern page draws a
run; a second one beside it."""

import streamlit as st

from ui import trace_view as view
from ui.graph import legend

st.title("Open a trace")
st.caption("Open a run made elsewhere and see who decided each step, with the same graph, colours and steps as "
           "the pattern pages. " + view.WHAT_OPENS + " Open a second one to see the two side by side.")
places = st.columns(2)
opened = []
for place, slot in zip(places, view.SLOTS, strict=True):
    with place:
        found = view.uploaded(slot)
    if found:
        opened.append((slot, *found))
if not opened:
    st.info("Nothing opened yet. Try `python -m orchestration chat --json --pattern C --today 2025-12-03 "
            "\"Book a court for tomorrow\" 3pm A > run.json`, or `--otlp run.otlp.jsonl` on the same line.")
else:
    st.markdown("**Who decided each step**")
    legend()
    columns = st.columns(len(opened)) if len(opened) > 1 else [st.container()]
    for column, (slot, upload, trace) in zip(columns, opened, strict=True):
        with column:
            view.show(slot, upload, trace, beside=len(opened) > 1)
