"""The decision graph stays readable: at 10, 20 and 40 steps no box covers another, every step
number is on a label, and a replay never moves an actor. The browser test draws the same and keeps
screenshots (test-artifacts/browser/graph-g-*.png)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.patterns import PATTERNS
from ui.compare_view import CARD_FONT_SCALE
from ui.graph import graph_data, label_nodes, overlaps

from .helpers import converse, new_calendar

LONG_RUN = ("Book a court for tomorrow", "3pm", "A", "Is court B free on Friday at 10am?", "Book it",
            "What is free on Saturday at 9am?", "Book court C")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    found = {}
    for letter in PATTERNS:
        conversation = converse(letter, new_calendar(Path(tmp_path_factory.mktemp(letter))))
        for message in LONG_RUN:
            conversation.send(message)
        found[letter] = conversation.trace.events
    return found


@pytest.mark.parametrize("letter", list(PATTERNS))
def test_no_box_covers_another_at_10_20_and_40_steps(runs: dict[str, tuple], letter: str) -> None:
    events = runs[letter]
    assert len(events) >= 40, f"{letter}: the long run has only {len(events)} steps"
    for upto in (10, 20, 40):
        for gathered in (False, True):
            nodes, _ = graph_data(events, upto, gathered=gathered)
            assert overlaps(nodes) == [], f"{letter} at step {upto} (gathered={gathered})"
    cards, _ = graph_data(events, gathered=True, font_scale=CARD_FONT_SCALE)  # Compare's cards: larger text
    assert overlaps(cards) == [], f"{letter}: a Compare card's graph"


@pytest.mark.parametrize("letter", list(PATTERNS))
def test_every_step_number_is_on_exactly_one_label(runs: dict[str, tuple], letter: str) -> None:
    events = runs[letter]
    for upto in (10, 20, 40):
        nodes, _ = graph_data(events, upto)
        numbers = [int(n) for node in label_nodes(nodes) for n in node.label.replace(",", " ").split()]
        assert sorted(numbers) == list(range(1, upto + 1))


def test_a_replay_never_moves_an_actor(runs: dict[str, tuple]) -> None:
    for letter, events in runs.items():
        final = {n.id: (n.x, n.y) for n in graph_data(events)[0] if not n.id.startswith("steps:")}
        for upto in (1, 10, 20, 40):
            for node in graph_data(events, upto)[0]:
                if not node.id.startswith("steps:"):
                    assert (node.x, node.y) == final[node.id], f"{letter}: {node.id} moved at step {upto}"


def test_failed_steps_get_their_own_dashed_red_label(runs: dict[str, tuple]) -> None:
    from dataclasses import replace

    from ui.graph import FAILED_COLOR
    events = list(runs["D"][:10])
    events[3] = replace(events[3], action="model_error")
    assert events[3].failed
    nodes, edges = graph_data(events)
    failed = [n for n in label_nodes(nodes) if n.font["color"] == FAILED_COLOR]
    assert [n.label for n in failed] == ["4"]
    assert all(e.dashes for e in edges if e.to == failed[0].id or e.source == failed[0].id)
