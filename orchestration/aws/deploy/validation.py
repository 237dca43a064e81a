"""Checking a plan against AWS's rules before any call: botocore's own validator (types, required
members, minimums), and every value's `max` and `pattern` from the services' models, which that
validator leaves to the service.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from .planning import Call


def validate(calls: list[Call]) -> list[str]:
    """What AWS would refuse in `calls`, one line per problem, naming the call, the parameter and the rule.

    botocore's own validator checks types, required members and minimums; it leaves the models' `max`
    and `pattern` to the service, so those are checked here against each shape's metadata (a 127-character
    role name, a name with `/` or a newline in it)."""
    import botocore.session
    from botocore.validate import ParamValidator

    session, validator, problems = botocore.session.get_session(), ParamValidator(), []
    for call in calls:
        model = session.get_service_model(call.service).operation_model(call.operation)
        report = validator.validate(dict(call.params), model.input_shape)
        found = report.generate_report().splitlines() if report.has_errors() else []
        found += _constraints(call.params, model.input_shape, "")
        problems += [f"{call.service}.{call.operation}: {problem}" for problem in found]
    return problems


def _constraints(value: Any, shape: Any, name: str) -> list[str]:
    """Where `value` breaks its model `shape`'s `max` (length, count or size) or `pattern`, recursively."""
    rules, kind = shape.metadata, shape.type_name
    if kind == "structure" and isinstance(value, Mapping):
        return [problem for member, inner in value.items() if member in shape.members
                for problem in _constraints(inner, shape.members[member], f"{name}.{member}" if name else member)]
    if kind == "list" and isinstance(value, list):
        items = [problem for n, item in enumerate(value)
                 for problem in _constraints(item, shape.member, f"{name}[{n}]")]
        if len(value) > rules.get("max", len(value)):
            return [f"{name} has {len(value)} items; AWS allows at most {rules['max']}", *items]
        return items
    if kind == "map" and isinstance(value, Mapping):
        return [problem for key, inner in value.items() for problem in
                (*_constraints(key, shape.key, f"{name} key"), *_constraints(inner, shape.value, f"{name}.{key}"))]
    if kind == "string" and isinstance(value, str):
        shown = repr(value) if len(value) <= 40 else repr(value[:40]) + "…"
        if len(value) > rules.get("max", len(value)):
            return [f"{name} {shown} is {len(value)} characters long; AWS allows at most {rules['max']}"]
        pattern = _pattern(rules.get("pattern", ""))
        if pattern is not None and not pattern.fullmatch(value):
            return [f"{name} {shown} does not match the pattern {rules['pattern']} that AWS requires"]
    number = kind in ("integer", "long", "float", "double") and isinstance(value, (int, float))
    if number and value > rules.get("max", value):
        return [f"{name} is {value}; AWS allows at most {rules['max']}"]
    return []


@cache
def _pattern(text: str) -> re.Pattern[str] | None:
    """A model's pattern as AWS applies it: to the whole value, `\\w` and `\\d` in ASCII as in Java. None when
    there is none, or Python cannot read it (Java's `\\p{L}` classes, only in tags, which no planned call sends)."""
    try:
        return re.compile(text, re.ASCII) if text else None
    except re.error:
        return None
