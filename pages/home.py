"""Home: what the playground is."""

import streamlit as st

st.title("Orchestration Playground")
st.markdown(
    "One task — booking a tennis court with `check_availability` and `book` — run through the "
    "orchestration patterns of *AI Orchestration Deep Dive*, showing who decided each step: "
    "your code, the model, a manager or a sub-agent."
)
st.markdown(
    "Every pattern calls the real vendor SDKs. With no keys they talk, through the SDKs' own transport "
    "hooks, to an **offline model (rule-based)** that speaks the same wire protocols — it is not an LLM, "
    "and it never knows which pattern is calling. Add keys in the environment or `st.secrets` to use the "
    "real services."
)
st.page_link("pages/pattern_c.py", label="Pattern C — function calling: the model suggests, your code executes")
