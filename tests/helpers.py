"""Building blocks for tests: a calendar and a conversation through a pattern, all offline."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from orchestration.calendar import Calendar, Clock
from orchestration.patterns import Conversation, Deps, start
from orchestration.vendors.offline.brain import Brain
from orchestration.vendors.offline.protocol import ModelReply, ModelRequest
from orchestration.vendors.settings import Settings

TODAY = date(2025, 12, 3)
TOMORROW = "2025-12-04"


def new_calendar(tmp_path: Path, seed: str = "demo") -> Calendar:
    return Calendar.open(tmp_path / f"{seed}.db", Clock.on(TODAY), seed=seed)  # type: ignore[arg-type]


def converse(letter: str, calendar: Calendar, user: str = "alice", settings: Settings | None = None,
             max_steps: int = 8) -> Conversation:
    return start(letter, Deps.of(calendar, user, settings or Settings(), max_steps))


def bookings_by(calendar: Calendar, user: str) -> list[tuple[str, str, str]]:
    return [(b.court, b.date, b.time) for b in calendar.bookings() if b.user == user]


@dataclass
class ScriptedBrain:
    """A test's stand-in for the brain: answers with `replies` in order and records every request."""

    replies: list[ModelReply]
    requests: list[ModelRequest] = field(default_factory=list)

    def reply(self, request: ModelRequest) -> ModelReply:
        self.requests.append(request)
        return self.replies[len(self.requests) - 1]


# --- What reaches the model -----------------------------------------------------------------------

VENDORS = {
    "orchestration.vendors.offline.openai_chat": "OpenAI chat completions",
    "orchestration.vendors.offline.openai_responses": "OpenAI responses",
    "orchestration.vendors.offline.anthropic_messages": "Anthropic messages",
    "orchestration.vendors.offline.bedrock_runtime": "Bedrock Converse",
    "orchestration.vendors.offline.bedrock_agents": "Bedrock Agents",
}
"""The offline model's protocol adapters: the module that hands a request to the brain names its vendor."""

Recorded = list[tuple[str, ModelRequest]]
"""Requests the offline model answered, in order, each with its vendor."""


def record_requests(monkeypatch: pytest.MonkeyPatch) -> Recorded:
    """Record every request any offline model's brain answers, with its vendor, while the brain still
    answers; returns the list it fills.

    Patched on the class, so it reaches every brain — also those that G's Lambdas build from their
    own settings."""
    recorded: Recorded = []
    think = Brain.reply

    def reply(self: Brain, request: ModelRequest) -> ModelReply:
        caller = sys._getframe(1).f_globals.get("__name__", "")
        recorded.append((VENDORS.get(caller, caller), request))
        return think(self, request)

    monkeypatch.setattr(Brain, "reply", reply)
    return recorded


_ARROW = re.compile(r'<path data-from="(.*?)" data-to="(.*?)" d="[^"]*" fill="none" stroke="([^"]*)"')
_BOX = re.compile(r'<g data-node="(.*?)"><title>(.*?)</title>.*?<text[^>]*>(.*?)</text></g>', re.S)


def drawn_graphs(app) -> list[dict]:  # noqa: ANN001 - an AppTest, imported by the tests that use it
    """Every decision graph on an AppTest page, read from its SVG (`ui.graph_svg`): each box's id, title and
    label as written (escaped; a tooltip's line breaks, written `&#10;`, read back), and each arrow's two
    ends and colour."""
    graphs = []
    for element in app.markdown:
        markup = element.value
        if 'class="decision-graph"' not in markup:
            continue
        nodes = [{"id": node, "title": title.replace("&#13;", "\r").replace("&#10;", "\n"),
                  "label": "\n".join(re.findall(r"<tspan[^>]*>(.*?)</tspan>", text))}
                 for node, title, text in _BOX.findall(markup)]
        edges = [{"source": source, "to": to, "color": color} for source, to, color in _ARROW.findall(markup)]
        graphs.append({"nodes": nodes, "edges": edges})
    return graphs

