"""`deploy aws`: what Patterns B, F and G need on AWS, made from the definitions the code already uses.

- IAM: a role the Lambdas run as, and a role the Bedrock agents run as (allowed to call their model).
- Lambda: the project packaged as one zip, deployed as each function `lambdas.FUNCTIONS` lists (the
  Bedrock action group `court-booking-actions`, and G's `availability-agent` and `booking-agent`),
  each named with the prefix the runtime invokes them by.
- Bedrock Agents: B's agent and F's two, each with its action group (a Lambda executor, or
  `RETURN_CONTROL`), rendered by `tools.py`; then `PrepareAgent` and an alias.
- The permission that lets Bedrock invoke the action-group Lambda.
- DynamoDB: the court calendar's table (`CALENDAR_URL`'s, else `PREFIXcourt-calendar`), which every
  Lambda opens (`CALENDAR_DB`), and the Lambdas' role's right to use it. Lambdas share no disk, so
  they cannot share a SQLite file.

Every step finds what exists by name first and updates it, so a second run changes things in place
and never makes a duplicate; `destroy` removes what `apply` made, in reverse. `plan` lists the calls
a fresh account needs, with their parameters, without credentials; `validate` checks each against
botocore's own models of the services — types and required members with botocore's validator, and every
value's length, range and pattern from the models' shapes, which that validator leaves to the service.
`deploy aws` refuses, before any call, a plan that AWS would refuse.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..calendar.dynamodb import (
    ACTIONS as TABLE_ACTIONS,
)
from ..calendar.dynamodb import (
    SCHEME as DYNAMODB,
)
from ..calendar.dynamodb import (
    DynamoStore,
    names_a_table,
    table_definition,
)
from ..patterns.bedrock_agents import AgentDefinition
from ..vendors.providers import Settings
from .lambdas import FUNCTIONS
from .lambdas.booking_actions import FUNCTION_NAME as ACTION_LAMBDA

ROOT = Path(__file__).resolve().parents[1]
RUNTIME = "python3.12"
ENTRY = "orchestration.aws.entry.handler"
"""The handler every deployed function runs: it finds the listed function by its own name."""
MANAGED_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
PLACEHOLDER = "PLANNED000"
"""Stands for an id AWS has not returned yet, in a plan (ten characters, as agent ids are)."""


@dataclass(frozen=True)
class Call:
    """One API call: which service, which operation (botocore's name), with what."""

    service: str
    operation: str
    params: Mapping[str, Any]
    why: str

    def as_dict(self) -> dict[str, Any]:
        params = dict(self.params)
        if "Code" in params:  # the zip itself is not worth printing
            params["Code"] = {"ZipFile": f"<{len(params['Code']['ZipFile'])} bytes: the project's zip>"}
        return {"service": self.service, "operation": self.operation, "params": params, "why": self.why}


@dataclass(frozen=True)
class Names:
    """What `deploy` calls things, from the settings' Lambda prefix."""

    prefix: str

    @property
    def lambda_role(self) -> str:
        return f"{self.prefix}orchestration-lambda"

    @property
    def agent_role(self) -> str:
        return f"{self.prefix}orchestration-bedrock-agent"

    def function(self, name: str) -> str:
        return self.prefix + name

    @property
    def table(self) -> str:
        """The calendar's table: the one `CALENDAR_URL` names, if it names one."""
        url = os.environ.get("CALENDAR_URL", "")
        return DynamoStore.at(url).table if names_a_table(url) else f"{self.prefix}court-calendar"


def agents() -> list[AgentDefinition]:
    """B's agent and F's two, as the patterns define them."""
    from ..patterns.b_bedrock_agent import BOOKING_AGENT
    from ..patterns.f_manager_bedrock.availability_agent import AVAILABILITY_AGENT
    from ..patterns.f_manager_bedrock.booking_agent import BOOKING_AGENT as RESERVATION_AGENT

    return [BOOKING_AGENT, AVAILABILITY_AGENT, RESERVATION_AGENT]


def functions() -> list[str]:
    """Every Lambda function the project has (`lambdas.FUNCTIONS`)."""
    return list(FUNCTIONS)


def package() -> bytes:
    """The `orchestration` package as a Lambda zip (sources only; the SDKs go in a layer)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(ROOT.rglob("*.py")):
            info = zipfile.ZipInfo(str(path.relative_to(ROOT.parent)), date_time=(2025, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def _trust(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def _agent_policy() -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*"}]})


def _table_policy(table_arn: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": list(TABLE_ACTIONS), "Resource": table_arn}]})


def _environment(settings: Settings) -> dict[str, str]:
    """What the functions read: never a key (G's Claude agent takes ANTHROPIC_API_KEY set by hand)."""
    return {"LAMBDA_FUNCTION_PREFIX": settings.lambda_prefix, "BEDROCK_MODEL_ID": settings.models()["aws"],
            "CALENDAR_DB": f"{DYNAMODB}{Names(settings.lambda_prefix).table}"}


def _function_params(name: str, role_arn: str, settings: Settings, code: bytes) -> dict[str, Any]:
    return {"FunctionName": Names(settings.lambda_prefix).function(name), "Runtime": RUNTIME, "Role": role_arn,
            "Handler": ENTRY, "Code": {"ZipFile": code}, "Timeout": 60, "MemorySize": 512,
            "Environment": {"Variables": _environment(settings)}}


def _agent_params(definition: AgentDefinition, role_arn: str, settings: Settings) -> dict[str, Any]:
    return {"agentName": definition.name, "instruction": definition.instruction,
            "foundationModel": settings.models()["aws"], "agentResourceRoleArn": role_arn,
            "idleSessionTTLInSeconds": 600}


def _action_group_params(definition: AgentDefinition, agent_id: str, action_arn: str,
                         settings: Settings) -> dict[str, Any]:
    group = definition.as_request(settings.models()["aws"], bool(settings.bedrock_return_control))["actionGroups"][0]
    executor = group["actionGroupExecutor"]
    if "lambda" in executor:
        executor = {"lambda": action_arn}
    return {"agentId": agent_id, "agentVersion": "DRAFT", "actionGroupName": group["actionGroupName"],
            "actionGroupExecutor": executor, "functionSchema": group["functionSchema"]}


def plan(settings: Settings, account: str = "123456789012") -> list[Call]:
    """The calls a fresh account needs, in order, with ids AWS would return shown as placeholders."""
    names, code = Names(settings.lambda_prefix), package()
    region = settings.aws_region
    lambda_role = f"arn:aws:iam::{account}:role/{names.lambda_role}"
    agent_role = f"arn:aws:iam::{account}:role/{names.agent_role}"
    action_arn = f"arn:aws:lambda:{region}:{account}:function:{names.function(ACTION_LAMBDA)}"
    table_arn = f"arn:aws:dynamodb:{region}:{account}:table/{names.table}"
    calls = [
        Call("dynamodb", "CreateTable", table_definition(names.table), "the court calendar"),
        Call("iam", "CreateRole",
             {"RoleName": names.lambda_role, "AssumeRolePolicyDocument": _trust("lambda.amazonaws.com")},
             "the role the Lambdas run as"),
        Call("iam", "AttachRolePolicy", {"RoleName": names.lambda_role, "PolicyArn": MANAGED_POLICY},
             "logs for the Lambdas"),
        Call("iam", "PutRolePolicy", {"RoleName": names.lambda_role, "PolicyName": "calendar-table",
                                      "PolicyDocument": _table_policy(table_arn)}, "the Lambdas may use the calendar"),
        Call("iam", "CreateRole",
             {"RoleName": names.agent_role, "AssumeRolePolicyDocument": _trust("bedrock.amazonaws.com")},
             "the role the Bedrock agents run as"),
        Call("iam", "PutRolePolicy", {"RoleName": names.agent_role, "PolicyName": "invoke-model",
                                      "PolicyDocument": _agent_policy()}, "the agents may call their model"),
    ]
    calls += [Call("lambda", "CreateFunction", _function_params(name, lambda_role, settings, code),
                   f"the {name} function")
              for name in functions()]
    for definition in agents():
        calls += [
            Call("bedrock-agent", "CreateAgent", _agent_params(definition, agent_role, settings),
                 f"the agent {definition.name}"),
            Call("bedrock-agent", "CreateAgentActionGroup",
                 _action_group_params(definition, PLACEHOLDER, action_arn, settings), "its action group"),
            Call("bedrock-agent", "PrepareAgent", {"agentId": PLACEHOLDER}, "make the draft invocable"),
            Call("bedrock-agent", "CreateAgentAlias", {"agentId": PLACEHOLDER, "agentAliasName": "live"},
                 "an alias to invoke"),
        ]
    calls.append(Call("lambda", "AddPermission", {
        "FunctionName": names.function(ACTION_LAMBDA), "StatementId": "bedrock-agents",
        "Action": "lambda:InvokeFunction",
        "Principal": "bedrock.amazonaws.com", "SourceArn": f"arn:aws:bedrock:{region}:{account}:agent/*"},
        "Bedrock may invoke the action group"))
    return calls


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


# --- Making it: find by name, then create or update ------------------------------------------------


@dataclass
class Deployed:
    """What `apply` made or found: the settings a user sets afterwards."""

    settings: dict[str, str] = field(default_factory=dict)
    done: list[str] = field(default_factory=list)


def apply(settings: Settings, clients: Callable[[str], Any]) -> Deployed:
    """Create or update everything; `clients(service)` gives a boto3 client. Safe to run again."""
    names, deployed, code = Names(settings.lambda_prefix), Deployed(), package()
    iam, lam, bedrock = clients("iam"), clients("lambda"), clients("bedrock-agent")
    table_arn = _table(clients("dynamodb"), names.table, deployed)
    lambda_role = _role(iam, names.lambda_role, "lambda.amazonaws.com", deployed)
    iam.attach_role_policy(RoleName=names.lambda_role, PolicyArn=MANAGED_POLICY)
    iam.put_role_policy(RoleName=names.lambda_role, PolicyName="calendar-table",
                        PolicyDocument=_table_policy(table_arn))
    agent_role = _role(iam, names.agent_role, "bedrock.amazonaws.com", deployed)
    iam.put_role_policy(RoleName=names.agent_role, PolicyName="invoke-model", PolicyDocument=_agent_policy())
    arns = {name: _function(lam, name, lambda_role, settings, code, deployed) for name in functions()}
    for definition in agents():
        agent_id, alias_id = _agent(bedrock, definition, agent_role, arns[ACTION_LAMBDA], settings, deployed)
        for field_name, value in zip(definition.settings_ids, (agent_id, alias_id), strict=True):
            deployed.settings[field_name.upper()] = value
    _permission(lam, arns[ACTION_LAMBDA], settings, deployed)
    deployed.settings |= {"LAMBDA_MODE": "aws", "LAMBDA_FUNCTION_PREFIX": settings.lambda_prefix,
                          "CALENDAR_URL": f"{DYNAMODB}{names.table}"}
    return deployed


def _table(dynamodb: Any, name: str, deployed: Deployed) -> str:
    """The calendar's table, made if missing (kept as it is if found: it holds the bookings)."""
    try:
        arn = dynamodb.describe_table(TableName=name)["Table"]["TableArn"]
        deployed.done.append(f"found table {name}")
    except dynamodb.exceptions.ResourceNotFoundException:
        arn = dynamodb.create_table(**table_definition(name))["TableDescription"]["TableArn"]
        deployed.done.append(f"created table {name}")
    return arn


def _role(iam: Any, name: str, service: str, deployed: Deployed) -> str:
    try:
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=_trust(service))
        deployed.done.append(f"updated role {name}")
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust(service))["Role"]["Arn"]
        deployed.done.append(f"created role {name}")
    return arn


