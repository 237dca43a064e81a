"""Applying the plan with boto3: find each thing by name, then create or update it (`apply`), or
remove what `apply` made (`destroy`). The parameters are the plan's (`planning.py`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ...calendar.dynamodb import (
    SCHEME as DYNAMODB,
)
from ...calendar.dynamodb import table_definition
from ...patterns.bedrock_agents import AgentDefinition
from ...vendors.settings import Settings
from ..lambdas.booking_actions import FUNCTION_NAME as ACTION_LAMBDA
from .planning import (
    MANAGED_POLICY,
    Names,
    _action_group_params,
    _agent_params,
    _agent_policy,
    _function_params,
    _table_policy,
    _trust,
    agents,
    functions,
    package,
)


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
