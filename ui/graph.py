"""The decision graph: actors as boxes, and the steps between two actors gathered on one arrow
whose label lists their numbers, coloured by who decided them.

Drawn as one inline SVG (`ui.graph_svg`): no script, no iframe, and a view that fits its box from the
first frame.

Legibility is built, not hoped for. Each actor has a fixed place by its role, in the article's
left-to-right order (you, your code, the runtime or manager, the models and Lambdas, the sub-agents,
and the calendar below; the playground's safeguards, which are your code but not the pattern's, in a
column of their own on the left), so a run grows in place and a replay never moves a box. The tools
of a trace opened from another producer (`tool:<name>`, see `orchestration/observe/opened/`) stand where
the calendar does, one below another. A label is a small box of its own, placed here in Python where
it overlaps no actor and no other label; its arrow runs through it. `overlaps()` is what the tests
check at 10, 20 and 40 steps.

Two views: every step (each label lists its step numbers), and gathered (one arrow per pair of
actors with its count), which expands back into every step.

Escaping: every text (labels, and tooltips that carry the signed-in name and model text) is escaped where
the SVG is written, and drawn as text.
"""

from __future__ import annotations

import html
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from orchestration.aws.lambdas.booking_actions import FUNCTION_NAME as ACTION_LAMBDA
from orchestration.observe.trace import DECIDERS, Event, actor_label
from orchestration.safeguards import SAFEGUARDS
from ui.graph_svg import Edge, Node, box_size, svg

DECIDER_COLORS = {"user": "#6b7280", "code": "#2563eb", "llm": "#ac7f0f", "manager": "#0f7351", "sub-agent": "#712a5c"}
"""Edge colour per decider; the legend and "Who controls what" use the same. Chosen so that every two of
them, and each beside `FAILED_COLOR`, stay apart for the colour-blind: at least 12 CIEDE2000 units apart
as seen with normal vision and with simulated protanopia, deuteranopia and tritanopia (Machado et al.
2009), and each at least 3:1 against white (tests/test_graph.py checks both). The old amber, violet, pink
and red failed it: your code's blue and the manager's violet were 0.5 apart for a deuteranope."""
DECIDER_NAMES = {"user": "you", "code": "your code", "llm": "the model", "manager": "the manager",
                 "sub-agent": "a sub-agent"}
FAILED_COLOR = "#8c0702"
"""Failed steps (a model's mistake, a tool error or refusal, a failed call), drawn dashed in this colour."""

_ROLE_PLACES = {  # (x, y) of the first actor of each kind, in three columns; later ones of a kind go below
    "user": (0, -260), "code": (0, 0), "calendar": (0, 300),
    "runtime": (340, -260), "manager": (340, 40), "lambda": (340, 300),
    "model": (680, -260), "sub-agent": (680, 40),
    "safeguard": (-380, -130),  # the playground's own checks: a column of their own, left of your code
}
_ROW = 260
_SHARED_PLACES = {"tool": "calendar"}
"""Kinds that stand in another kind's column: another producer's tools, where this project's calendar is."""
_ROLE_COLORS = {"user": "#e5e7eb", "code": "#dbeafe", "runtime": "#fef3c7", "manager": "#ede9fe",
                "model": "#fde68a", "sub-agent": "#fce7f3", "lambda": "#dcfce7", "calendar": "#f1f5f9",
                "safeguard": "#cffafe", "tool": "#f1f5f9"}
SAFEGUARD_BORDER = DECIDER_COLORS["code"]
"""A safeguard's box: your code (its border in your code's colour), under the safeguard's name."""
ACTOR_FONT = 22
LABEL_FONT = 18
NUMBERS_PER_LINE = 5
SPREAD_FROM, SPREAD_PER = 40, 160
"""A run longer than SPREAD_FROM steps spreads its actors apart by 1/SPREAD_PER of their distance per step
more (at 136 steps, 1.6 times as far): room for its labels beside their arrows. Decided from the whole
run, so a replay never moves an actor."""
_GAP = 8  # space kept around every box


