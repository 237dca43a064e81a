"""Orchestration Playground — routes only: page config, navigation, the shared sidebar."""

import streamlit as st

from orchestration.patterns import PATTERNS
from ui import session
from ui.sidebar import render_sidebar

st.set_page_config(page_title="Orchestration Playground", page_icon="🎾", layout="wide")
patterns = [st.Page(f"pages/pattern_{letter.lower()}.py", title=f"{letter} · {info.name}",
                    url_path=f"pattern-{letter.lower()}")
            for letter, info in PATTERNS.items()]
page = st.navigation({
    "Playground": [st.Page("pages/home.py", title="Home", default=True),
                   st.Page("pages/compare.py", title="Compare all seven", url_path="compare"),
                   st.Page("pages/arena.py", title="Arena: scenarios and faults", url_path="arena"),
                   st.Page("pages/calendar.py", title="Court calendar", url_path="calendar"),
                   st.Page("pages/trace.py", title="Open a trace", url_path="trace")],
    "Patterns": patterns,
})
session.resume()
render_sidebar()
page.run()
session.keep()
