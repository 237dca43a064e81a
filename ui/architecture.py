"""Each pattern's architecture as the article draws it, with the path this run took drawn over it.

An `Architecture` lists the article's boxes and arrows and says where each trace actor sits among
them. A step whose two ends map onto an arrow lights that arrow (in the colour of whoever decided
it, numbered with its steps; an answer lights its arrow going back); a step that passes through a
box the article draws in between (your
code reaching the calendar through the tool function) lights both arrows; anything else the run
did is drawn dashed, so nothing it did is hidden. The playground's safeguards are not in the article's
drawings: a step of one is drawn where your code sits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from orchestration.observe.trace import Event

from .graph import DECIDER_COLORS


@dataclass(frozen=True)
class Architecture:
    """The article's drawing of one pattern."""

    boxes: dict[str, str]
    """Box id -> label."""
    arrows: tuple[tuple[str, str], ...]
    """The article's arrows."""
    place: Callable[[str, Event], str | None]
    """Where a step's actor (or target) sits: a box id, or None to leave it out."""


def _by_role(table: dict[str, str]) -> Callable[[str, Event], str | None]:
    def place(actor: str, event: Event) -> str | None:
        return table.get(actor) or table.get(actor.partition(":")[0]) or next(
            (box for prefix, box in table.items() if prefix.endswith("*") and actor.startswith(prefix[:-1])), None)
    return place


def _workflow_place(actor: str, event: Event) -> str | None:
    agent = str(event.detail.get("agent", ""))
    step = "step2" if agent == "Booking agent" else "step1"
    if actor.startswith("model:") or actor == "runtime":
        return "step2" if agent == "Booking agent" else ("step1" if agent else "workflow")
    return {"user": "user", "code": "workflow", "calendar": "tool2" if step == "step2" else "tool1"}.get(actor)


def _manager_bedrock_place(actor: str, event: Event) -> str | None:
    if actor == "lambda:court-booking-actions":
        return "lambda_b" if "booking" in event.actor else "lambda_a"
    return _by_role({"user": "user", "code": "manager", "runtime": "manager", "manager": "manager",
                     "sub-agent:availability*": "agent_a", "sub-agent:booking*": "agent_b",
                     "calendar": "db"})(actor, event)


ARCHITECTURES: dict[str, Architecture] = {
    "A": Architecture(
        {"user": "User", "gateway": "API Gateway", "lambda": "Lambda\n(your code, your state)",
         "bedrock": "Bedrock\n(parse only)", "db": "DB\n(court calendar)"},
        (("user", "gateway"), ("gateway", "lambda"), ("lambda", "bedrock"), ("bedrock", "lambda"),
         ("lambda", "db"), ("lambda", "user")),
        _by_role({"user": "user", "code": "lambda", "model": "bedrock", "calendar": "db"})),
    "B": Architecture(
        {"user": "User", "code": "Your code\n(invoke_agent)", "agent": "Bedrock Agent\n(decides)",
         "model": "Foundation model", "lambda": "Lambda\n(action group)", "db": "DB"},
        (("user", "code"), ("code", "agent"), ("agent", "model"), ("model", "agent"), ("agent", "lambda"),
         ("lambda", "db"), ("code", "user")),
        _by_role({"user": "user", "code": "code", "runtime": "agent", "model": "model", "lambda": "lambda",
                  "calendar": "db"})),
    "C": Architecture(
        {"user": "User", "code": "Your code\n(owns the loop)", "openai": "OpenAI API\n(suggests)",
         "tool": "Tool function\n(a Lambda in the article)", "db": "DB"},
        (("user", "code"), ("code", "openai"), ("openai", "code"), ("code", "tool"), ("tool", "db"), ("code", "user")),
        _by_role({"user": "user", "code": "code", "model": "openai", "calendar": "db"})),
    "D": Architecture(
        {"user": "User", "code": "Your code\n(Runner.run)", "sdk": "Agents SDK\n(reasons + acts)",
         "model": "Model", "tool": "Tool function", "db": "DB"},
        (("user", "code"), ("code", "sdk"), ("sdk", "model"), ("model", "sdk"), ("sdk", "tool"), ("tool", "db"),
         ("code", "user")),
        _by_role({"user": "user", "code": "code", "runtime": "sdk", "model": "model", "calendar": "db"})),
    "E": Architecture(
        {"user": "User", "workflow": "Workflow\n(your code fixes the order)", "step1": "Step 1\navailability agent",
         "tool1": "check_availability", "step2": "Step 2\nbooking agent", "tool2": "book", "db": "DB"},
        (("user", "workflow"), ("workflow", "step1"), ("step1", "tool1"), ("tool1", "db"), ("step1", "workflow"),
         ("workflow", "step2"), ("step2", "tool2"), ("tool2", "db"), ("workflow", "user")),
        _workflow_place),
    "F": Architecture(
        {"user": "User", "manager": "Manager agent\n(OpenAI)", "agent_a": "Availability agent\n(Bedrock)",
         "agent_b": "Booking agent\n(Bedrock)", "lambda_a": "Lambda", "lambda_b": "Lambda", "db": "DB"},
        (("user", "manager"), ("manager", "agent_a"), ("manager", "agent_b"), ("agent_a", "lambda_a"),
         ("agent_b", "lambda_b"), ("lambda_a", "db"), ("lambda_b", "db"), ("manager", "user")),
        _manager_bedrock_place),
    "G": Architecture(
        {"user": "User", "manager": "OpenAI manager", "lambda_a": "Lambda A", "lambda_b": "Lambda B",
         "agent_a": "Availability agent\n(Bedrock)", "agent_b": "Booking agent\n(Claude)", "db": "DB"},
        (("user", "manager"), ("manager", "lambda_a"), ("manager", "lambda_b"), ("lambda_a", "agent_a"),
         ("lambda_b", "agent_b"), ("lambda_a", "db"), ("lambda_b", "db"), ("manager", "user")),
        _by_role({"user": "user", "code": "manager", "runtime": "manager", "manager": "manager",
                  "lambda:availability-agent": "lambda_a", "lambda:booking-agent": "lambda_b",
                  "sub-agent:availability*": "agent_a", "sub-agent:booking*": "agent_b", "calendar": "db"})),
}


