"""Pattern C — function calling."""

import streamlit as st

from ui.chat import chat_panel, steps_table

st.title("C · Function calling")
st.caption("The model suggests each tool call; your code executes it, appends the result and decides whether to loop. "
           "The user is bound by code from the session — the model cannot choose whose name is on a booking.")
chat_panel("C")
steps_table("C")
