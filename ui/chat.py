"""The chat panel: history, input, and each step shown live while a pattern runs."""

from __future__ import annotations

import streamlit as st

from orchestration.patterns import TurnFailed
from orchestration.trace import Event, actor_label

from . import session

DECIDER_BADGES = {"user": "🧑 user", "code": "⚙️ code", "llm": "🤖 model", "manager": "🧭 manager",
                  "sub-agent": "🛠️ sub-agent"}


def step_line(event: Event) -> str:
    """One step as a line of text (Markdown-escaped by st.text, never rendered as HTML)."""
    return (f"{event.step}. {actor_label(event.actor)} → {actor_label(event.target)} · {event.action} · "
            f"decided by {DECIDER_BADGES[event.decided_by]} · {event.summary}")


def chat_panel(letter: str) -> None:
    """Chat through pattern `letter`, keeping the history for this browser session."""
    conversation = session.conversation(letter)
    history: list[dict] = st.session_state[f"history_{letter}"]
    if st.button("Start over", key=f"restart_{letter}"):
        session.restart(letter)
        st.rerun()
    for turn in history:
        with st.chat_message(turn["role"]):
            st.text(turn["text"])
    prompt = st.chat_input("Book a court for tomorrow…", key=f"chat_input_{letter}")
    if not prompt:
        return
    history.append({"role": "user", "text": prompt})
    with st.chat_message("user"):
        st.text(prompt)
    with st.chat_message("assistant"):
        status = st.status("Working…", expanded=True)
        leave = conversation.trace.subscribe(lambda event: status.text(step_line(event)))
        try:
            reply = conversation.send(prompt)
            status.update(label=f"Done in {len(conversation.trace.of_turn(conversation.trace.turn))} steps",
                          state="complete", expanded=False)
        except TurnFailed as error:
            reply = f"This turn failed: {error}. Nothing else was sent; your earlier messages are kept."
            status.update(label="Failed", state="error")
        finally:
            leave()
        st.text(reply)
    history.append({"role": "assistant", "text": reply})


def steps_table(letter: str) -> None:
    """Every step of the conversation so far."""
    trace = session.conversation(letter).trace
    rows = [{"step": e.step, "turn": e.turn, "from": actor_label(e.actor), "to": actor_label(e.target),
             "action": e.action, "decided by": e.decided_by, "summary": e.summary,
             "tokens": e.tokens_in + e.tokens_out, "ms": e.ms} for e in trace.events]
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