def dot(letter: str, events: Sequence[Event]) -> str:
    """Graphviz source of pattern `letter`'s architecture with `events` drawn over it."""
    arch = ARCHITECTURES[letter]
    taken: dict[tuple[str, str], list[Event]] = {}
    extra: dict[tuple[str, str], list[Event]] = {}
    for event in events:
        ends = arch.place(_as_code(event.actor), event), arch.place(_as_code(event.target), event)
        if None in ends or ends[0] == ends[1]:
            continue
        for arrow in _route(arch, ends):  # type: ignore[arg-type]
            (taken if arrow in arch.arrows else extra).setdefault(arrow, []).append(event)
    lines = ['digraph {', '  rankdir=LR; bgcolor="transparent"; nodesep=0.35; ranksep=0.45;',
             '  node [shape=box, style="rounded,filled", fillcolor="#f8fafc", color="#94a3b8", '
             'fontname="sans-serif", fontsize=11];',
             '  edge [fontname="sans-serif", fontsize=10];']
    used = {box for pair in (*taken, *extra) for box in pair}
    for box, label in arch.boxes.items():
        fill = "#eef2ff" if box in used else "#f8fafc"
        lines.append(f'  {box} [label="{_dot_text(label)}", fillcolor="{fill}"];')
    for arrow in arch.arrows:
        lines.append(f"  {arrow[0]} -> {arrow[1]} {_style(taken.get(arrow))};")
    for arrow, through in extra.items():
        lines.append(f"  {arrow[0]} -> {arrow[1]} {_style(through, dashed=True)};")
    lines.append("}")
    return "\n".join(lines)


def _as_code(actor: str) -> str:
    """The article draws no safeguards (they are the playground's): one acting is drawn where your code sits."""
    return "code" if actor.startswith("safeguard:") else actor


def _route(arch: Architecture, ends: tuple[str, str]) -> list[tuple[str, str]]:
    """The article's arrows a step travels (an answer travels its arrow backwards): the direct one,
    else through one box in between, else the step itself."""
    if ends in arch.arrows:
        return [ends]
    if ends[::-1] in arch.arrows:
        return [ends[::-1]]
    for middle in arch.boxes:
        if (ends[0], middle) in arch.arrows and (middle, ends[1]) in arch.arrows:
            return [(ends[0], middle), (middle, ends[1])]
    return [ends]


def _style(events: list[Event] | None, dashed: bool = False) -> str:
    if not events:
        return '[color="#cbd5e1"]'
    color = DECIDER_COLORS[events[-1].decided_by]
    steps = ",".join(str(e.step) for e in events[:6]) + ("…" if len(events) > 6 else "")
    style = ", style=dashed" if dashed else ""
    return f'[color="{color}", penwidth=2.6, fontcolor="{color}", label="{steps}"{style}]'


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
