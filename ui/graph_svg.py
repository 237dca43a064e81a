"""The decision graph as one inline SVG: boxes where `ui.graph` placed them, arrows through their labels.

No script and no iframe. The browser scales the drawing to its box (`viewBox`), so a graph fits
whatever it is drawn in from its first frame, and a changed graph is new markup in the same place:
nothing to load, nothing to refit. A box's tooltip is an SVG `<title>`. All text, from a model or
not, is escaped here, once, and drawn as text. (`st.html` would strip the SVG: its sanitiser keeps
HTML only. `ui.graph.draw` writes it with `st.markdown`.)

Markdown must never read that text. The drawing is one line that opens with `<div`: to CommonMark an
HTML block that only a blank line ends, passed on as raw HTML, so a `[link](…)` or a `*` in a tooltip
stays text. A newline in a tooltip is written `&#10;`, so no text can end the block early.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

ARROW = 14
"""An arrowhead's length, in the graph's units."""
_LINE = 1.25  # a text line's height, in ems (as `ui.graph.box_size` measures boxes)
_GAP = 3  # how far short of its target's box an arrow stops


@dataclass(frozen=True)
class Node:
    """A box: an actor, or a label carrying step numbers. Its centre is (x, y), in the graph's units."""

    id: str
    label: str
    x: float
    y: float
    title: str
    """The tooltip, as plain text (escaped when drawn)."""
    font: dict = field(default_factory=dict)
    """`size`, `color` and, for labels, `face` ("monospace")."""
    background: str = "#ffffff"
    border: str = "#9ca3af"
    border_width: float = 1
    dashes: bool = False


@dataclass(frozen=True)
class Edge:
    """A line from `source` to `to` (node ids), with an arrowhead when `arrow`."""

    source: str
    to: str
    color: str
    width: float = 2
    dashes: bool = False
    arrow: bool = True
    curved: bool = False
    """A step from an actor to itself: both halves bend clockwise, so they do not lie on each other."""


def box_size(label: str, font: int) -> tuple[float, float]:
    """A text box's size: about 0.6 em a character, 1.25 em a line, plus margins."""
    lines = label.split("\n")
    return max(len(line) for line in lines) * font * 0.6 + 2 * 10, len(lines) * font * _LINE + 2 * 8


def svg(nodes: Sequence[Node], edges: Sequence[Edge], view: tuple[float, float, float, float], height: int,
        zoom: float = 1.0) -> str:
    """The drawing, `height` pixels tall and as wide as its container, showing the box `view` (x0, y0, x1, y1).
    With `zoom` above 1 it is drawn that many times larger, in a box of the same size that scrolls."""
    at = {node.id: node for node in nodes}
    x0, y0, x1, y1 = view
    size = f"width:{zoom * 100:g}%;height:{height * zoom:g}px"
    parts = [f'<div style="overflow:auto;max-height:{height + 16}px">' if zoom > 1 else "<div>",
             f'<svg class="decision-graph" xmlns="http://www.w3.org/2000/svg" role="img" '
             f'viewBox="{x0:.0f} {y0:.0f} {x1 - x0:.0f} {y1 - y0:.0f}" preserveAspectRatio="xMidYMid meet" '
             f'style="{size};display:block">',
             "<title>Decision graph: who decided each step</title>"]
    parts += [_edge(edge, at[edge.source], at[edge.to]) for edge in edges if edge.source in at and edge.to in at]
    parts += [_box(node) for node in nodes]
    parts.append("</svg></div>")
    return "".join(parts)


def _text(text: str) -> str:
    """Text from anywhere, safe inside the drawing: HTML-escaped, and on one line (see the module's note)."""
    return escape(text).replace("\r", "&#13;").replace("\n", "&#10;")


def _edge(edge: Edge, start: Node, end: Node) -> str:
    (ax, ay), (bx, by) = (start.x, start.y), (end.x, end.y)
    dash = ' stroke-dasharray="10 6"' if edge.dashes else ""
    style = f'fill="none" stroke="{edge.color}" stroke-width="{edge.width:g}"{dash}'
    # a step from an actor to itself bends to the right of the way it goes, a third of its length out
    cx, cy = ((ax + bx) / 2 + (by - ay) * 0.35, (ay + by) / 2 - (bx - ax) * 0.35) if edge.curved else (ax, ay)
    from_x, from_y = cx, cy
    if edge.arrow:
        bx, by = _at_border(end, from_x, from_y)
    path = (f'M{ax:.1f} {ay:.1f} Q{cx:.1f} {cy:.1f} {bx:.1f} {by:.1f}' if edge.curved
            else f'M{ax:.1f} {ay:.1f} L{bx:.1f} {by:.1f}')
    drawn = f'<path data-from="{_text(edge.source)}" data-to="{_text(edge.to)}" d="{path}" {style}/>'
    if edge.arrow:
        drawn += _arrowhead(from_x, from_y, bx, by, edge.color)
    return drawn


def _at_border(box: Node, from_x: float, from_y: float) -> tuple[float, float]:
    """Where a line coming from (from_x, from_y) toward a box's centre meets its border, a little short."""
    width, height = box_size(box.label, box.font.get("size", 14))
    dx, dy = from_x - box.x, from_y - box.y
    if dx == 0 and dy == 0:
        return box.x, box.y
    reach = min(width / 2 / abs(dx) if dx else math.inf, height / 2 / abs(dy) if dy else math.inf)
    reach += _GAP / math.hypot(dx, dy)
    return box.x + dx * min(reach, 1), box.y + dy * min(reach, 1)


def _arrowhead(from_x: float, from_y: float, x: float, y: float, color: str) -> str:
    length = math.hypot(x - from_x, y - from_y) or 1
    ux, uy = (x - from_x) / length, (y - from_y) / length
    back_x, back_y = x - ux * ARROW, y - uy * ARROW
    side_x, side_y = -uy * ARROW * 0.45, ux * ARROW * 0.45
    points = f"{x:.1f},{y:.1f} {back_x + side_x:.1f},{back_y + side_y:.1f} {back_x - side_x:.1f},{back_y - side_y:.1f}"
    return f'<polygon points="{points}" fill="{color}"/>'


def _box(node: Node) -> str:
    size = node.font.get("size", 14)
    width, height = box_size(node.label, size)
    face = "monospace" if node.font.get("face") == "monospace" else "system-ui, sans-serif"
    dash = ' stroke-dasharray="6 4"' if node.dashes else ""
    lines = node.label.split("\n")
    first = node.y - (len(lines) - 1) * size * _LINE / 2 + size * 0.35  # the first baseline, text centred
    text = "".join(f'<tspan x="{node.x:.1f}" y="{first + n * size * _LINE:.1f}">{_text(line)}</tspan>'
                   for n, line in enumerate(lines))
    return (f'<g data-node="{_text(node.id)}"><title>{_text(node.title)}</title>'
            f'<rect x="{node.x - width / 2:.1f}" y="{node.y - height / 2:.1f}" width="{width:.1f}" '
            f'height="{height:.1f}" rx="5" fill="{node.background}" stroke="{node.border}" '
            f'stroke-width="{node.border_width:g}"{dash}/>'
            f'<text text-anchor="middle" font-family="{face}" font-size="{size}" '
            f'fill="{node.font.get("color", "#111827")}">{text}</text></g>')