def _function(lam: Any, name: str, role_arn: str, settings: Settings, code: bytes, deployed: Deployed) -> str:
    params = _function_params(name, role_arn, settings, code)
    try:
        lam.get_function(FunctionName=params["FunctionName"])
    except lam.exceptions.ResourceNotFoundException:
        arn = lam.create_function(**params)["FunctionArn"]
        deployed.done.append(f"created function {params['FunctionName']}")
        return arn
    lam.update_function_code(FunctionName=params["FunctionName"], ZipFile=code)
    configuration = {k: v for k, v in params.items() if k not in ("Code",)}
    _when_ready(lam, params["FunctionName"])
    arn = lam.update_function_configuration(**configuration)["FunctionArn"]
    deployed.done.append(f"updated function {params['FunctionName']}")
    return arn


def _when_ready(lam: Any, name: str) -> None:
    """Lambda refuses a configuration update while a code update is still in progress."""
    try:
        lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    except Exception:  # noqa: BLE001 - a service without the waiter's field (an emulator): go on
        pass


def _pages(method: Callable[..., Any], key: str, **params: Any) -> Iterator[dict[str, Any]]:
    token = None
    for _ in range(100):  # a cap: 100 pages of summaries is far more than one account holds
        page = method(**params, **({"nextToken": token} if token else {}))
        yield from page.get(key, [])
        token = page.get("nextToken")
        if not token:
            return