@dataclass(frozen=True)
class Box:
    """Where a node's box sits: centre and size, in the graph's own units."""

    x: float
    y: float
    width: float
    height: float

    def contains(self, point: tuple[float, float]) -> bool:
        return abs(point[0] - self.x) * 2 < self.width and abs(point[1] - self.y) * 2 < self.height

    def overlaps(self, other: Box) -> bool:
        return (abs(self.x - other.x) * 2 < self.width + other.width + _GAP
                and abs(self.y - other.y) * 2 < self.height + other.height + _GAP)


def role(actor: str) -> str:
    """The kind of an actor id: `model:gpt-4.1-mini` -> `model`."""
    return actor.partition(":")[0]


def places(actors: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Each actor's fixed place: by role, in the order actors first appear."""
    placed: dict[str, tuple[float, float]] = {}
    sub_agents = [a for a in actors if role(a) == "sub-agent"]
    lambdas = [a for a in actors if role(a) == "lambda" and a != f"lambda:{ACTION_LAMBDA}"]
    for actor in actors:
        kind = role(actor)
        column = _SHARED_PLACES.get(kind, kind)
        x, y = _ROLE_PLACES.get(column, (0, 0))
        y += _ROW * [a for a in actors if _SHARED_PLACES.get(role(a), role(a)) == column].index(actor)
        if kind == "sub-agent" and lambdas:  # Pattern G: each sub-agent beside the Lambda that wraps it
            y = _ROLE_PLACES["lambda"][1] + _ROW * sub_agents.index(actor)
        placed[actor] = (x, y)
    return placed


def steps_label(steps: Sequence[int], wide: bool = False) -> str:
    """Every step number an arrow carries, a few to a line: "3, 7, 12". With `wide` (an arrow more across
    than up or down), a label of many numbers takes longer lines, so it stays low enough to sit by its
    arrow; beside an upright arrow, a narrow label does."""
    per_line = max(NUMBERS_PER_LINE, math.ceil(math.sqrt(len(steps) * 2.5))) if wide else NUMBERS_PER_LINE
    rows = [steps[i:i + per_line] for i in range(0, len(steps), per_line)]
    return ",\n".join(", ".join(map(str, row)) for row in rows)


def graph_data(events: Sequence[Event], upto: int | None = None, user: str = "",
               gathered: bool = False, font_scale: float = 1.0) -> tuple[list[Node], list[Edge]]:
    """Nodes and edges for the first `upto` events (all when None).

    Every step: steps between the same two actors, decided by the same decider (failed or not), share
    one arrow and one label listing their numbers. Gathered: one arrow per two actors and direction,
    labelled with its count. Actors take their places from the whole run, so a replay never moves them.
    `font_scale` enlarges the text against the layout, for a graph drawn small (Compare's cards).
    """
    everyone = _actors(events)
    shown = list(events if upto is None else events[:upto])
    spread = 1 + max(0, len(events) - SPREAD_FROM) / SPREAD_PER
    at = {actor: (x * spread, y * spread) for actor, (x, y) in places(everyone).items()}
    visible = _actors(shown)
    label_font = round(LABEL_FONT * font_scale)
    nodes = [_actor_node(actor, at[actor], user, round(ACTOR_FONT * font_scale)) for actor in visible]
    taken = [_box(node) for node in nodes]
    actor_boxes = list(taken)
    groups: dict[tuple, list[Event]] = {}
    for event in shown:
        key = (event.actor, event.target) if gathered else (event.actor, event.target, event.decided_by, event.failed)
        groups.setdefault(key, []).append(event)
    edges: list[Edge] = []
    for n, gathered_events in enumerate(groups.values()):
        first = gathered_events[0]
        failed = sum(e.failed for e in gathered_events)
        if gathered:
            decider = Counter(e.decided_by for e in gathered_events).most_common(1)[0][0]
            color = FAILED_COLOR if failed == len(gathered_events) else DECIDER_COLORS[decider]
            text = (f"{len(gathered_events)} step{'s' * (len(gathered_events) > 1)}"
                    + (f"\n{failed} failed" if failed else ""))
        else:
            color = FAILED_COLOR if first.failed else DECIDER_COLORS[first.decided_by]
            (x1, y1), (x2, y2) = at[first.actor], at[first.target]
            text = steps_label([e.step for e in gathered_events], wide=abs(x2 - x1) > abs(y2 - y1))
        width, height = box_size(text, label_font)
        x, y = _free_place(at[first.actor], at[first.target], width, height, taken, actor_boxes)
        taken.append(Box(x, y, width, height))
        label_id = f"steps:{n}"
        last = shown[-1] in gathered_events
        nodes.append(Node(id=label_id, label=text, title=_lines(gathered_events), x=x, y=y, border=color,
                          border_width=3 if last else 1, dashes=bool(failed) and not gathered,
                          font={"size": label_font, "color": color, "face": "monospace"}))
        style = {"color": color, "width": 4 if last else 2, "dashes": bool(failed) and not gathered,
                 "curved": first.actor == first.target}
        edges.append(Edge(source=first.actor, to=label_id, arrow=False, **style))
        edges.append(Edge(source=label_id, to=first.target, **style))
    return nodes, edges


def label_nodes(nodes: Sequence[Node]) -> list[Node]:
    """The nodes that are step labels, not actors."""
    return [n for n in nodes if str(n.id).startswith("steps:")]


def overlaps(nodes: Sequence[Node]) -> list[tuple[str, str]]:
    """Pairs of boxes that would be drawn over each other (none, by construction)."""
    boxes = [(str(n.id), _box(n)) for n in nodes]
    return [(a, b) for i, (a, box) in enumerate(boxes) for b, other in boxes[i + 1:] if box.overlaps(other)]


def _actors(events: Sequence[Event]) -> list[str]:
    actors: list[str] = []
    for event in events:
        for actor in (event.actor, event.target):
            if actor not in actors:
                actors.append(actor)
    return actors


def _lines(events: Sequence[Event]) -> str:
    return "\n".join(f"{e.step}. {e.action}{' (failed)' if e.failed else ''} — decided by "
                     f"{DECIDER_NAMES[e.decided_by]}: {e.summary}" for e in events)


def _box(node: Node) -> Box:
    width, height = box_size(node.label, node.font["size"])
    return Box(node.x, node.y, width, height)


def _free_place(start: tuple[float, float], end: tuple[float, float], width: float, height: float,
                taken: list[Box], actors: list[Box]) -> tuple[float, float]:
    """The first place near the arrow's middle (or beside its actor, for a step from an actor to
    itself) where a label of this size covers nothing already placed and its two arrow halves pass
    through no other actor's box. Candidates run outward on both sides; the search is capped, and the
    least-covered candidate wins if none is clear."""
    (x1, y1), (x2, y2) = start, end
    if (x1, y1) == (x2, y2):
        candidates = [(x1 + r * math.cos(a), y1 - r * math.sin(a)) for r in range(150, 700, 45)
                      for a in (math.radians(d) for d in (60, 120, 30, 150, 90, 0, 180, -30, -150))]
    else:
        length = math.hypot(x2 - x1, y2 - y1)
        nx, ny = (y1 - y2) / length, (x2 - x1) / length  # the perpendicular, one side per direction
        along = (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78)  # the whole arrow's length before moving away from it
        candidates = [(x1 + (x2 - x1) * t + nx * d, y1 + (y2 - y1) * t + ny * d)
                      for d in range(40, 640, 30) for t in along]
        candidates += [(x1 + (x2 - x1) * t - nx * d, y1 + (y2 - y1) * t - ny * d)
                       for d in range(40, 640, 30) for t in along[:5]]
    others = [box for box in actors if (box.x, box.y) not in (start, end)]

    def clear(place: tuple[float, float]) -> bool:
        candidate = Box(*place, width, height)
        return not any(candidate.overlaps(box) for box in taken)

    def crossing(place: tuple[float, float]) -> bool:
        return any(box.contains(point) for box in others
                   for a, b in ((start, place), (place, end)) for point in _along(a, b))
    first_clear = None
    for place in candidates:  # nearest first: the first clear place whose arrow crosses no actor wins
        if clear(place):
            if not crossing(place):
                return place
            first_clear = first_clear or place
    if first_clear is not None:
        return first_clear
    return min(candidates, key=lambda place: sum(Box(*place, width, height).overlaps(box) for box in taken))


def _along(a: tuple[float, float], b: tuple[float, float], samples: int = 24) -> list[tuple[float, float]]:
    return [(a[0] + (b[0] - a[0]) * i / samples, a[1] + (b[1] - a[1]) * i / samples) for i in range(1, samples)]


def node_label(actor: str) -> str:
    """What an actor's box says: its label, and for a safeguard that it is your code, e.g.
    "Safeguard checked-slots (your code)"."""
    label = actor_label(actor)
    return f"{label} (your code)" if role(actor) == "safeguard" else label


def _actor_node(actor: str, place: tuple[float, float], user: str, font: int = ACTOR_FONT) -> Node:
    label = node_label(actor)
    title = f"{label} — signed in as {user}" if actor == "user" and user else label
    if role(actor) == "safeguard":
        found = SAFEGUARDS.get(actor.partition(":")[2])
        title += " — one of the playground's safeguards, not the pattern's code" + (f": {found.title}" if found else "")
    background = _ROLE_COLORS.get(role(actor), "#f3f4f6")
    guard = role(actor) == "safeguard"
    return Node(id=actor, label=_wrapped(label), title=title, x=place[0], y=place[1], background=background,
                border=SAFEGUARD_BORDER if guard else "#9ca3af", border_width=2 if guard else 1,
                font={"size": font, "color": "#111827"})


def _wrapped(label: str, width: int = 12) -> str:
    """A long label on a few short lines, so boxes stay narrow: "Sub-agent\navailability\n(Bedrock)"."""
    lines: list[str] = []
    words = [part for word in label.split()
             for part in (word.replace("-", "- ").split() if len(word) > width else [word])]
    for word in words:
        if lines and len(lines[-1]) + len(word) < width and not word.startswith("("):
            lines[-1] += word if lines[-1].endswith("-") else " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def draw(events: Sequence[Event], upto: int | None = None, height: int = 600, user: str = "",
         gathered: bool = False, font_scale: float = 1.0, framed: bool = False, zoom: float = 1.0) -> None:
    """Draw the graph of `events` (the first `upto` of them), fitted to a box `height` pixels tall (`zoom`
    times larger, scrolling in that box, when `zoom` is above 1).

    `framed` (a graph that grows, or is replayed): the view is a frame around the whole run (all of
    `events`, whatever `upto` is), on a grid of `FRAME_GRID` units, so a replay never moves or rescales
    the view. Otherwise the view is the drawing's own extent."""
    nodes, edges = graph_data(events, upto, user, gathered, font_scale)
    if not nodes:
        return
    if framed:
        whole = (nodes if upto is None or upto >= len(events)
                 else graph_data(events, None, user, gathered, font_scale)[0])
        (x0, y0), (x1, y1) = frame(whole)
    else:
        x0, y0, x1, y1 = extent(nodes)
        x0, y0, x1, y1 = x0 - _MARGIN, y0 - _MARGIN, x1 + _MARGIN, y1 + _MARGIN
    st.markdown(svg(nodes, edges, (x0, y0, x1, y1), height, zoom), unsafe_allow_html=True)  # every text escaped


