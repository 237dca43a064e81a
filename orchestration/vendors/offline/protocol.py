"""What a model sees and what it says back, independent of any vendor's wire format.

Every protocol adapter (OpenAI Chat Completions, OpenAI Responses, Anthropic Messages,
Bedrock Converse, ...) turns a vendor request into a `ModelRequest`, asks the brain, and turns
the `ModelReply` back into that vendor's response. Nothing here says which orchestration pattern
is calling: the brain only ever gets the system prompt, the messages, the tool schemas and an
optional output format, exactly like a hosted model.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

MODEL_LABEL = "offline model (rule-based)"
"""How the offline model is named wherever a user can see it."""


@dataclass(frozen=True)
class ToolDef:
    """A tool the model may call, as the vendor request described it."""

    name: str
    """Tool name, e.g. `check_availability`."""
    description: str
    """Free text the caller wrote about the tool."""
    parameters: dict[str, Any]
    """JSON schema of the arguments object."""


@dataclass(frozen=True)
class ToolCall:
    """One call the model asks the caller to make."""

    name: str
    """Name of the tool to call."""
    arguments: str
    """Arguments as the JSON text the model wrote (may be invalid: callers must validate)."""
    id: str = ""
    """Call id; adapters assign one in their vendor's style when the brain leaves it empty."""


@dataclass(frozen=True)
class ToolResult:
    """The caller's answer to one earlier tool call."""

    call_id: str
    """Id of the call this answers."""
    content: str
    """Result as text (often JSON)."""
    name: str = ""
    """Tool name when the wire format carries it or the adapter could resolve it."""
    is_error: bool = False
    """True when the caller marked the result as an error."""


@dataclass(frozen=True)
class Message:
    """One turn of the conversation, in the order the caller sent them."""

    role: Literal["user", "assistant", "tool"]
    """Who spoke: the user, the model itself earlier, or the caller returning tool results."""
    text: str = ""
    """Plain text of the turn (concatenated text parts)."""
    tool_calls: tuple[ToolCall, ...] = ()
    """Tool calls the model made in this (assistant) turn."""
    tool_results: tuple[ToolResult, ...] = ()
    """Tool results the caller sent back in this (tool) turn."""


@dataclass(frozen=True)
class ModelRequest:
    """Everything a hosted model would receive for one call."""

    model: str
    """Model id the caller asked for."""
    system: str = ""
    """System prompt or instructions (empty when none)."""
    messages: tuple[Message, ...] = ()
    """The conversation so far."""
    tools: tuple[ToolDef, ...] = ()
    """Tools offered for this call."""
    output_schema: dict[str, Any] | None = None
    """A requested JSON output format: a JSON schema, `{}` for "any JSON object", None for text."""
    tool_choice: str = "auto"
    """`auto`, `required`, `none`, or the name of a tool the model must call."""
    temperature: float | None = None
    """Sampling temperature the caller set (None: the model's default); the offline model ignores it."""
    max_tokens: int | None = None
    """Output token bound the caller set (None: the model's default); the offline model ignores it."""


@dataclass(frozen=True)
class Usage:
    """Estimated token counts for one call (about four characters per token)."""

    input_tokens: int = 0
    """Tokens read."""
    output_tokens: int = 0
    """Tokens written."""


@dataclass(frozen=True)
class ModelReply:
    """What the model says back: text, tool calls, or both."""

    text: str = ""
    """Text for the caller (the reply, or JSON in extraction mode)."""
    tool_calls: tuple[ToolCall, ...] = ()
    """Tool calls, in the order the caller should run them."""
    usage: Usage = field(default_factory=Usage)
    """Estimated token usage, reported in each protocol's own usage fields."""

    @property
    def stop_reason(self) -> Literal["tool_calls", "end"]:
        """Why the model stopped: it wants tools run, or it is done."""
        return "tool_calls" if self.tool_calls else "end"


def estimate_tokens(text: str) -> int:
    """Rough token count of `text`: one token per four characters, at least one if non-empty."""
    return math.ceil(len(text) / 4) if text else 0


def request_tokens(request: ModelRequest) -> int:
    """Estimated input tokens: system prompt, messages and tool schemas as a model would read them."""
    parts = [request.system]
    for message in request.messages:
        parts.append(message.text)
        parts.extend(f"{c.name}({c.arguments})" for c in message.tool_calls)
        parts.extend(r.content for r in message.tool_results)
    parts.extend(json.dumps([t.name, t.description, t.parameters]) for t in request.tools)
    if request.output_schema is not None:
        parts.append(json.dumps(request.output_schema))
    return sum(estimate_tokens(p) for p in parts) + 4 * len(request.messages)


def reply_tokens(text: str, tool_calls: tuple[ToolCall, ...]) -> int:
    """Estimated output tokens of a reply."""
    return estimate_tokens(text) + sum(estimate_tokens(c.name + c.arguments) for c in tool_calls)
