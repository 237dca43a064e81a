"""OTLP/JSON read as spans: what a step needs of each span (`_Span`), its attributes as plain data, and the
GenAI operations the readers know."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .common import MAX_SPANS, TraceFileError, _short
from .decode import _check_depth, _reject_constant

_MODEL_OPERATIONS = ("chat", "text_completion", "generate_content")

_RUNS = ("invoke_agent", "invoke_workflow")

_OPERATIONS = (*_MODEL_OPERATIONS, *_RUNS, "execute_tool", "embeddings", "create_agent", "retrieval")

_TOOL_FINISHES = ("tool_calls", "tool_call", "tool_use", "function_call")



@dataclass(frozen=True)
class _Span:
    """What a step needs of one OTLP span."""

    trace: str
    id: str
    parent: str
    name: str
    start: int
    end: int
    attributes: Mapping[str, Any]
    error: str | None
    """The status message (or `error.type`) of a span whose status is ERROR; None otherwise."""
    order: int
    """Position in the file, to keep spans that started together in the file's order."""

    @property
    def operation(self) -> str | None:
        found = self.attributes.get("gen_ai.operation.name")
        if isinstance(found, str) and found:
            return found
        first = self.name.split(" ", 1)[0]
        return first if first in _OPERATIONS else None



@dataclass
class _Conversation:
    spans: list[_Span] = field(default_factory=list)
    traces: list[str] = field(default_factory=list)



def _spans(requests: list[dict[str, Any]]) -> list[_Span]:
    found: list[_Span] = []
    for request in requests:
        for resource in _list(request.get("resourceSpans")):
            for scope in _list(resource.get("scopeSpans") or resource.get("instrumentationLibrarySpans")):
                for raw in _list(scope.get("spans")):
                    if len(found) >= MAX_SPANS:
                        raise TraceFileError(f"This OTLP file has more than {MAX_SPANS:,} spans; "
                                             "the page opens up to that.")
                    found.append(_span(raw, len(found)))
    return found



def _list(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise TraceFileError("This OTLP file is not shaped as OTLP/JSON: resourceSpans, scopeSpans and spans should "
                             "be lists of objects.")
    return value



def _span(raw: dict[str, Any], n: int) -> _Span:
    where = f"Span {n + 1} of this OTLP file"
    trace, span, parent, name = (raw.get(k, "") for k in ("traceId", "spanId", "parentSpanId", "name"))
    if not (isinstance(trace, str) and trace and isinstance(span, str) and span and isinstance(parent, str)
            and isinstance(name, str)):
        raise TraceFileError(f"{where} has no traceId and spanId as strings (or its name or parentSpanId is not one).")
    start, end = _nanos(raw.get("startTimeUnixNano"), where), _nanos(raw.get("endTimeUnixNano"), where)
    attributes = _attributes(raw.get("attributes"), where)
    status = raw.get("status") if isinstance(raw.get("status"), dict) else {}
    error = None
    if status.get("code") in (2, "2", "STATUS_CODE_ERROR"):
        message = status.get("message") or attributes.get("error.type") or "error"
        error = _short(message if isinstance(message, str) else str(message), 200)
    return _Span(trace, span, parent, name, start, max(end, start), attributes, error, n)



def _nanos(value: Any, where: str) -> int:
    if value is None:
        return 0
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TraceFileError(f"{where}: its start and end times should be whole numbers of nanoseconds.")
    return value



def _attributes(raw: Any, where: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise TraceFileError(f"{where}: its attributes should be a list of {{key, value}}.")
    return {item["key"]: _value(item.get("value")) for item in raw
            if isinstance(item, dict) and isinstance(item.get("key"), str)}



def _value(value: Any) -> Any:
    """An OTLP `AnyValue` as plain data (int64s arrive as strings in OTLP/JSON)."""
    if not isinstance(value, dict):
        return None
    if "stringValue" in value:
        return value["stringValue"] if isinstance(value["stringValue"], str) else None
    if "intValue" in value:
        try:
            return int(value["intValue"])
        except (TypeError, ValueError):
            return None
    if "doubleValue" in value:
        found = value["doubleValue"]
        return float(found) if isinstance(found, (int, float, str)) and _is_float(found) else None
    if "boolValue" in value:
        return value["boolValue"] is True
    if "arrayValue" in value:
        items = value["arrayValue"].get("values") if isinstance(value["arrayValue"], dict) else None
        return [_value(item) for item in items] if isinstance(items, list) else []
    if "kvlistValue" in value:
        items = value["kvlistValue"].get("values") if isinstance(value["kvlistValue"], dict) else None
        return {i["key"]: _value(i.get("value")) for i in items or []
                if isinstance(i, dict) and isinstance(i.get("key"), str)}
    return None



def _embedded(text: str) -> Any:
    """JSON inside an attribute's string (tool arguments, output messages) as data; else the text."""
    try:
        found = json.loads(text, parse_constant=_reject_constant)
        _check_depth(found, "An attribute")
    except (ValueError, RecursionError):  # TraceFileError is a ValueError
        return text
    return found



def _is_float(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False



def _whole(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0
