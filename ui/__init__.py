"""Streamlit-only pieces: session state, the sidebar, the chat panel. Orchestration lives in `orchestration/`."""
