"""The compare page's pieces: run one conversation through all seven patterns, then lay them out.

Each pattern runs with the playground's safeguards off, on, or both; every run is keyed "C off" or
"C on" (pattern letter and setting), so with both each pattern's two runs stand side by side. Every
table, chart and card lists the runs in one order: the article's, from control to autonomy (SPECTRUM).
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from orchestration.patterns import PATTERNS, SPECTRUM, Conversation, Deps, TurnFailed
from orchestration.runs import RunResult, run_conversation

from . import session
from .graph import decision_strip, draw
from .guards import acted_words, chosen, contradicted, origin_words
from .live import run_turn
from .pattern_page import steps_table
from .text import plain

RESULTS = "compare_runs"
"""Session key of the last runs (key -> RunResult, in SPECTRUM order), kept across reloads and other pages."""
CHOICES = "compare_choices"
"""Session key of the page's choices (conversation, safeguards, typed messages, graph opened large)."""

EXAMPLES = {
    "The article's dialogue": ["Book a court for tomorrow", "3pm", "A"],
    "One message books": ["Book court B tomorrow at 9am"],
    "Only asking": ["Any courts free tomorrow at 3pm?"],
    "A taken court": ["Book court C tomorrow at 3pm"],
    "Nothing free at that hour": ["Book a court tomorrow at 6pm"],
    "Booking for someone else": ["Book court A tomorrow at 3pm for mallory"],
}


def run_all(messages: list[str], choice: str = "off") -> dict[str, RunResult]:
    """Every pattern, in spectrum order, with safeguards off, on or both ("C off", "C on"), each run on its
    own copy of this session's calendar."""
    calendar, user, base = session.calendar(), session.user(), session.settings()
    settings = chosen(choice)
    results: dict[str, RunResult] = {}
    total = len(SPECTRUM) * len(settings)
    with st.status("Running the conversation through all seven patterns…", expanded=True) as status, \
            tempfile.TemporaryDirectory(prefix="compare-") as scratch:
        for letter in SPECTRUM:
            for setting in settings:
                key = f"{letter} {setting}"
                status.update(label=f"Pattern {letter}, safeguards {setting} ({len(results) + 1}/{total}): "
                                    f"{PATTERNS[letter].name}")
                line = st.empty()

                def send(conversation: Conversation, text: str, key: str = key, line: DeltaGenerator = line) -> str:
                    outcome = run_turn(conversation, text, lambda new: line.caption(
                        plain(f"{key} · step {new[-1].step}: {new[-1].summary}")))
                    if outcome.error:
                        raise TurnFailed(outcome.error)
                    return outcome.reply or ""

                deps = Deps.of(calendar.copy_to(Path(scratch) / f"calendar-{letter}-{setting}.db"), user,
                               replace(base, safeguards=setting))
                session.inject_fault(deps.calendar)
                results[key] = run_conversation(letter, deps, messages, send)
                line.caption(plain(f"{key} · done: {len(results[key].events)} steps, "
                                   f"{results[key].metrics['wall_ms']:.0f} ms"))
        status.update(label=f"All seven patterns ran ({total} runs).", state="complete", expanded=False)
    return results


def setting(key: str) -> str:
    """A run's safeguards setting, from its key: "C on" -> "on"."""
    return key.partition(" ")[2]


def title(key: str, result: RunResult) -> str:
    """A run's name on its card: "C · Function calling · safeguards on"."""
    return f"{result.letter} · {PATTERNS[result.letter].name} · safeguards {setting(key)}"


def remember(defaults: dict[str, object]) -> None:
    """Before the page's widgets: give each (by its key) the value chosen last time, or its default
    (Streamlit forgets a widget's value on a run that does not draw it; `CHOICES` is a plain session value)."""
    chosen = st.session_state.setdefault(CHOICES, {})
    for key, default in defaults.items():
        st.session_state.setdefault(key, chosen.get(key, default))


def chosen_now(keys: list[str]) -> None:
    """After the widgets: keep what is chosen now."""
    st.session_state[CHOICES] = {**st.session_state.get(CHOICES, {}),
                                 **{key: st.session_state[key] for key in keys if key in st.session_state}}


def run_label(key: str, result: RunResult, results: dict[str, RunResult]) -> str:
    """A run's name on the charts: its letter, or with both settings "C off" / "C on"."""
    return key if len({setting(k) for k in results}) > 1 else result.letter


def chart_data(results: dict[str, RunResult], rows: list[dict], metric: str) -> pd.DataFrame:
    """One metric per run (from the rows `table` made), in the table's order: "run" (letter, or "C off" /
    "C on" with both settings) and the metric."""
    return pd.DataFrame({"run": [run_label(key, r, results) for key, r in results.items()],
                         "value": [row[metric] for row in rows]})


def bar_chart(data: pd.DataFrame, title: str) -> dict:
    """A Vega-Lite bar chart of `chart_data` whose bars keep the runs' order (st.bar_chart sorts them A to G)."""
    return {"mark": {"type": "bar"}, "height": 200,
            "encoding": {"x": {"field": "run", "type": "nominal", "sort": list(data["run"]), "title": None,
                               "axis": {"labelAngle": 0}},
                         "y": {"field": "value", "type": "quantitative", "title": title},
                         "tooltip": [{"field": "run", "type": "nominal"},
                                     {"field": "value", "type": "quantitative", "title": title}]}}


