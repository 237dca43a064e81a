"""Recorded real-model runs on a pattern page: watch one replay through the pattern's own code, then fork it.

A recording (`recordings/*.cassette`) holds every model call of a run on a real model. Replaying it
runs the pattern again, here and now, with each model call answered from the recording: the tools,
the Lambdas and a fresh calendar run for real, with no model and no key. Forking replaces one of the
model's decisions with yours, and from there the model this session is set to (offline or local)
decides.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from orchestration import runs
from orchestration.observe.trace import Event, Trace, actor_label
from orchestration.vendors import cassette

from . import session
from .graph import draw
from .live import run_turn
from .text import plain


def section(letter: str, graph_slot: DeltaGenerator) -> Trace | None:
    """The recorded runs of `letter`; returns the trace of the replay being shown, if one is."""
    found = cassette.recordings(letter)
    shown = st.session_state.get(f"recorded_result_{letter}")
    with st.expander("Recorded runs of real models", expanded=shown is not None):
        if not found:
            st.caption("No recorded runs of this pattern yet.")
            return None
        labels = {str(path): _label(tape) for path, tape in found}
        picked = st.selectbox("A recorded run", list(labels), format_func=labels.get, key=f"recorded_pick_{letter}")
        st.caption("It runs again here through this pattern's own code: each model call is answered from the "
                   "recording; the tools, the Lambdas and a fresh calendar run for real. No model, no key.")
        if st.button("Replay it", key=f"recorded_play_{letter}", width="stretch"):
            shown = _run(letter, Path(picked), None, None, graph_slot)
    if shown is None:
        return None
    _show(letter, shown, graph_slot)
    return shown["trace"]


def _label(tape: cassette.Cassette) -> str:
    deciders = sorted({tape.models.get(v, v) for v in ("openai", "anthropic", "aws")})
    model = next((m for m in deciders if "offline" not in m), deciders[0] if deciders else "?")
    booked = ", ".join(f"{b['court']} {b['date']} {b['time']}" for b in tape.bookings) or "nothing"
    said = " / ".join(tape.messages)
    return (f"“{said[:60]}” → booked {booked} · {model} · recorded {tape.recorded.get('date', '?')[:10]} at "
            f"{tape.recorded.get('commit') or '?'}")


def _run(letter: str, path: Path, fork_at: int | None, decision: str | None, graph_slot: DeltaGenerator) -> dict:
    """Replay (or fork) the recording at `path`, drawing each step as it happens; keeps and returns the result."""
    recorded = cassette.Cassette.load(path)
    fork, reply = None, None
    if fork_at is not None:
        fork = [c.step for c in recorded.calls].index(fork_at)
        reply = cassette.decision_reply(decision or "")
    settings = session.settings()
    result: dict = {"path": str(path), "label": _label(recorded), "forked_at": fork_at, "turns": [], "failure": None}
    with tempfile.TemporaryDirectory(prefix="replay-") as folder:
        run = runs.replay(recorded, Path(folder), fork, reply, then=lambda: _configured(settings))
        try:
            marker = run.conversation.deps.calendar.last_id()
            shown: list[Event] = []
            status = st.status("Replaying…", expanded=False)

            def progress(new: list[Event]) -> None:
                shown.extend(new)
                status.update(label=f"Step {new[-1].step}: "
                                    f"{actor_label(new[-1].actor)} → {actor_label(new[-1].target)}")
                with graph_slot:
                    draw(shown, user=recorded.user)

            for message in recorded.messages:
                turn = run_turn(run.conversation, message, progress)
                result["turns"].append((message,
                                        turn.reply if turn.error is None else f"This turn failed: {turn.error}"))
                if turn.error:
                    break
            status.update(label=f"Done in {len(shown)} steps", state="complete")
            result["failure"] = run.player.failure
            result["trace"] = run.conversation.trace
            result["bookings"] = [(b.court, b.date, b.time, b.user)
                                  for b in run.conversation.deps.calendar.bookings(after_id=marker)]
            result["calls"] = [(c.step, json.dumps(cassette.decision_of(c))) for c in recorded.calls if c.step]
        finally:
            run.close()
    st.session_state[f"recorded_result_{letter}"] = result
    return result


def _configured(settings: object) -> object:
    """Who decides after a fork: this session's local model, if one is set, else the offline model."""
    from orchestration.vendors.local_model import LocalModel
    from orchestration.vendors.local_server import ServerQuirks
    from orchestration.vendors.offline.brain import Brain

    return (LocalModel(settings, ServerQuirks())  # type: ignore[arg-type]
            if getattr(settings, "local_model_url", "") else Brain())


def _show(letter: str, result: dict, graph_slot: DeltaGenerator) -> None:
    """The replayed run: its transcript, the calendar it left, and the fork form."""
    forked = f", forked at step {result['forked_at']} by you" if result["forked_at"] else ""
    st.markdown(f"**Showing a recorded run{forked}.**")
    st.caption(plain(result["label"]))
    if result["failure"]:
        st.error(plain(f"The replay left the recording: {result['failure']}"))
    for said, reply in result["turns"]:
        with st.chat_message("user"):
            st.text(said, width="stretch")
        with st.chat_message("assistant"):
            st.text(reply or "", width="stretch")
    booked = [f"court {c} {d} {t} for {u}" for c, d, t, u in result["bookings"]]
    st.caption("This run booked: " + ("; ".join(booked) if booked else "nothing"))
    calls = result.get("calls") or []
    if calls:
        st.markdown("**Fork it:** replace one of the model's decisions and let the run go on from there.")
        steps = {step: said for step, said in calls}
        step = st.selectbox("At step", list(steps), format_func=lambda s: f"step {s}: {steps[s][:80]}",
                            key=f"fork_step_{letter}")
        decision = st.text_area("Your decision instead (JSON)", steps[step], key=f"fork_decision_{letter}_{step}",
                                help='{"text": "..."} for a reply, or {"tool": "book", "arguments": {...}}')
        if st.button("Fork here and go on", key=f"fork_go_{letter}", width="stretch"):
            try:
                _run(letter, Path(result["path"]), step, decision, graph_slot)
                st.rerun()
            except cassette.CassetteError as error:
                st.error(plain(str(error)))
    if st.button("Back to my conversation", key=f"recorded_close_{letter}", width="stretch"):
        st.session_state.pop(f"recorded_result_{letter}", None)
        st.rerun()
