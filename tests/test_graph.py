"""The decision graph stays readable: at 10, 20 and 40 steps no box covers another, every step
number is on a label, and a replay never moves an actor; at 136 steps every label still sits by its
arrow; and the legend's colours stay apart for the colour-blind. The browser test draws the same and
keeps screenshots (test-artifacts/browser/graph-g-*.png)."""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import pytest

from orchestration.observe.trace import Event
from orchestration.patterns import PATTERNS
from ui.graph import DECIDER_COLORS, FAILED_COLOR, decision_strip, frame, graph_data, label_nodes, overlaps
from ui.graph_svg import svg
from ui.trace_view import SIDE_BY_SIDE_FONT_SCALE

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
    beside, _ = graph_data(events, gathered=True, font_scale=SIDE_BY_SIDE_FONT_SCALE)  # two traces side by side
    assert overlaps(beside) == [], f"{letter}: a graph drawn half the page wide, its text enlarged"


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


# --- Long runs: labels stay by their arrows ---------------------------------------------------------

NEAR = 160
"""How far a label's centre may be from the straight line between its arrow's two actors, in the graph's
units (an actor's box is about 200 wide; a run longer than 40 steps is drawn spread apart, so this is
nearer still on screen). Before the spread, G's labels at 136 steps were up to 370 away, F's 610."""


@pytest.fixture(scope="module")
def long_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """F's and G's runs of the long conversation twice over: over 136 steps each."""
    found = {}
    for letter in "FG":
        conversation = converse(letter, new_calendar(Path(tmp_path_factory.mktemp(f"long-{letter}"))))
        for message in LONG_RUN * 3:
            conversation.send(message)
            if len(conversation.trace.events) >= 136:
                break
        found[letter] = conversation.trace.events
    return found


def _away_from_arrow(point: tuple[float, float], start: tuple[float, float], end: tuple[float, float]) -> float:
    (px, py), (ax, ay), (bx, by) = point, start, end
    if (ax, ay) == (bx, by):  # a step from an actor to itself: how far from the actor
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)))
    return math.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay)))


@pytest.mark.parametrize("letter", ["F", "G"])
def test_at_136_steps_every_label_sits_by_its_arrow(long_runs: dict[str, tuple], letter: str) -> None:
    """Regression: at 136 steps the every-step graph put labels far from their arrows."""
    events = long_runs[letter]
    assert len(events) >= 136, f"{letter}: the long run has only {len(events)} steps"
    nodes, edges = graph_data(events, 136)
    at = {n.id: (n.x, n.y) for n in nodes}
    ends: dict[str, dict[str, str]] = {}
    for edge in edges:
        if edge.source.startswith("steps:"):
            ends.setdefault(edge.source, {})["to"] = edge.to
        else:
            ends.setdefault(edge.to, {})["from"] = edge.source
    far = {node.label.split(",")[0]: round(_away_from_arrow(at[node.id], at[ends[node.id]["from"]],
                                                            at[ends[node.id]["to"]]))
           for node in label_nodes(nodes)}
    assert {first: away for first, away in far.items() if away > NEAR} == {}, f"{letter}: labels far from their arrows"
    assert overlaps(nodes) == []
    numbers = sorted(int(n) for node in label_nodes(nodes) for n in node.label.replace(",", " ").split())
    assert numbers == list(range(1, 137))


# --- Colours: apart for the colour-blind ----------------------------------------------------------

MIN_APART = 12.0
"""CIEDE2000 units every two legend colours keep, for each kind of vision below. About 2.3 is a just
noticeable difference; 12 is clearly another colour at a glance, for thin arrows and small text.
Before this test, your code's blue and the manager's violet were 0.5 apart for a deuteranope, and
a sub-agent's pink and the failed red 9.1 for a tritanope."""
_MACHADO = {  # Machado, Oliveira and Fernandes (2009), severity 1, on linear RGB
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}


def _linear(color: str) -> tuple[float, float, float]:
    channels = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return tuple(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4  # type: ignore[return-value]
                 for c in channels)


def _seen(color: str, vision: str) -> tuple[float, float, float]:
    rgb = _linear(color)
    if vision == "normal":
        return rgb
    return tuple(min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True))))  # type: ignore[return-value]
                 for row in _MACHADO[vision])


