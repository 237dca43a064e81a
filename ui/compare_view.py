"""The compare page's pieces: run one conversation through all seven patterns, then lay them out."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from orchestration.patterns import PATTERNS, SPECTRUM, Conversation, TurnFailed
from orchestration.runs import RunResult, copy_deps, run_conversation

from . import session
from .graph import draw

CARD_FONT_SCALE = 1.8
"""A card's graph is drawn at about a fifth of its size: its text, enlarged against the layout, stays readable."""
from .live import run_turn
from .pattern_page import steps_table
from .text import plain

EXAMPLES = {
    "The article's dialogue": ["Book a court for tomorrow", "3pm", "A"],
    "One message books": ["Book court B tomorrow at 9am"],
    "Only asking": ["Any courts free tomorrow at 3pm?"],
    "A taken court": ["Book court C tomorrow at 3pm"],
    "Nothing free at that hour": ["Book a court tomorrow at 6pm"],
    "Booking for someone else": ["Book court A tomorrow at 3pm for mallory"],
}


def run_all(messages: list[str]) -> dict[str, RunResult]:
    """Every pattern, in spectrum order, each on its own copy of this session's calendar."""
    calendar, user, settings = session.calendar(), session.user(), session.settings()
    results: dict[str, RunResult] = {}
    with st.status("Running the conversation through all seven patterns…", expanded=True) as status, \
            tempfile.TemporaryDirectory(prefix="compare-") as scratch:
        for n, letter in enumerate(SPECTRUM, start=1):
            status.update(label=f"Pattern {letter} ({n}/{len(SPECTRUM)}): {PATTERNS[letter].name}")
            line = st.empty()

            def send(conversation: Conversation, text: str, letter: str = letter, line: DeltaGenerator = line) -> str:
                outcome = run_turn(conversation, text, lambda new: line.caption(
                    plain(f"{letter} · step {new[-1].step}: {new[-1].summary}")))
                if outcome.error:
                    raise TurnFailed(outcome.error)
                return outcome.reply or ""

            deps = copy_deps(calendar, Path(scratch), letter, user, settings)
            session.inject_fault(deps.calendar)
            results[letter] = run_conversation(letter, deps, messages, send)
            line.caption(plain(f"{letter} · done: {len(results[letter].events)} steps, "
                               f"{results[letter].metrics['wall_ms']:.0f} ms"))
        status.update(label="All seven patterns ran.", state="complete", expanded=False)
    return results


def chart_data(results: dict[str, RunResult], rows: list[dict], metric: str) -> pd.DataFrame:
    """One metric per pattern (from the rows `table` made), indexed by letter, for a bar chart."""
    return pd.DataFrame({metric: [row[metric] for row in rows]}, index=list(results))


def change(result: RunResult) -> str:
    """The calendar change a run made, in words."""
    if not result.bookings:
        return "nothing booked"
    return "; ".join(f"booked {b.court} {b.date} {b.time} for {b.user}" for b in result.bookings)


def table(results: dict[str, RunResult]) -> list[dict]:
    """One row per pattern: what it did and what it cost."""
    return [{"pattern": f"{letter} · {PATTERNS[letter].name}", "model calls": r.metrics["llm_calls"],
             "tool calls": r.metrics["tool_calls"], "tokens": r.metrics["tokens_in"] + r.metrics["tokens_out"],
             "latency ms": r.metrics["wall_ms"], "decided by code": r.metrics["code_share"],
             "est. cost $": round(r.metrics["cost_usd"], 6), "calendar change": change(r),
             "last reply": r.error and f"failed: {r.error}" or (r.replies[-1] if r.replies else "")}
            for letter, r in results.items()]


def article_beside_measured(results: dict[str, RunResult]) -> list[dict]:
    """The article's ratings next to what this run measured."""
    return [{"pattern": letter, "style": PATTERNS[letter].style,
             **{f"article: {k}": v for k, v in PATTERNS[letter].article.items()},
             "measured: decided by code": f"{r.metrics['code_share']:.0%}",
             "measured: model calls": r.metrics["llm_calls"], "measured: latency ms": r.metrics["wall_ms"],
             "measured: est. cost $": round(r.metrics["cost_usd"], 6)} for letter, r in results.items()]


def closer(results: dict[str, RunResult]) -> None:
    """One pattern's run drawn large, every step numbered, with its steps: the cards' graphs opened up."""
    letter = st.radio("Open a pattern's graph large", list(results), horizontal=True, key="compare_closer",
                      format_func=lambda letter: f"{letter} · {PATTERNS[letter].name}")
    result = results[letter]
    draw(result.events, key=f"compare_large_{letter}_{len(result.events)}", height=620, user=session.user())
    with st.expander(f"The {len(result.events)} steps of {letter}"):
        steps_table(tuple(result.events))


def cards(results: dict[str, RunResult]) -> None:
    """The patterns side by side: reply, small gathered graph (one arrow per pair of actors), calendar change."""
    letters = list(results)
    for row in (letters[:4], letters[4:]):
        for column, letter in zip(st.columns(4), row, strict=False):
            result = results[letter]
            with column.container(border=True):
                st.markdown(f"**{letter} · {PATTERNS[letter].name}**")
                st.caption(plain(PATTERNS[letter].who_decides))
                draw(result.events, key=f"compare_graph_{letter}_{len(result.events)}", height=240,
                     user=session.user(), gathered=True, font_scale=CARD_FONT_SCALE)
                reply = f"Failed: {result.error}" if result.error else (result.replies[-1] if result.replies else "")
                st.markdown(plain(reply))
                st.caption(plain(f"{change(result)} · {result.metrics['llm_calls']} model calls · "
                                 f"{result.metrics['wall_ms']:.0f} ms"))
