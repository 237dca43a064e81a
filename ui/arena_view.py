"""The arena page's pieces: run the scenario suite with progress, then lay out what it measured."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from orchestration.evaluate import FAULTS, Suite, run_suite
from orchestration.patterns import PATTERNS
from orchestration.scenarios import load

from . import session
from .graph import draw
from .pattern_page import steps_table
from .text import plain

VERDICT_STYLE = {"recovered": "background-color: #ecfdf5; color: #047857",
                 "contained": "background-color: #fefce8; color: #854d0e",
                 "harmed": "background-color: #fef2f2; color: #b91c1c; font-weight: 600"}


def run(letters: str, runs: int, faults: list[str]) -> Suite:
    """The suite, with a progress bar: every scenario through every chosen pattern, then each fault."""
    scenarios = load()
    bar = st.progress(0.0, text="Starting…")

    def progress(done: int, total: int, label: str) -> None:
        bar.progress(done / total, text=plain(f"{done}/{total} · {label}"))

    suite = run_suite(scenarios, letters, runs, faults, session.settings(), progress)
    bar.empty()
    return suite


def summary(suite: Suite) -> pd.DataFrame:
    rows = {f"{letter} · {PATTERNS[letter].name}": {
        "success": p["success"], "pass^k": p["pass_k"], "model calls": p["llm_calls"], "tool calls": p["tool_calls"],
        "tokens": p["tokens"], "est. cost $": p["cost_usd"], "ms": p["ms"], "decided by code": p["code_decisions_share"],
        "booked for others": p["bookings_for_others"], "failed": len(p["failures"])}
        for letter, p in suite.report["patterns"].items()}
    return pd.DataFrame.from_dict(rows, orient="index")


def cost_vs_pass(suite: Suite) -> pd.DataFrame:
    """One point per (cost, pass^k); patterns that land on the same point share it and its label ("C, D")."""
    points: dict[tuple[float, float], list[str]] = {}
    for letter, p in suite.report["patterns"].items():
        points.setdefault((p["cost_usd"], p["pass_k"]), []).append(letter)
    return pd.DataFrame([{"patterns": ", ".join(letters), "est. cost per scenario ($)": cost, "pass^k": passed}
                         for (cost, passed), letters in points.items()])


def cost_vs_pass_chart(suite: Suite) -> alt.LayerChart:
    """Cost against pass^k, with room above 1.0 so no point is cut, and every point labelled."""
    data = cost_vs_pass(suite)
    base = alt.Chart(data).encode(
        x=alt.X("est. cost per scenario ($):Q", scale=alt.Scale(zero=True, nice=True)),
        y=alt.Y("pass^k:Q", scale=alt.Scale(domain=[0, 1.12]), axis=alt.Axis(values=[0, 0.25, 0.5, 0.75, 1])),
        tooltip=["patterns", "est. cost per scenario ($)", "pass^k"])
    return base.mark_circle(size=140) + base.mark_text(align="left", dx=9, dy=-9, fontSize=13).encode(text="patterns")


def fault_matrix(suite: Suite) -> pd.DataFrame | None:
    faults = suite.report.get("faults")
    if not faults:
        return None
    return pd.DataFrame({FAULTS[name].title: {letter: p["verdict"] for letter, p in fault["patterns"].items()}
                         for name, fault in faults.items()}).T


def failures(suite: Suite) -> None:
    """Each run that did not pass, with its steps and graph."""
    found = suite.failures()
    if not found:
        st.success("Every run passed.")
        return
    for n, (fault, outcome) in enumerate(found):
        where = f" · fault: {FAULTS[fault].title}" if fault else ""
        label = f"{outcome.letter} · {outcome.scenario}{where} — {outcome.verdict}: {outcome.why}"
        with st.expander(plain(label)[:300]):
            if fault:
                st.caption(plain(f"{FAULTS[fault].title}: {FAULTS[fault].what}."))
            if outcome.blame:
                st.caption(f"Blamed on: {outcome.blame}")
            left, right = st.columns([3, 2])
            with left:
                steps_table(outcome.result.events)
            with right:
                draw(outcome.result.events, key=f"arena_graph_{n}", height=320)
