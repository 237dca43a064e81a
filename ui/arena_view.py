"""The arena page's pieces: run the scenario suite with progress, then lay out what it measured."""

from __future__ import annotations

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
    return pd.DataFrame([{"pattern": letter, "est. cost per scenario ($)": p["cost_usd"], "pass^k": p["pass_k"]}
                         for letter, p in suite.report["patterns"].items()])


def fault_matrix(suite: Suite) -> pd.DataFrame | None:
    faults = suite.report.get("faults")
    if not faults:
        return None
    return pd.DataFrame({name: {letter: p["verdict"] for letter, p in fault["patterns"].items()}
                         for name, fault in faults.items()}).T


def failures(suite: Suite) -> None:
    """Each run that did not pass, with its steps and graph."""
    found = suite.failures()
    if not found:
        st.success("Every run passed.")
        return
    for n, (fault, outcome) in enumerate(found):
        where = f" · fault {fault}" if fault else ""
        label = f"{outcome.letter} · {outcome.scenario}{where} — {outcome.verdict}: {outcome.why}"
        with st.expander(plain(label)[:300]):
            if fault:
                st.caption(plain(f"Fault: {FAULTS[fault].what}."))
            if outcome.blame:
                st.caption(f"Blamed on: {outcome.blame}")
            left, right = st.columns([3, 2])
            with left:
                steps_table(outcome.result.events)
            with right:
                draw(outcome.result.events, key=f"arena_graph_{n}", height=320)
