"""The plan: what `deploy aws` makes, as the API calls a fresh account needs, with their parameters.

What things are called (`Names`, from the Lambda prefix), what is deployed (`agents()`, `functions()`,
`package()`, the project's zip), and each call's parameters, which `applying.py` sends as they are here.
Needs no credentials and makes no call.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...calendar.dynamodb import (
    ACTIONS as TABLE_ACTIONS,
)
from ...calendar.dynamodb import (
    SCHEME as DYNAMODB,
)
from ...calendar.dynamodb import (
    DynamoStore,
    names_a_table,
    table_definition,
)
from ...patterns.bedrock_agents import AgentDefinition
from ...vendors.settings import Settings
from ..lambdas import FUNCTIONS
from ..lambdas.booking_actions import FUNCTION_NAME as ACTION_LAMBDA

ROOT = Path(__file__).resolve().parents[2]
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
    from ...patterns.b_bedrock_agent import BOOKING_AGENT
    from ...patterns.f_manager_bedrock.availability_agent import AVAILABILITY_AGENT
    from ...patterns.f_manager_bedrock.booking_agent import BOOKING_AGENT as RESERVATION_AGENT

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
