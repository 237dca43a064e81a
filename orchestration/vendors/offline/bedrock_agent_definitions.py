"""What a Bedrock agent is, read from the CreateAgent and CreateAgentActionGroup fields it is deployed with.

`read_definition` checks a definition as the control plane would (name and instruction lengths,
executors that are a Lambda or `RETURN_CONTROL`, typed function parameters) and turns it into the
`Agent` the emulated runtime (`bedrock_agents.py`) runs: each function becomes a tool the model sees
as `<actionGroup>__<function>`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .protocol import ToolDef

InvokeLambda = Callable[[str, dict[str, Any]], Any]
"""`(function_name, event) -> result`: how the service reaches an action group's Lambda."""

_NAME = re.compile(r"^([0-9a-zA-Z][_-]?){1,100}$")
_LAMBDA_ARN = re.compile(r"^arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:function:"
                         r"(?P<name>[a-zA-Z0-9_.-]+)(:(\$LATEST|[a-zA-Z0-9_-]+))?$")
_FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_PARAMETER_TYPES = ("string", "number", "integer", "boolean", "array")


@dataclass(frozen=True)
class Action:
    """One function of an action group, and the tool the model sees for it."""

    group: str
    function: str
    lambda_name: str | None
    """Lambda function name, or None when the group returns control to the caller."""
    types: dict[str, str]
    """Parameter name -> Bedrock parameter type."""
    tool: ToolDef


@dataclass(frozen=True)
class Agent:
    """A deployed agent: its definition as given, read into what the runtime needs."""

    id: str
    name: str
    instruction: str
    foundation_model: str
    actions: dict[str, Action]
    """Tool name (`<group>__<function>`) -> action."""
    definition: dict[str, Any]
    invoke_lambda: InvokeLambda | None


def read_definition(definition: Mapping[str, Any], invoke_lambda: InvokeLambda | None) -> Agent:
    """An `Agent` from CreateAgent + CreateAgentActionGroup fields (raises `ValueError` when invalid)."""
    plain = json.loads(json.dumps(definition))
    name, instruction, model = plain.get("agentName"), plain.get("instruction"), plain.get("foundationModel")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"agentName must be 1-100 letters and digits, optionally joined by _ or -; got {name!r}")
    if not isinstance(instruction, str) or not 40 <= len(instruction) <= 4000:
        raise ValueError("instruction must be a string of 40 to 4000 characters, as CreateAgent requires")
    if not isinstance(model, str) or not model:
        raise ValueError("foundationModel must name a model, e.g. 'amazon.nova-lite-v1:0'")
    actions: dict[str, Action] = {}
    for group in plain.get("actionGroups") or []:
        for action in _read_group(group, invoke_lambda):
            if action.tool.name in actions:
                raise ValueError(f"function {action.function!r} appears twice in action group {action.group!r}")
            actions[action.tool.name] = action
    agent_id = base64.b32encode(hashlib.sha256(name.encode()).digest()).decode()[:10]
    return Agent(agent_id, name, instruction, model, actions, plain, invoke_lambda)


def _read_group(group: Any, invoke_lambda: InvokeLambda | None) -> list[Action]:
    name = group.get("actionGroupName") if isinstance(group, dict) else None
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"actionGroupName must be 1-100 letters and digits, optionally joined by _ or -; got {name!r}")
    executor = group.get("actionGroupExecutor") or {}
    if executor == {"customControl": "RETURN_CONTROL"}:
        lambda_name = None
    elif set(executor) == {"lambda"} and isinstance(executor["lambda"], str):
        arn = _LAMBDA_ARN.match(executor["lambda"])
        lambda_name = arn["name"] if arn else executor["lambda"]
        if not (arn or _FUNCTION_NAME.match(lambda_name)):
            raise ValueError(f"{name}: actionGroupExecutor.lambda must be a Lambda function ARN or name")
        if invoke_lambda is None:
            raise ValueError(f"{name}: a Lambda executor needs invoke_lambda to reach {lambda_name!r}")
    else:
        raise ValueError(f'{name}: actionGroupExecutor must be {{"lambda": <ARN or name>}} '
                         f'or {{"customControl": "RETURN_CONTROL"}}, not {executor!r}')
    functions = (group.get("functionSchema") or {}).get("functions")
    if not isinstance(functions, list) or not functions:
        raise ValueError(f"{name}: functionSchema.functions must list at least one function")
    return [_read_function(name, lambda_name, function) for function in functions]


def _read_function(group: str, lambda_name: str | None, function: Any) -> Action:
    name = function.get("name") if isinstance(function, dict) else None
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"{group}: each function needs a name of letters and digits, optionally joined by _ or -")
    properties: dict[str, Any] = {}
    required: list[str] = []
    for pname, detail in (function.get("parameters") or {}).items():
        if not isinstance(detail, dict) or detail.get("type") not in _PARAMETER_TYPES:
            raise ValueError(f"{group}.{name}.{pname}: type must be one of {', '.join(_PARAMETER_TYPES)}")
        properties[pname] = {"type": detail["type"], "description": detail.get("description", "")}
        if detail.get("required"):
            required.append(pname)
    schema = {"type": "object", "properties": properties, "required": required}
    types = {pname: prop["type"] for pname, prop in properties.items()}
    return Action(group, name, lambda_name, types, ToolDef(f"{group}__{name}", function.get("description", ""), schema))
