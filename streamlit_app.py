"""Orchestration Playground — routes only: page config, navigation, the shared sidebar."""

import streamlit as st

from ui.sidebar import render_sidebar

st.set_page_config(page_title="Orchestration Playground", page_icon="🎾", layout="wide")
page = st.navigation([
    st.Page("pages/home.py", title="Home", default=True),
    st.Page("pages/pattern_c.py", title="C · Function calling", url_path="pattern-c"),
])
render_sidebar()
page.run()