_MARGIN = 20
FRAME_GRID = 160
"""A framed graph's view snaps outward to this grid (in the graph's units; an actor's box is about 200
wide): coarser, fewer rescalings as a run grows; finer, less empty room around the drawing."""
BASE_FRAME = ((-160, -480), (800, 480))
"""The least a framed view shows: the three columns and three rows where most runs' actors stand (your
code and the calendar, the runtime or manager and the Lambdas, the models and sub-agents), so the
article's dialogue keeps one view from its first message to its last in A to F (G's sub-agents, below,
widen it once), and a small graph is not blown up only to shrink again at the next message."""


def frame(nodes: Sequence[Node]) -> tuple[tuple[int, int], tuple[int, int]]:
    """The corners of the frame around every node's box: on the `FRAME_GRID`, and at least `BASE_FRAME`."""
    x0, y0, x1, y1 = extent(nodes)
    (bx0, by0), (bx1, by1) = BASE_FRAME
    return ((min(bx0, math.floor(x0 / FRAME_GRID) * FRAME_GRID), min(by0, math.floor(y0 / FRAME_GRID) * FRAME_GRID)),
            (max(bx1, math.ceil(x1 / FRAME_GRID) * FRAME_GRID), max(by1, math.ceil(y1 / FRAME_GRID) * FRAME_GRID)))


