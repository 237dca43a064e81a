"""How well the offline model reads booking phrasings: hit rate over a table, printed, at least 95%."""

from __future__ import annotations

from datetime import date

import pytest

from orchestration.vendors.offline.understanding import Facts, understand

from .phrasings import PHRASINGS
from .phrasings_heldout import PHRASINGS_HELDOUT

TODAY = date(2025, 12, 3)
REQUIRED_HIT_RATE = 0.95


def _as_checked(facts: Facts) -> dict:
    return {
        "intent": facts.intent,
        "date": facts.date.isoformat() if facts.date else None,
        "time": facts.time,
        "court": facts.court,
        "any_court": facts.any_court,
        "pick": facts.pick,
        "slot_id": facts.slot_id,
        "courts": list(facts.courts),
        "count": facts.count,
        "language": facts.language,
    }


def hit_rate(table: list[tuple[str, str | None, dict]]) -> tuple[float, list[str]]:
    """Share of rows read exactly right, and a line for each miss."""
    misses = []
    for text, expecting, wanted in table:
        got = _as_checked(understand(text, TODAY, expecting))
        wrong = {key: (got[key], value) for key, value in wanted.items() if got[key] != value}
        if wrong:
            misses.append(f"{text!r} (expecting {expecting}): " + ", ".join(
                f"{k} read {g!r}, wanted {w!r}" for k, (g, w) in wrong.items()))
    return 1 - len(misses) / len(table), misses


def _report(name: str, table: list, capsys: pytest.CaptureFixture[str]) -> float:
    rate, misses = hit_rate(table)
    with capsys.disabled():
        print(f"\n{name}: {rate:.1%} of {len(table)} phrasings understood")
        for miss in misses:
            print(f"  miss: {miss}")
    return rate


def test_hit_rate_on_the_phrasing_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert len(PHRASINGS) >= 40
    assert _report("phrasing table", PHRASINGS, capsys) >= REQUIRED_HIT_RATE


def test_hit_rate_on_the_held_out_table(capsys: pytest.CaptureFixture[str]) -> None:
    """Written by someone who had not read the parser (see the module's docstring)."""
    assert _report("held-out table", PHRASINGS_HELDOUT, capsys) >= REQUIRED_HIT_RATE


def test_a_date_from_one_turn_and_a_time_from_the_next_are_separate_facts() -> None:
    first = understand("Book a court for tomorrow", TODAY)
    second = understand("3pm", TODAY, "time")
    assert (first.date, first.time) == (date(2025, 12, 4), None)
    assert (second.date, second.time) == (None, "15:00")


@pytest.mark.parametrize(("text", "expecting", "asks"), [
    ("Is court C free at 4pm?", "time", True),
    ("Any availability this Saturday?", None, True),
    ("what's open on Friday", None, True),
    ("Can I have A?", "court", False),  # a choice phrased as a question
    ("any court is fine", "court", False),
    ("doesn't matter, whichever is free", "court", False),
    ("Book court B tomorrow at 9am", None, False),
])
def test_a_question_about_availability_is_told_from_a_request(text: str, expecting: str | None, asks: bool) -> None:
    """A question is answered and never booked, even in the middle of a booking request."""
    assert understand(text, TODAY, expecting).asks is asks


@pytest.mark.parametrize("text", [
    "Book court A tomorrow at 3pm", "book court a for mañana at 10", "Hola! Book court B tomorrow at 9am",
    "Is court C free at 4pm?", "asdfgh qwerty ;;;; ???", "🎾🎾 book court d tmrw 8am!!! 🙏",
    "Book court 🅰️ tomorrow at 3pm",
])
def test_english_with_a_foreign_word_or_none_at_all_is_still_english(text: str) -> None:
    assert understand(text, TODAY).intent != "other_language"
