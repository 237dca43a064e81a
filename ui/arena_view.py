"""The arena page's pieces: run the scenario suite with progress, then lay out what it measured.

The suite runs with the playground's safeguards off, on, or both (`Suites`: setting -> Suite). With
both, every table gives each pattern two columns or rows side by side, "C off" and "C on".
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from orchestration.evaluate import FAULTS, Outcome, Suite, run_suite
from orchestration.patterns import PATTERNS
from orchestration.scenarios import load

from . import session
from .graph import draw
from .guards import chosen
from .pattern_page import steps_table
from .text import plain

Suites = dict[str, Suite]
"""The suite's runs by safeguards setting ("off", "on")."""

RESULTS = "arena_suites"
"""Session key of the last suite's results (Suites), kept across reloads and visits to other pages."""
CHOICES = "arena_choices"
"""Session key of the page's choices (patterns, runs, faults, safeguards), kept the same way."""


def remember(defaults: dict[str, object]) -> None:
    """Before the page's widgets: give each (by its key) the value chosen last time, or its default.

    Streamlit forgets a widget's value when a run does not draw it (another page was shown), and a
    reload starts a new session; `CHOICES` is a plain session value, which the session keeps."""
    chosen = st.session_state.setdefault(CHOICES, {})
    for key, default in defaults.items():
        st.session_state.setdefault(key, chosen.get(key, default))


def chosen_now(keys: list[str]) -> None:
    """After the widgets: keep what is chosen now."""
    st.session_state[CHOICES] = {key: st.session_state[key] for key in keys if key in st.session_state}

VERDICT_STYLE = {"recovered": "background-color: #ecfdf5; color: #047857",
                 "rescued": "background-color: #eff6ff; color: #1d4ed8",
                 "contained": "background-color: #fefce8; color: #854d0e",
                 "harmed": "background-color: #fef2f2; color: #b91c1c; font-weight: 600"}


def run(letters: str, runs: int, faults: list[str], choice: str = "off") -> Suites:
    """The suite, with a progress bar: every scenario through every chosen pattern, then each fault; once
    per safeguards setting chosen."""
    scenarios = load()
    settings = chosen(choice)
    suites: Suites = {}
    bar = st.progress(0.0, text="Starting…")
    for n, setting in enumerate(settings):
        def progress(done: int, total: int, label: str, n: int = n, setting: str = setting) -> None:
            bar.progress((n + done / total) / len(settings),
                         text=plain(f"safeguards {setting} · {done}/{total} · {label}"))

        suites[setting] = run_suite(scenarios, letters, runs, faults, replace(session.settings(), safeguards=setting),
                                    progress)
    bar.empty()
    return suites


def label(letter: str, setting: str, suites: Suites) -> str:
    """A pattern's column: "C", or with both settings "C off" / "C on"."""
    return f"{letter} {setting}" if len(suites) > 1 else letter


def _each(suites: Suites) -> list[tuple[str, str, dict]]:
    """(letter, setting, the report's per-pattern dict), each pattern's settings next to each other."""
    letters = next(iter(suites.values())).report["patterns"]
    return [(letter, setting, suite.report["patterns"][letter]) for letter in letters
            for setting, suite in suites.items()]


def summary(suites: Suites) -> pd.DataFrame:
    """One row per pattern (with both settings, per pattern and setting). success and pass^k count only runs
    the pattern did alone; rescued, those a cap, an error path or a safeguard brought right."""
    rows = {f"{label(letter, setting, suites)} · {PATTERNS[letter].name}": {
        "success": p["success"], "rescued": p["rescued"], "pass^k": p["pass_k"], "harmed": p["harmed"],
        "model calls": p["llm_calls"], "tool calls": p["tool_calls"],
        "tokens": p["tokens"], "est. cost $": p["cost_usd"], "ms": p["ms"],
        "decided by code": p["code_decisions_share"],
        "booked for others": p["bookings_for_others"],
        "failed": sum(f.get("outcome", "fail") == "fail" for f in p["failures"])}
        for letter, setting, p in _each(suites)}
    return pd.DataFrame.from_dict(rows, orient="index")


def cost_vs_pass(suites: Suites) -> pd.DataFrame:
    """One point per (cost, pass^k); patterns that land on the same point share it and its label ("C, D").
    Column names are plain words: Vega-Lite reads a "." in a field name as a nested field (and "^" is fine),
    so the axis titles carry the punctuation instead (`cost_vs_pass_chart`)."""
    points: dict[tuple[float, float], list[str]] = {}
    for letter, setting, p in _each(suites):
        points.setdefault((p["cost_usd"], p["pass_k"]), []).append(label(letter, setting, suites))
    return pd.DataFrame([{"patterns": ", ".join(letters), "cost": cost, "pass_k": passed}
                         for (cost, passed), letters in points.items()])


