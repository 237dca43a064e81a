"""The sidebar every page shares: who you are, and where each vendor's calls go."""

from __future__ import annotations

import streamlit as st

from orchestration.providers import Clients

from . import session


def render_sidebar() -> None:
    with st.sidebar:
        st.session_state.setdefault("demo_user", "guest")
        st.text_input("Demo user", key="demo_user",
                      help="Every booking is made for this user. Code binds it; the model never chooses it.")
        st.caption("Where calls go")
        for vendor, where in Clients(session.settings()).describe().items():
            st.markdown(f"**{vendor}** · {where}")
