"""The floor for `bench_app.py`'s reply times: a Streamlit chat page that echoes what it is sent.

Not part of the app (nothing in `streamlit_app.py`'s navigation points here). The benchmark starts
it with `streamlit run benchmarks/echo_page.py` and types into it exactly as into a pattern page.
"""

import streamlit as st

history = st.session_state.setdefault("history", [])
for role, text in history:
    st.chat_message(role).text(text)
if prompt := st.chat_input("Say something"):
    history += [("user", prompt), ("assistant", prompt)]
    st.chat_message("user").text(prompt)
    st.chat_message("assistant").text(prompt)