def _lab(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    r, g, b = rgb
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116
    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def ciede2000(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    """Sharma, Wu and Dalal's formulation of CIEDE2000."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    mean_c = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(mean_c ** 7 / (mean_c ** 7 + 25 ** 7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    h1 = math.degrees(math.atan2(b1, a1)) % 360 if c1 else 0.0
    h2 = math.degrees(math.atan2(b2, a2)) % 360 if c2 else 0.0
    turn = h2 - h1
    dh = 0.0 if c1 * c2 == 0 else turn if abs(turn) <= 180 else turn - 360 if turn > 180 else turn + 360
    big_dh = 2 * math.sqrt(c1 * c2) * math.sin(math.radians(dh / 2))
    mean_l, mean_cp = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        mean_h = h1 + h2
    elif abs(h1 - h2) <= 180:
        mean_h = (h1 + h2) / 2
    else:
        mean_h = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(mean_h - 30)) + 0.24 * math.cos(math.radians(2 * mean_h))
         + 0.32 * math.cos(math.radians(3 * mean_h + 6)) - 0.20 * math.cos(math.radians(4 * mean_h - 63)))
    rotation = 30 * math.exp(-((mean_h - 275) / 25) ** 2)
    rc = 2 * math.sqrt(mean_cp ** 7 / (mean_cp ** 7 + 25 ** 7))
    sl = 1 + 0.015 * (mean_l - 50) ** 2 / math.sqrt(20 + (mean_l - 50) ** 2)
    sc, sh = 1 + 0.045 * mean_cp, 1 + 0.015 * mean_cp * t
    rt = -math.sin(math.radians(2 * rotation)) * rc
    return math.sqrt(((l2 - l1) / sl) ** 2 + ((c2 - c1) / sc) ** 2 + (big_dh / sh) ** 2
                     + rt * ((c2 - c1) / sc) * (big_dh / sh))


def test_ciede2000_matches_the_published_test_data() -> None:
    """Three of Sharma, Wu and Dalal's (2005) reference pairs."""
    pairs = [((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425), ((50, 2.5, 0), (73, 25, -18), 27.1492),
             ((50, 2.5, 0), (50, 3.2592, 0.3350), 1.0)]
    assert [round(ciede2000(a, b), 4) for a, b, _ in pairs] == [expected for _, _, expected in pairs]


def test_every_two_legend_colours_stay_apart_for_the_colour_blind() -> None:
    legend = {**DECIDER_COLORS, "failed": FAILED_COLOR}
    too_close = {}
    for (one, first), (other, second) in itertools.combinations(legend.items(), 2):
        for vision in ("normal", "protanopia", "deuteranopia", "tritanopia"):
            apart = ciede2000(_lab(_seen(first, vision)), _lab(_seen(second, vision)))
            if apart < MIN_APART:
                too_close[f"{one} / {other}, {vision}"] = round(apart, 1)
    assert too_close == {}


def test_every_legend_colour_reads_on_white() -> None:
    """Labels are text in these colours on white: a contrast of at least 3:1 (WCAG's, for large text)."""
    def contrast(color: str) -> float:
        r, g, b = _linear(color)
        return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)
    legend = {**DECIDER_COLORS, "failed": FAILED_COLOR}
    assert {name: round(contrast(color), 1) for name, color in legend.items() if contrast(color) < 3} == {}


def test_a_compare_card_strip_lists_every_step_in_order_with_its_colour(runs: dict[str, tuple]) -> None:
    """Compare's cards show a strip of numbered steps instead of a graph too small to read."""

    events = runs["G"][:12]
    strip = decision_strip(events)
    boxes = re.findall(r"border-bottom:4px solid (#[0-9a-f]{6});[^>]*>(\d+)</span>", strip)
    assert boxes == [(FAILED_COLOR if e.failed else DECIDER_COLORS[e.decided_by], str(e.step)) for e in events]
    assert "<script" not in strip and "12 steps" in strip


# --- The view: one frame while a run grows or is replayed -------------------------------------------


@pytest.mark.parametrize("letter", list(PATTERNS))
def test_the_articles_dialogue_keeps_one_frame_in_a_to_f_and_at_most_two_in_g(tmp_path: Path, letter: str) -> None:
    """The pattern page's view stays the same while the frame does (ui.graph.draw); a new frame rescales
    the drawing. Each frame holds every box of the drawing."""
    conversation = converse(letter, new_calendar(tmp_path))
    frames = []
    for message in ("Book a court for tomorrow", "3pm", "A"):
        conversation.send(message)
        nodes, _ = graph_data(conversation.trace.events)
        (x0, y0), (x1, y1) = frame(nodes)
        assert all(x0 <= n.x <= x1 and y0 <= n.y <= y1 for n in nodes), f"{letter}: a box outside its frame"
        frames.append(frame(nodes))
    assert len(set(frames)) <= (2 if letter == "G" else 1), f"{letter}: {frames}"


def test_text_from_a_model_is_drawn_as_text_never_markup_or_a_link() -> None:
    """A model id read from an opened trace file becomes an actor's label and tooltip, and a model's summary a
    label's tooltip. Whatever they say, the SVG holds them escaped, as text, and holds no link."""
    events = [Event(step=1, turn=1, actor="model:<img src=x onerror=alert(1)>", target="user", action="reply",
                    decided_by="llm", summary='javascript:alert(2) <a href="https://x.test">x</a>')]
    nodes, edges = graph_data(events)
    drawn = svg(nodes, edges, (0, 0, 100, 100), 300)
    assert "<img" not in drawn and "<a" not in drawn and "href=\"" not in drawn
    assert "&lt;img src=x onerror=alert(1)&gt;" in drawn and "&lt;a href=&quot;https://x.test&quot;&gt;" in drawn


def test_markdown_never_reads_the_text_in_a_drawing() -> None:
    """`st.markdown` writes the drawing. Regression: a chat message's `[link](http://…)` sat in a tooltip of an
    SVG that did not open a CommonMark HTML block, so Markdown could make it a link. The drawing is one line
    that opens with `<div`: a block only a blank line ends, kept raw, and no text can put a newline in it."""
    events = [Event(step=1, turn=1, actor="user", target="model:m", action="message", decided_by="user",
                  summary="[link](http://example.com)\n\n*now* markdown\r\nagain"),
              Event(step=2, turn=1, actor="model:m", target="user", action="reply", decided_by="llm",
                    summary="two\nlines")]
    nodes, edges = graph_data(events)
    for zoom in (1.0, 2.0):
        drawn = svg(nodes, edges, (0, 0, 100, 100), 300, zoom)
        assert drawn.startswith("<div") and drawn.endswith("</svg></div>")
        assert "\n" not in drawn and "\r" not in drawn
        assert "[link](http://example.com)&#10;&#10;*now* markdown&#13;&#10;again" in drawn
