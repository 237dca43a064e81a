"""How the pages show the playground's safeguards (`orchestration/safeguards.py`): never as the article's code.

The article's patterns run as written by default; the sidebar's switch (and Compare's and the Arena's
own choice) turns the playground's checks on. These helpers say which setting a run had, which checks
apply to a pattern, who wrote a run's replies, and how often a safeguard acted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import streamlit as st

from orchestration import safeguards
from orchestration.observe.trace import Event
from orchestration.safeguards import applying_to

SETTINGS = ("off", "on")
"""The two settings, in the order they stand side by side."""
CHOICES = {"off": "Off: as the article writes them", "on": "On: with the playground's safeguards",
           "both": "Both, side by side"}
"""What Compare and the Arena offer."""
ORIGINS = {"pattern": "the pattern's own", "cap": "a loop's cap", "safeguard": "a safeguard", "error": "an error path"}
"""Who wrote a reply (`reply` events' `detail["origin"]`), in words."""
SOURCE = Path(safeguards.__file__)


def chosen(choice: str) -> tuple[str, ...]:
    """The settings a Compare or Arena choice runs: ("off",), ("on",) or both."""
    return SETTINGS if choice == "both" else (choice,)


def default_choice(on: bool) -> str:
    """Where Compare's and the Arena's choice starts: the sidebar's setting."""
    return "on" if on else "off"


def origins(events: Sequence[Event]) -> list[str]:
    """Who wrote each reply of a run, in order: pattern, cap, safeguard or error."""
    return [str(e.detail.get("origin", "pattern")) for e in events if e.action == "reply"]


def origin_words(events: Sequence[Event]) -> str:
    """Who wrote a run's replies, in a few words: "every reply the pattern's own", or which did not."""
    found = origins(events)
    if not found:
        return "no reply"
    if all(origin == "pattern" for origin in found):
        return "every reply the pattern's own" if len(found) > 1 else "reply: the pattern's own"
    if len(found) == 1:
        return f"reply from {ORIGINS.get(found[0], found[0])}"
    return "; ".join(f"reply {n} from {ORIGINS.get(origin, origin)}" for n, origin in enumerate(found, start=1)
                     if origin != "pattern")


def acted(events: Sequence[Event]) -> Counter[str]:
    """How many times each safeguard acted in a run."""
    return Counter(str(e.detail.get("safeguard") or e.actor.partition(":")[2])
                   for e in events if e.actor.startswith("safeguard:"))


def acted_words(events: Sequence[Event]) -> str:
    """"no safeguard acted", or "safeguards acted 3× (checked-slots 2, calendar-word 1)"."""
    counts = acted(events)
    if not counts:
        return "no safeguard acted"
    total = sum(counts.values())
    return (f"safeguard{'s' * (len(counts) > 1)} acted {total}× ("
            + ", ".join(f"{name} {n}" if len(counts) > 1 else name for name, n in counts.items()) + ")")


def contradicted(events: Sequence[Event]) -> int:
    """Replies the trace marked as contradicting the calendar (in both settings)."""
    return sum(1 for e in events if e.action == "model_error" and e.detail.get("contradicts_calendar"))


def code_section(letter: str, on: bool) -> None:
    """The Code tab's second part: the playground's safeguards for this pattern, and their source, as ours."""
    st.markdown("**The playground's safeguards (not in the article)**")
    applying = applying_to(letter)
    state = "on" if on else "off"
    st.caption(f"Checks of the playground's own, added after watching a weak model at work. They are {state} in this "
               "session (the sidebar's Safeguards switch); with them off, the code above runs exactly as the article "
               "writes the pattern, and lines that call them let everything through. Where one acts, the graph and "
               "the steps show it as your code under its name, e.g. “Safeguard checked-slots”.")
    st.dataframe([{"safeguard": s.name, "what it does": s.title, "why": s.why, "in this session": state}
                  for s in applying], hide_index=True, width="stretch",
                 column_config={"why": st.column_config.TextColumn(width="large")})
    with st.expander(f"{SOURCE.parent.name}/{SOURCE.name} — the playground's addition, not the article's code"):
        st.code(SOURCE.read_text(), language="python", line_numbers=True)