def change(result: RunResult) -> str:
    """The calendar change a run made, in words."""
    if not result.bookings:
        return "nothing booked"
    return "; ".join(f"booked {b.court} {b.date} {b.time} for {b.user}" for b in result.bookings)


def table(results: dict[str, RunResult]) -> list[dict]:
    """One row per run: what it did, what it cost, who wrote its replies and how often a safeguard acted."""
    return [{"pattern": f"{r.letter} · {PATTERNS[r.letter].name}", "safeguards": setting(key),
             "model calls": r.metrics["llm_calls"],
             "tool calls": r.metrics["tool_calls"], "tokens": r.metrics["tokens_in"] + r.metrics["tokens_out"],
             "prompt tokens read by the server": r.metrics.get("prompt_tokens_evaluated"),
             "latency ms": r.metrics["wall_ms"], "decided by code": r.metrics["code_share"],
             "est. cost $": round(r.metrics["cost_usd"], 6), "calendar change": change(r),
             "replies from": origin_words(r.events), "safeguard acts": sum(1 for e in r.events
                                                                           if e.actor.startswith("safeguard:")),
             "replies contradicting the calendar": contradicted(r.events),
             "last reply": r.error and f"failed: {r.error}" or (r.replies[-1] if r.replies else "")}
            for key, r in results.items()]


def article_beside_measured(results: dict[str, RunResult]) -> list[dict]:
    """The article's ratings next to what this run measured."""
    return [{"pattern": r.letter, "safeguards": setting(key), "style": PATTERNS[r.letter].style,
             **{f"article: {k}": v for k, v in PATTERNS[r.letter].article.items()},
             "measured: decided by code": f"{r.metrics['code_share']:.0%}",
             "measured: model calls": r.metrics["llm_calls"], "measured: latency ms": r.metrics["wall_ms"],
             "measured: est. cost $": round(r.metrics["cost_usd"], 6)} for key, r in results.items()]


def closer(results: dict[str, RunResult]) -> None:
    """One run drawn large, every step numbered, with its steps: the cards' strips opened up."""
    if st.session_state.get("compare_closer") not in results:  # none yet, or forgotten on another page
        before = st.session_state.get(CHOICES, {}).get("compare_closer")
        st.session_state["compare_closer"] = before if before in results else next(iter(results))
    key = st.radio("Open a pattern's graph large", list(results), horizontal=True, key="compare_closer",
                   format_func=lambda key: title(key, results[key]))
    chosen_now(["compare_closer"])
    result = results[key]
    draw(result.events, height=620, user=session.user())
    with st.expander(f"The {len(result.events)} steps of {key}"):
        steps_table(tuple(result.events))


def cards(results: dict[str, RunResult]) -> None:
    """The runs side by side, four to a row (with both settings, each pattern's off and on next to each
    other): reply and who wrote it, its steps in order coloured by who decided each, safeguards' acts,
    calendar change. A graph drawn a quarter of the page wide had labels about 6 px high; the strip's
    numbers are text at the page's caption size, and the graph opens large below (`closer`)."""
    keys = list(results)
    for row in (keys[i:i + 4] for i in range(0, len(keys), 4)):
        for column, key in zip(st.columns(4), row, strict=False):
            result = results[key]
            with column.container(border=True):
                st.markdown(f"**{result.letter} · {PATTERNS[result.letter].name}** · safeguards {setting(key)}")
                st.caption(plain(PATTERNS[result.letter].who_decides))
                st.markdown(decision_strip(result.events), unsafe_allow_html=True)  # numbers and colours only
                reply = f"Failed: {result.error}" if result.error else (result.replies[-1] if result.replies else "")
                st.markdown(plain(reply))
                st.caption(plain(f"{origin_words(result.events)} · {acted_words(result.events)}"))
                if wrong := contradicted(result.events):
                    st.caption(f"{wrong} repl{'ies' if wrong > 1 else 'y'} contradicted the calendar "
                               "(marked in the steps)")
                st.caption(plain(f"{change(result)} · {result.metrics['llm_calls']} model calls · "
                                 f"{result.metrics['wall_ms']:.0f} ms"))


def recorded_beside(messages: list[str]) -> list[dict]:
    """Recorded real-model runs of this same conversation (`recordings/`), one row each, labelled with
    model, date and commit: what a real model did where the offline model passes."""
    from orchestration.vendors import cassette

    rows = []
    for letter in SPECTRUM:
        for _, tape in cassette.recordings(letter):
            if tape.messages != list(messages):
                continue
            models = sorted({tape.models.get(v, v) for v in PATTERNS[letter].vendors})
            steps = tape.events
            rows.append({"pattern": f"{letter} · {PATTERNS[letter].name}", "model": ", ".join(models),
                         "recorded": tape.recorded.get("date", "")[:10], "commit": tape.recorded.get("commit", ""),
                         "safeguards": tape.safeguards, "model calls": len(tape.calls),
                         "calendar change": "; ".join(f"booked {b['court']} {b['date']} {b['time']} for {b['user']}"
                                                      for b in tape.bookings) or "nothing booked",
                         "last reply": next(((e.get("detail") or {}).get("text") or e.get("summary", "")
                                             for e in reversed(steps) if e.get("action") == "reply"), "")})
    return rows
