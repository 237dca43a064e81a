"""Home: the seven patterns on the control–autonomy spectrum, and where calls go right now."""

import streamlit as st

from orchestration.patterns import PATTERNS, SPECTRUM
from ui import home_view as view

st.title("Orchestration Playground")
st.markdown(
    "One task — booking a tennis court with two functions, `check_availability` and `book` — run through the seven "
    "orchestration patterns of *AI Orchestration Deep Dive*. Each page shows who decided every step: your code, the "
    "model, a manager or a sub-agent. Ask the same thing everywhere and watch where the decisions move."
)
view.vendor_status()
st.subheader("From control to autonomy")
view.spectrum()
for row in (SPECTRUM[:4], SPECTRUM[4:]):
    for column, letter in zip(st.columns(4), row, strict=False):
        view.card(column, PATTERNS[letter])
st.page_link("pages/compare.py", label="Compare all seven on one conversation →")
st.page_link("pages/arena.py", label="Arena: the scenario suite and injected faults, through every pattern →")