def cost_vs_pass_chart(suites: Suites) -> alt.LayerChart:
    """Cost against pass^k, with room above 1.0 so no point is cut, and every point labelled; the y axis
    reads 0.25 and 0.75 as they are (Vega-Lite's default format rounds them to 0.3 and 0.8)."""
    data = cost_vs_pass(suites)
    cost_title, pass_title = "est. cost per scenario ($)", "pass^k"
    base = alt.Chart(data).encode(
        x=alt.X("cost:Q", title=cost_title, scale=alt.Scale(zero=True, nice=True)),
        y=alt.Y("pass_k:Q", title=pass_title, scale=alt.Scale(domain=[0, 1.12]),
                axis=alt.Axis(values=[0, 0.25, 0.5, 0.75, 1], format=".2~f")),
        tooltip=["patterns", alt.Tooltip("cost:Q", title=cost_title, format=".6f"),
                 alt.Tooltip("pass_k:Q", title=pass_title, format=".2~f")])
    return base.mark_circle(size=140) + base.mark_text(align="left", dx=9, dy=-9, fontSize=13).encode(text="patterns")


def fault_matrix(suites: Suites) -> pd.DataFrame | None:
    """Faults by pattern: each cell the worst verdict (with both settings, "C off" beside "C on")."""
    if not any(suite.report.get("faults") for suite in suites.values()):
        return None
    letters = next(iter(suites.values())).report["patterns"]
    columns = {label(letter, setting, suites): (setting, letter) for letter in letters for setting in suites}
    names = next(iter(suites.values())).report["faults"]
    return pd.DataFrame({label_: [suites[setting].report["faults"][name]["patterns"][letter]["verdict"]
                                  for name in names]
                         for label_, (setting, letter) in columns.items()},
                        index=[FAULTS[name].title for name in names])


def run_label(outcome: Outcome) -> str:
    """How a run ended, in a few words: "rescued", "fail, harmed", "fail, contained"."""
    return outcome.outcome if outcome.outcome != "fail" else f"fail, {outcome.verdict}"


FAILURE_GRAPH_HEIGHT = 520
"""A failing run's graph, drawn across the expander at the pattern pages' scale."""


def failures(suites: Suites) -> None:
    """Each run that did not pass, with how it ended, why (or what rescued it), its steps and graph.

    Each expander reports whether it is open, and its steps and graph are drawn only then (the first one
    starts open): a graph component drawn inside a closed expander measured a width and height of 0, and
    kept them until the window was resized."""
    found = [(setting, fault, outcome) for setting, suite in suites.items() for fault, outcome in suite.failures()]
    if not found:
        st.success("Every run passed.")
        return
    for n, (setting, fault, outcome) in enumerate(found):
        where = f" · fault: {FAULTS[fault].title}" if fault else ""
        head = (f"{label(outcome.letter, setting, suites)} · {outcome.scenario}{where} — "
                f"{run_label(outcome)}: {outcome.why}")
        box = st.expander(plain(head)[:300], expanded=n == 0, on_change="rerun",  # the first one open
                          key=f"arena_failure_{setting}_{fault}_{outcome.letter}_{outcome.scenario}_{n}")
        with box:
            st.caption(f"Safeguards {setting}. Outcome: {run_label(outcome)}.")
            if outcome.outcome == "rescued":
                st.caption(plain(f"Rescued by: {outcome.why}. The end state was right, but the pattern did not get "
                                 "there alone, so it does not count as a pass."))
            else:
                st.caption(plain(f"Why: {outcome.why}"))
            if fault:
                st.caption(plain(f"{FAULTS[fault].title}: {FAULTS[fault].what}."))
            if outcome.blame:
                st.caption(f"Blamed on: {outcome.blame}")
            if box.open:
                steps_table(outcome.result.events)
                draw(outcome.result.events, height=FAILURE_GRAPH_HEIGHT)


def measured_on_a_real_model(folder: Path | None = None) -> tuple[str, list[dict]]:
    """The newest real-model measurement (`docs/real-models/*.jsonl`): a label (model, dates, commit) and one
    row per pattern and safeguards setting, counted from its records."""
    folder = folder or Path(__file__).resolve().parents[1] / "docs" / "real-models"
    files = sorted(folder.glob("*.jsonl"), key=lambda p: sum(1 for _ in p.open())) if folder.is_dir() else []
    if not files:
        return "", []
    records = [json.loads(line) for line in files[-1].read_text().splitlines() if line.strip()]
    records = [r for r in records if not r.get("fault")]
    if not records:
        return "", []
    days = sorted(r["at"][:10] for r in records if r.get("at"))
    label = (f"{records[0].get('model') or '?'} · {len(records)} runs · measured "
             f"{days[0] if days else '?'}{f' to {days[-1]}' if days and days[-1] != days[0] else ''} at commit "
             f"{', '.join(sorted({r.get('commit') or '?' for r in records}))}")
    rows = []
    for letter in sorted({r["pattern"] for r in records}):
        for setting in ("off", "on"):
            mine = [r for r in records if r["pattern"] == letter and r.get("safeguards", "off") == setting]
            if mine:
                outcomes = [r.get("outcome") or ("pass" if r.get("passed") else "fail") for r in mine]
                rows.append({"pattern": letter, "safeguards": setting, "runs": len(mine),
                             "pass": outcomes.count("pass") / len(mine),
                             "rescued": outcomes.count("rescued") / len(mine),
                             "fail": outcomes.count("fail") / len(mine),
                             "harmed runs": sum(bool(r.get("harmed")) for r in mine),
                             "unasked bookings": sum(r.get("unasked", 0) for r in mine)})
    return label, rows
