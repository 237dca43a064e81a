"""The home page's pieces: the spectrum, one card per pattern, the vendors' status."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from orchestration.patterns import SPECTRUM, PatternInfo
from orchestration.vendors.offline import MODEL_LABEL

from . import session


def vendor_status() -> None:
    """Whether each vendor is offline or real right now, and what the offline model is."""
    names = {"openai": "OpenAI", "anthropic": "Anthropic", "aws": "AWS Bedrock"}
    parts = [f"**{names[vendor]}**: {where}" for vendor, where in session.where_calls_go().items()]
    st.info(" · ".join(parts) + "\n\n"
            f"Every pattern calls the real vendor SDKs. Offline vendors are served, through the SDKs' own transport "
            f"hooks, by an **{MODEL_LABEL}** that speaks the same wire protocols. It is not an LLM: a small "
            "rule-based booking assistant that never knows which pattern is calling. Add keys in the sidebar "
            "(or the environment, or `st.secrets`) to use the real services.")


def spectrum() -> None:
    """The article's spectrum, left (control) to right (autonomy)."""
    stops = " ─── ".join(f"**{letter}**" for letter in SPECTRUM[:5]) + " ─── **F / G**"
    st.markdown(f"Control ◀ {stops} ▶ Autonomy")


def card(place: DeltaGenerator, info: PatternInfo) -> None:
    """One pattern: its style, who decides, when it fits, and a link to its page."""
    with place.container(border=True):
        st.markdown(f"#### {info.letter} · {info.name}")
        st.caption(info.style)
        st.markdown(info.who_decides)
        st.markdown(f"*When:* {info.when}")
        st.page_link(f"pages/pattern_{info.letter.lower()}.py", label=f"Open pattern {info.letter} →")
