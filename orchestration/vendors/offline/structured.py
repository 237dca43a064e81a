"""Answers in a requested JSON shape: extraction for a parser, or a final answer fitted to a schema.

Extraction is what Pattern A-style callers ask for: no tools, a prompt or output format that wants
JSON, and the fields it names (`intent`, `date`, `time`, `court`, ...) read from the latest user
message. What is neither booking nor checking (cancelling, looking up, small talk, another language)
is `other` where the schema allows it; several courts go into a field for more courts, or leave a
field for one court null. `fill_schema` fits known values into any JSON schema by field name, so an
agent asked for structured output answers in that structure.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from typing import Any

from .dialogue import Tools, expecting_from, payload
from .protocol import ModelRequest
from .understanding import Facts, understand


def wants_extraction(request: ModelRequest, tools: Tools) -> bool:
    if tools.can_check or tools.can_book:
        return False
    if request.output_schema is not None:
        return True
    prompt = request.system + " " + (request.messages[-1].text if request.messages else "")
    return bool(re.search(r"\bjson\b", prompt, re.I)) and bool(_named_fields(prompt))


_KNOWN_FIELDS = ("intent", "date", "time", "court", "slot_id", "any_court")


def schema_in(text: str) -> dict[str, Any] | None:
    """A JSON schema written out in a prompt ("... follows this JSON schema: {...}"), if there is one."""
    at = re.search(r"\bschema\b[^{]*", text, re.I)
    if at is None:
        return None
    try:
        found, _ = json.JSONDecoder().raw_decode(text, at.end())
    except ValueError:
        return None
    return found if isinstance(found, dict) and ("properties" in found or "$defs" in found) else None


def _named_fields(prompt: str) -> list[str]:
    return [name for name in _KNOWN_FIELDS if re.search(rf"\b{name}\b", prompt)]


def extract(request: ModelRequest, today: date) -> dict[str, Any]:
    """The fields the prompt asks for, read from the latest user message.

    A short answer is read against the question it answers: the assistant message before it, or a
    "Previous question: ..." line the caller put in the prompt.
    """
    users = [m for m in request.messages if m.role == "user"]
    last_assistant = next((m for m in reversed(request.messages) if m.role == "assistant" and m.text), None)
    latest = users[-1].text if users else ""
    quoted = re.search(r"question\s*:\s*(.+)", latest, re.I)
    question = last_assistant.text if last_assistant else (quoted.group(1) if quoted else "")
    expecting = expecting_from(question)
    facts = understand(payload(latest), today, expecting) if users else Facts()
    if facts.intent == "check" and not facts.asks and expecting:  # "Can I have A?" answering "Which one?": a choice
        facts = replace(facts, intent=None)
    if facts.intent in ("greet", "thanks", "bye") and facts.has_booking_facts:  # "thanks, 4pm then": the facts count
        facts = replace(facts, intent=None)
    values = _fact_values(facts)
    if values["other_courts"] and "other_courts" not in _field_names(request.output_schema):
        values["court"] = None  # several courts do not fit a field for one: any one of them alone is not what was asked
    if request.output_schema:
        return fill_schema(request.output_schema, values)
    prompt = request.system + " " + latest
    schema = {"properties": {name: {"enum": _allowed(prompt, name)} if _allowed(prompt, name) else {}
                             for name in _named_fields(prompt)}}
    return fill_schema(schema, values)


def _allowed(prompt: str, name: str) -> list[str]:
    """Values the prompt allows for a field, when it lists them: `intent ("book", "check" or "other")`."""
    match = re.search(rf"\b{name}\s*(?:\(([^)]*)\)|:\s*([^.;\n]*))", prompt)
    listed = (match.group(1) or match.group(2) or "") if match else ""
    if not listed or re.search(r'"\w+"\s*(?:-|–|to|through)\s*"\w+"', listed):  # a range such as "A"-"D" is not a list
        return []
    quoted = re.findall(r'"([^"]+)"', listed)
    return quoted if len(quoted) >= 2 else []


def _field_names(schema: dict[str, Any] | None) -> set[str]:
    """The fields a JSON schema asks for, under their own names or the names they are read as."""
    if not schema:
        return set()
    names = set(_resolve(schema, schema.get("$defs", {})).get("properties", {}))
    return names | {_ALIASES[name] for name in names if name in _ALIASES}


def _fact_values(facts: Facts) -> dict[str, Any]:
    return {
        "intent": facts.intent,
        "date": facts.date.isoformat() if facts.date else None,
        "time": facts.time,
        "court": "any" if facts.any_court else facts.court,
        "other_courts": list(facts.courts[1:]),
        "slot_id": facts.slot_id,
        "any_court": facts.any_court,
    }


_INTENT_SYNONYMS = {
    "book": ("book", "booking", "reserve", "reservation"),
    "check": ("check", "check_availability", "availability", "query", "ask"),
    "confirm": ("confirm", "yes", "book"),
    "deny": ("deny", "no", "cancel", "other"),
    "cancel": ("cancel", "cancellation", "other", "unknown"),
    "recall": ("recall", "lookup", "list", "other", "unknown"),
    "other_language": ("other", "unknown"),
    "greet": ("greet", "greeting", "smalltalk", "small_talk", "chitchat", "other"),
    "thanks": ("thanks", "smalltalk", "small_talk", "chitchat", "other"),
    "bye": ("bye", "goodbye", "smalltalk", "small_talk", "chitchat", "other"),
    "off_topic": ("off_topic", "other", "unknown"),
    None: ("provide_info", "info", "answer"),
}


def fill_schema(schema: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A JSON object for `schema`, filled from known values by field name; unknown fields are null."""
    defs = schema.get("$defs", {})
    properties = _resolve(schema, defs).get("properties", {})
    result: dict[str, Any] = {}
    for name, prop in properties.items():
        prop = _resolve(prop, defs)
        value = _value_for(name, values)
        enum = prop.get("enum") or next((o["enum"] for o in prop.get("anyOf", []) if "enum" in o), None)
        if name == "intent" and enum:
            value = next((v for v in _INTENT_SYNONYMS.get(values.get("intent"), ()) if v in enum), None)
            if value is None and not _nullable(prop, defs):
                value = "other" if "other" in enum else enum[0]
        elif enum and value not in enum:
            value = None
        result[name] = _coerce(value, prop, defs)
    return result