def _agent(bedrock: Any, definition: AgentDefinition, role_arn: str, action_arn: str, settings: Settings,
           deployed: Deployed) -> tuple[str, str]:
    params = _agent_params(definition, role_arn, settings)
    found = next((a for a in _pages(bedrock.list_agents, "agentSummaries") if a["agentName"] == definition.name), None)
    if found is None:
        agent_id = bedrock.create_agent(**params)["agent"]["agentId"]
        deployed.done.append(f"created agent {definition.name}")
    else:
        agent_id = found["agentId"]
        bedrock.update_agent(agentId=agent_id, **params)
        deployed.done.append(f"updated agent {definition.name}")
    group = _action_group_params(definition, agent_id, action_arn, settings)
    existing = next((g for g in _pages(bedrock.list_agent_action_groups, "actionGroupSummaries", agentId=agent_id,
                                       agentVersion="DRAFT") if g["actionGroupName"] == group["actionGroupName"]), None)
    if existing is None:
        bedrock.create_agent_action_group(**group)
    else:
        bedrock.update_agent_action_group(actionGroupId=existing["actionGroupId"], **group)
    bedrock.prepare_agent(agentId=agent_id)
    alias = next((a for a in _pages(bedrock.list_agent_aliases, "agentAliasSummaries", agentId=agent_id)
                  if a["agentAliasName"] == "live"), None)
    if alias is None:
        alias_id = bedrock.create_agent_alias(agentId=agent_id, agentAliasName="live")["agentAlias"]["agentAliasId"]
    else:
        alias_id = alias["agentAliasId"]
        bedrock.update_agent_alias(agentId=agent_id, agentAliasId=alias_id, agentAliasName="live")
    return agent_id, alias_id


