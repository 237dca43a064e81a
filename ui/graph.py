"""The decision graph: actors as nodes, each step as a numbered edge coloured by who decided it.

Drawn with streamlit-agraph's bundled vis-network frontend. The component is declared here over the
package's own build so each drawing can carry a `key` (its `agraph()` takes none, and a graph that
is redrawn as events arrive needs one). Nodes sit at fixed places by role, so the picture grows in
place instead of re-arranging itself.

Escaping: streamlit-agraph turns each node's `title` into HTML (`div.innerHTML`), so node titles —
which carry the signed-in name, typed by a user — are HTML-escaped. Edge titles hold model and user
text too; vis-network shows them with `innerText`, so they stay plain text (escaping them would
print entities).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components
import streamlit_agraph
from streamlit_agraph import Config, Edge, Node

from orchestration.lambdas.booking_actions import FUNCTION_NAME as ACTION_LAMBDA
from orchestration.trace import DECIDERS, Event, actor_label

_component = components.declare_component(
    "decision_graph", path=str(Path(streamlit_agraph.__file__).parent / "frontend" / "build"))

DECIDER_COLORS = {"user": "#6b7280", "code": "#2563eb", "llm": "#d97706", "manager": "#7c3aed", "sub-agent": "#db2777"}
"""Edge colour per decider; the legend shows the same."""
DECIDER_NAMES = {"user": "you", "code": "your code", "llm": "the model", "manager": "the manager",
                 "sub-agent": "a sub-agent"}

_ROLE_PLACES = {  # (x, y) of the first actor of each kind; later ones of a kind go below it
    "user": (-340, 0), "code": (-130, 0), "runtime": (70, -170), "manager": (70, 90),
    "model": (310, -170), "lambda": (290, 90), "sub-agent": (630, 90), "calendar": (-130, 250),
}
_ROW = 170
_ROLE_COLORS = {"user": "#e5e7eb", "code": "#dbeafe", "runtime": "#fef3c7", "manager": "#ede9fe",
                "model": "#fde68a", "sub-agent": "#fce7f3", "lambda": "#dcfce7", "calendar": "#f1f5f9"}


def role(actor: str) -> str:
    """The kind of an actor id: `model:gpt-4.1-mini` -> `model`."""
    return actor.partition(":")[0]


def graph_data(events: Sequence[Event], upto: int | None = None, user: str = "") -> tuple[list[Node], list[Edge]]:
    """Nodes and edges for the first `upto` events (all when None).

    Steps between the same two actors, decided by the same decider (and failed or not), are gathered
    onto one edge that lists their numbers, so a long run stays readable; the edge holding the last
    step is drawn thicker.
    """
    shown = list(events if upto is None else events[:upto])
    actors: list[str] = []
    for event in shown:
        for actor in (event.actor, event.target):
            if actor not in actors:
                actors.append(actor)
    nodes = [_node(actor, actors, user) for actor in actors]
    groups: dict[tuple[str, str, str, bool], list[Event]] = {}
    for event in shown:
        groups.setdefault((event.actor, event.target, event.decided_by, event.failed), []).append(event)
    pairs: dict[tuple[str, str], int] = {}
    edges = []
    for (actor, target, _, _), gathered in groups.items():
        pairs[actor, target] = pairs.get((actor, target), 0) + 1
        edges.append(_edge(gathered, pairs[actor, target], last=shown[-1] in gathered))
    return nodes, edges


def steps_label(steps: Sequence[int]) -> str:
    """The step numbers an edge carries: "3, 7, 12", or "3, 7 … 31 (9 steps)" when there are many."""
    if len(steps) <= 4:
        return ", ".join(map(str, steps))
    return f"{steps[0]}, {steps[1]} … {steps[-1]} ({len(steps)} steps)"


def _node(actor: str, actors: list[str], user: str) -> Node:
    kind = role(actor)
    x, y = _ROLE_PLACES.get(kind, (0, 0))
    y += _ROW * [a for a in actors if role(a) == kind].index(actor)
    sub_agents = [a for a in actors if role(a) == "sub-agent"]
    if actor == f"lambda:{ACTION_LAMBDA}" and sub_agents:  # Pattern F: the action group sits behind its agents
        x, y = _ROLE_PLACES["sub-agent"][0], _ROLE_PLACES["sub-agent"][1] + _ROW * len(sub_agents)
    label = actor_label(actor)
    title = f"{label} — signed in as {user}" if actor == "user" and user else label
    return Node(id=actor, label=_wrapped(label), title=html.escape(title), shape="box", x=x, y=y,
                color=_ROLE_COLORS.get(kind, "#f3f4f6"), font={"size": 26, "color": "#111827"},
                borderWidth=1, margin=10)


def _wrapped(label: str) -> str:
    """A long label on two lines, so boxes stay narrow: "Sub-agent availability\n(Bedrock Agent)"."""
    if len(label) <= 14:
        return label
    for mark in (" (", " "):
        cut = label.find(mark, 6)
        if cut > 0:
            return label[:cut] + "\n" + label[cut + 1:]
    return label


FAILED_COLOR = "#dc2626"
"""Failed steps (a model's mistake, a tool error or refusal, a failed call), drawn dashed in this colour."""


def _edge(events: Sequence[Event], nth: int, last: bool) -> Edge:
    first = events[0]
    color = FAILED_COLOR if first.failed else DECIDER_COLORS[first.decided_by]
    title = "\n".join(f"{e.step}. {e.action}{' (failed)' if e.failed else ''} — decided by "
                      f"{DECIDER_NAMES[e.decided_by]}: {e.summary}" for e in events)
    if first.actor == first.target:
        smooth = {"enabled": True, "type": "curvedCW", "roundness": 0.4 + 0.15 * (nth - 1)}
    else:
        smooth = {"enabled": True, "type": "curvedCW" if nth % 2 else "curvedCCW", "roundness": 0.12 * (1 + nth // 2)}
    return Edge(source=first.actor, target=first.target, label=steps_label([e.step for e in events]), title=title,
                color=color, width=4 if last else 2, smooth=smooth, font={"size": 18, "color": color, "strokeWidth": 5},
                arrows="to", dashes=first.failed)


def draw(events: Sequence[Event], key: str, upto: int | None = None, height: int = 470, user: str = "") -> None:
    """Draw the graph of `events` (the first `upto` of them)."""
    nodes, edges = graph_data(events, upto, user)
    config = Config(height=height, width="100%", directed=True, physics=False, hierarchical=False,
                    interaction={"hover": True, "zoomView": True, "dragView": True},
                    nodes={"fixed": False}, edges={"arrowStrikethrough": False})
    config.width = "100%"
    options = {name: value for name, value in config.__dict__.items() if value is not None}  # vis rejects `groups: null`
    data = {"nodes": [n.to_dict() for n in nodes], "edges": [e.to_dict() for e in edges]}
    _component(data=json.dumps(data), config=json.dumps(options), key=key, default=None)


def legend() -> None:
    """Which colour is which decider (static text, nothing from a model)."""
    items = " &nbsp; ".join(
        f'<span style="color:{DECIDER_COLORS[d]};font-weight:600">━━ {DECIDER_NAMES[d]}</span>' for d in DECIDERS)
    items += f' &nbsp; <span style="color:{FAILED_COLOR};font-weight:600">╍╍ failed step</span>'
    st.markdown(f'<div style="font-size:0.85rem">Decided by: {items}</div>', unsafe_allow_html=True)