def _value_for(name: str, values: dict[str, Any]) -> Any:
    return values.get(name, values.get(_ALIASES.get(name, ""), None))


_ALIASES = {"reply": "message", "text": "message", "summary": "message", "answer": "message",
            "response": "message", "open_slots": "slots", "available_slots": "slots", "slot_ids": "slots",
            "courts": "free_courts", "confirmation_code": "confirmation", "code": "confirmation",
            "more_courts": "other_courts", "extra_courts": "other_courts", "additional_courts": "other_courts"}
"""Other names a field is read as."""


def _kinds(prop: dict[str, Any], defs: dict[str, Any]) -> set[str | None]:
    """The JSON types a property allows, `anyOf` included."""
    return {prop.get("type")} | {_resolve(o, defs).get("type") for o in prop.get("anyOf", [])}


def _coerce(value: Any, prop: dict[str, Any], defs: dict[str, Any]) -> Any:
    kinds = _kinds(prop, defs)
    if value is None:
        if "null" in kinds or kinds == {None}:
            return None
        return {"boolean": False, "string": "", "array": [], "integer": 0, "number": 0, "object": {}}.get(
            next(k for k in kinds if k), None)
    if "array" in kinds and not isinstance(value, list):
        return [value]
    if "boolean" in kinds and not isinstance(value, bool):
        return bool(value)
    if kinds & {"string"} and not kinds & {"array", "object"} and not isinstance(value, str):
        return json.dumps(value) if isinstance(value, (dict, list)) else str(value)
    if "array" in kinds and isinstance(value, list):
        items = _resolve(prop.get("items", {}), defs) or _resolve(next(
            (o.get("items", {}) for o in prop.get("anyOf", []) if o.get("type") == "array"), {}), defs)
        if items.get("type") == "string":
            return [v if isinstance(v, str) else v.get("slot_id", json.dumps(v)) for v in value]
        if items.get("properties"):
            return [{k: (v.get(k) if isinstance(v, dict) else None) for k in items["properties"]} for v in value]
    return value


def _nullable(prop: dict[str, Any], defs: dict[str, Any]) -> bool:
    return "null" in _kinds(prop, defs)


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref") if isinstance(node, dict) else None
    if ref and ref.startswith("#/$defs/"):
        return defs.get(ref.split("/")[-1], {})
    return node if isinstance(node, dict) else {}