def _permission(lam: Any, function_arn: str, settings: Settings, deployed: Deployed) -> None:
    function_name, account = function_arn.split(":")[6], function_arn.split(":")[4]
    try:
        statements = json.loads(lam.get_policy(FunctionName=function_name)["Policy"]).get("Statement", [])
    except lam.exceptions.ResourceNotFoundException:  # no policy yet
        statements = []
    if any(statement.get("Sid") == "bedrock-agents" for statement in statements):
        deployed.done.append(f"Bedrock may already invoke {function_name}")
        return
    lam.add_permission(FunctionName=function_name, StatementId="bedrock-agents", Action="lambda:InvokeFunction",
                       Principal="bedrock.amazonaws.com",
                       SourceArn=f"arn:aws:bedrock:{settings.aws_region}:{account}:agent/*")
    deployed.done.append(f"let Bedrock invoke {function_name}")


def destroy(settings: Settings, clients: Callable[[str], Any]) -> list[str]:
    """Remove what `apply` made, agents first; what is already gone is skipped."""
    names, done = Names(settings.lambda_prefix), []
    iam, lam, bedrock = clients("iam"), clients("lambda"), clients("bedrock-agent")
    wanted = {d.name for d in agents()}
    for agent in list(_pages(bedrock.list_agents, "agentSummaries")):
        if agent["agentName"] in wanted:
            bedrock.delete_agent(agentId=agent["agentId"], skipResourceInUseCheck=True)
            done.append(f"deleted agent {agent['agentName']}")
    for name in functions():
        try:
            lam.delete_function(FunctionName=names.function(name))
            done.append(f"deleted function {names.function(name)}")
        except lam.exceptions.ResourceNotFoundException:
            pass
    for role, detach, inline in ((names.lambda_role, True, "calendar-table"),
                                 (names.agent_role, False, "invoke-model")):
        try:
            if detach:
                iam.detach_role_policy(RoleName=role, PolicyArn=MANAGED_POLICY)
            iam.delete_role_policy(RoleName=role, PolicyName=inline)
            iam.delete_role(RoleName=role)
            done.append(f"deleted role {role}")
        except iam.exceptions.NoSuchEntityException:
            pass
    dynamodb = clients("dynamodb")
    try:
        dynamodb.delete_table(TableName=names.table)
        done.append(f"deleted table {names.table} and every booking in it")
    except dynamodb.exceptions.ResourceNotFoundException:
        pass
    return done