def extent(nodes: Sequence[Node]) -> tuple[int, int, int, int]:
    """The box every node's box fits in, in whole units: (x0, y0, x1, y1). `nodes` must not be empty."""
    boxes = [_box(node) for node in nodes]
    return (math.floor(min(b.x - b.width / 2 for b in boxes)), math.floor(min(b.y - b.height / 2 for b in boxes)),
            math.ceil(max(b.x + b.width / 2 for b in boxes)), math.ceil(max(b.y + b.height / 2 for b in boxes)))


def legend() -> None:
    """Which colour is which decider (static text, nothing from a model)."""
    items = " &nbsp; ".join(
        f'<span style="color:{DECIDER_COLORS[d]};font-weight:600">━━ {DECIDER_NAMES[d]}</span>' for d in DECIDERS)
    items += f' &nbsp; <span style="color:{FAILED_COLOR};font-weight:600">╍╍ failed step</span>'
    st.markdown(f'<div style="font-size:0.85rem">Decided by: {items}</div>', unsafe_allow_html=True)


def decision_strip(events: Sequence[Event]) -> str:
    """A run's steps in order, each its number in a small box underlined in the colour of who decided it
    (a failed step: dashed, in the failed colour), as HTML. Readable where a graph would be too small
    (Compare's cards): the numbers are text at caption size. Holds no text from a model, only numbers;
    each box's tooltip is the step's action and decider, escaped."""
    boxes = []
    for e in events:
        color = FAILED_COLOR if e.failed else DECIDER_COLORS[e.decided_by]
        border = f"2px dashed {color}" if e.failed else f"1px solid {color}"
        tip = html.escape(f"{e.step}. {e.action}{' (failed)' if e.failed else ''}, "
                          f"decided by {DECIDER_NAMES[e.decided_by]}",
                          quote=True)
        boxes.append(f'<span title="{tip}" style="display:inline-block;min-width:1.9em;margin:0 2px 3px 0;'
                     f'padding:0 3px;border:{border};border-bottom:4px solid {color};border-radius:3px;'
                     f'text-align:center;font:600 0.8rem monospace;color:#111827">{e.step}</span>')
    counts = Counter(e.decided_by for e in events)
    key = " · ".join(f'<span style="color:{DECIDER_COLORS[d]};font-weight:600">{DECIDER_NAMES[d]} {counts[d]}</span>'
                     for d in DECIDERS if counts[d])
    failed = sum(e.failed for e in events)
    if failed:
        key += f' · <span style="color:{FAILED_COLOR};font-weight:600">failed {failed}</span>'
    return (f'<div style="line-height:1.9">{"".join(boxes)}</div>'
            f'<div style="font-size:0.8rem">{len(events)} steps, decided by: {key}</div>')
