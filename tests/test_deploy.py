"""`deploy aws`: the plan passes botocore's validator; apply and destroy are tested on moto (IAM and
Lambda) and, for Bedrock Agents (which moto does not have), on botocore's Stubber, which checks every
request against the service's model as the real client would send it."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from orchestration.aws import deploy
from orchestration.cli import main
from orchestration.vendors.settings import Settings

SETTINGS = Settings(aws_access_key_id="AKIAFAKEDEPLOY000000", aws_secret_access_key="fake-deploy-secret-0123456789",
                    lambda_prefix="test-")
AGENTS = [d.name for d in deploy.agents()]


def test_the_dry_run_lists_every_resource_and_each_call_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", SETTINGS.aws_access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SETTINGS.aws_secret_access_key)
    out = io.StringIO()
    assert main(["deploy", "aws", "--dry-run", "--json"], out=out) == 0
    planned = json.loads(out.getvalue())
    assert planned["invalid"] == []
    operations = [(c["service"], c["operation"]) for c in planned["calls"]]
    assert operations.count(("iam", "CreateRole")) == 2
    assert operations.count(("lambda", "CreateFunction")) == len(deploy.functions()) == 3
    for operation in ("CreateAgent", "CreateAgentActionGroup", "PrepareAgent", "CreateAgentAlias"):
        assert operations.count(("bedrock-agent", operation)) == len(AGENTS) == 3
    assert ("lambda", "AddPermission") in operations
    assert operations.count(("dynamodb", "CreateTable")) == 1
    [table] = [c["params"] for c in planned["calls"] if c["operation"] == "CreateTable"]
    assert table["KeySchema"] == [{"AttributeName": "slot", "KeyType": "HASH"}]  # the slot id is the partition key
    assert {c["params"]["Environment"]["Variables"]["CALENDAR_DB"] for c in planned["calls"]
            if c["operation"] == "CreateFunction"} == {f"dynamodb://{table['TableName']}"}
    assert SETTINGS.aws_access_key_id not in out.getvalue() and SETTINGS.aws_secret_access_key not in out.getvalue()


def test_the_validator_catches_a_call_the_service_would_refuse() -> None:
    broken = deploy.Call("bedrock-agent", "CreateAgentAlias", {"agentId": "X"}, "no alias name")
    assert deploy.validate([broken]) and "agentAliasName" in deploy.validate([broken])[0]


@pytest.mark.parametrize(("prefix", "problem"), [
    ("p" * 107, ("iam.CreateRole: RoleName 'pppppppppppppppppppppppppppppppppppppppp'… is 127 characters long; "
                 "AWS allows at most 64")),
    ("../../", ("iam.CreateRole: RoleName '../../orchestration-lambda' does not match the pattern [\\w+=,.@-]+ "
                "that AWS requires")),
    ("court\nclub-", ("iam.CreateRole: RoleName 'court\\nclub-orchestration-lambda' does not match the pattern "
                      "[\\w+=,.@-]+ that AWS requires")),
])
def test_names_aws_would_refuse_are_refused_before_any_call(prefix: str, problem: str, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: botocore's validator leaves the models' `max` and `pattern` to the service, so the dry run
    passed a 127-character role name, a `../../` prefix and a newline. Refused in one line, real run or dry."""
    monkeypatch.setenv("LAMBDA_FUNCTION_PREFIX", prefix)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", SETTINGS.aws_access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SETTINGS.aws_secret_access_key)
    for args in (["deploy", "aws", "--dry-run"], ["deploy", "aws"]):  # the real run stops before its first call
        out = io.StringIO()
        assert main(args, out=out) == 2
        [line] = capsys.readouterr().err.splitlines()
        assert line.startswith(f"error: AWS would refuse {problem} (and ") and line.endswith("; nothing was made")
        assert out.getvalue() == ""
    out = io.StringIO()
    assert main(["deploy", "aws", "--dry-run", "--json"], out=out) == 2
    assert json.loads(out.getvalue())["invalid"][0] == problem


def test_every_string_is_checked_against_its_shape_at_any_depth() -> None:
    group = {"agentId": "PLANNED000", "agentVersion": "DRAFT", "actionGroupName": "book",
             "actionGroupExecutor": {"customControl": "RETURN_CONTROL"},
             "functionSchema": {"functions": [{"name": "book now", "description": "d" * 1201}]}}
    function = {"FunctionName": "f", "Role": "arn:aws:iam::123456789012:role/r", "Code": {"ZipFile": b""},
                "Timeout": 9000, "Environment": {"Variables": {"1BAD": "x"}}}
    assert deploy.validate([deploy.Call("bedrock-agent", "CreateAgentActionGroup", group, ""),
                            deploy.Call("lambda", "CreateFunction", function, "")]) == [
        ("bedrock-agent.CreateAgentActionGroup: functionSchema.functions[0].name 'book now' does not match the pattern "
         "([0-9a-zA-Z][_-]?){1,100} that AWS requires"),
        ("bedrock-agent.CreateAgentActionGroup: functionSchema.functions[0].description "
         "'dddddddddddddddddddddddddddddddddddddddd'… is 1201 characters long; AWS allows at most 1200"),
        "lambda.CreateFunction: Timeout is 9000; AWS allows at most 5400",
        ("lambda.CreateFunction: Environment.Variables key '1BAD' does not match the pattern [a-zA-Z]([a-zA-Z0-9_])+ "
         "that AWS requires"),
    ]


# --- apply and destroy ------------------------------------------------------------------------------


def _agent(agent_id: str, name: str) -> dict[str, Any]:
    return {"agentId": agent_id, "agentName": name,
            "agentArn": f"arn:aws:bedrock:us-east-1:123456789012:agent/{agent_id}",
            "agentStatus": "NOT_PREPARED", "agentVersion": "DRAFT", "idleSessionTTLInSeconds": 600,
            "agentResourceRoleArn": "arn:aws:iam::123456789012:role/r", "createdAt": "2025-12-01T00:00:00Z",
            "updatedAt": "2025-12-01T00:00:00Z", "foundationModel": "m", "instruction": "i" * 40}


def _stub_agents(stub: Stubber, exists: bool) -> None:
    """The Bedrock Agents calls `apply` makes for each agent: create on a fresh account, update on the next run."""
    summaries = [{"agentId": f"AGENT{n:05d}", "agentName": name, "agentStatus": "PREPARED",
                  "updatedAt": "2025-12-01T00:00:00Z"} for n, name in enumerate(AGENTS)]
    for n, name in enumerate(AGENTS):
        agent_id = f"AGENT{n:05d}"
        stub.add_response("list_agents", {"agentSummaries": summaries if exists else []}, {})
        if exists:
            stub.add_response("update_agent", {"agent": _agent(agent_id, name)},
                              {"agentId": agent_id, **{k: ANY for k in (
                "agentName", "instruction", "foundationModel", "agentResourceRoleArn", "idleSessionTTLInSeconds")}})
        else:
            stub.add_response("create_agent", {"agent": _agent(agent_id, name)}, {k: ANY for k in (
                "agentName", "instruction", "foundationModel", "agentResourceRoleArn", "idleSessionTTLInSeconds")})
        groups = [{"actionGroupId": f"GROUP{n:05d}", "actionGroupName": deploy.agents()[n].action_group,
                   "actionGroupState": "ENABLED",
                   "updatedAt": "2025-12-01T00:00:00Z"}] if exists else []
        stub.add_response("list_agent_action_groups", {"actionGroupSummaries": groups},
                          {"agentId": agent_id, "agentVersion": "DRAFT"})
        group = {"agentId": agent_id, "agentVersion": "DRAFT", "actionGroupId": f"GROUP{n:05d}", "actionGroupName": "g",
                 "actionGroupState": "ENABLED", "createdAt": "2025-12-01T00:00:00Z",
                 "updatedAt": "2025-12-01T00:00:00Z"}
        params = {k: ANY
                  for k in ("agentId", "agentVersion", "actionGroupName", "actionGroupExecutor", "functionSchema")}
        if exists:
            stub.add_response("update_agent_action_group", {"agentActionGroup": group}, params | {"actionGroupId": ANY})
        else:
            stub.add_response("create_agent_action_group", {"agentActionGroup": group}, params)
        stub.add_response("prepare_agent", {"agentId": agent_id, "agentStatus": "PREPARING", "agentVersion": "DRAFT",
                                            "preparedAt": "2025-12-01T00:00:00Z"}, {"agentId": agent_id})
        aliases = [{"agentAliasId": f"ALIAS{n:05d}", "agentAliasName": "live", "agentAliasStatus": "PREPARED",
                    "createdAt": "2025-12-01T00:00:00Z",
                    "updatedAt": "2025-12-01T00:00:00Z"}] if exists else []
        stub.add_response("list_agent_aliases", {"agentAliasSummaries": aliases}, {"agentId": agent_id})
        alias = {"agentAliasId": f"ALIAS{n:05d}", "agentAliasName": "live", "agentId": agent_id, "agentAliasArn":
                 f"arn:aws:bedrock:us-east-1:123456789012:agent-alias/{agent_id}/ALIAS{n:05d}",
                 "routingConfiguration": [],
                 "createdAt": "2025-12-01T00:00:00Z", "updatedAt": "2025-12-01T00:00:00Z",
                 "agentAliasStatus": "CREATING"}
        if exists:
            stub.add_response("update_agent_alias", {"agentAlias": alias},
                              {"agentId": agent_id, "agentAliasId": f"ALIAS{n:05d}", "agentAliasName": "live"})
        else:
            stub.add_response("create_agent_alias", {"agentAlias": alias},
                              {"agentId": agent_id, "agentAliasName": "live"})


@pytest.fixture
def aws() -> Iterator[tuple[dict[str, Any], Stubber]]:
    with mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
        session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                        region_name="us-east-1")
        clients = {name: session.client(name) for name in ("iam", "lambda", "bedrock-agent", "dynamodb")}
        with Stubber(clients["bedrock-agent"]) as stub:
            yield clients, stub


def test_apply_creates_then_updates_and_never_duplicates(aws: tuple[dict[str, Any], Stubber]) -> None:
    clients, stub = aws
    _stub_agents(stub, exists=False)
    first = deploy.apply(SETTINGS, clients.__getitem__)
    assert first.settings["BEDROCK_AGENT_ID"] == "AGENT00000" and first.settings["LAMBDA_FUNCTION_PREFIX"] == "test-"
    assert sorted(f["FunctionName"] for f in clients["lambda"].list_functions()["Functions"]) == \
        sorted(f"test-{name}" for name in deploy.functions())
    _stub_agents(stub, exists=True)
    second = deploy.apply(SETTINGS, clients.__getitem__)
    stub.assert_no_pending_responses()
    assert second.settings == first.settings
    assert all(step.startswith(("updated", "found", "Bedrock may already")) for step in second.done), second.done
    assert len(clients["lambda"].list_functions()["Functions"]) == 3
    assert len([r for r in clients["iam"].list_roles()["Roles"] if r["RoleName"].startswith("test-")]) == 2
    policy = json.loads(clients["lambda"].get_policy(FunctionName="test-court-booking-actions")["Policy"])
    assert [s["Principal"]["Service"] for s in policy["Statement"]] == ["bedrock.amazonaws.com"]
    assert clients["dynamodb"].list_tables()["TableNames"] == ["test-court-calendar"]
    assert first.settings["CALENDAR_URL"] == "dynamodb://test-court-calendar"
    table_policy = clients["iam"].get_role_policy(RoleName="test-orchestration-lambda", PolicyName="calendar-table")
    [statement] = table_policy["PolicyDocument"]["Statement"]
    assert statement["Resource"].endswith(":table/test-court-calendar") and "dynamodb:PutItem" in statement["Action"]


def test_destroy_removes_what_apply_made(aws: tuple[dict[str, Any], Stubber]) -> None:
    clients, stub = aws
    _stub_agents(stub, exists=False)
    deploy.apply(SETTINGS, clients.__getitem__)
    summaries = [{"agentId": f"AGENT{n:05d}", "agentName": name, "agentStatus": "PREPARED",
                  "updatedAt": "2025-12-01T00:00:00Z"} for n, name in enumerate(AGENTS)]
    stub.add_response("list_agents", {"agentSummaries": summaries}, {})
    for n in range(len(AGENTS)):
        stub.add_response("delete_agent", {"agentId": f"AGENT{n:05d}", "agentStatus": "DELETING"},
                          {"agentId": f"AGENT{n:05d}", "skipResourceInUseCheck": True})
    done = deploy.destroy(SETTINGS, clients.__getitem__)
    stub.assert_no_pending_responses()
    assert clients["lambda"].list_functions()["Functions"] == []
    assert [r for r in clients["iam"].list_roles()["Roles"] if r["RoleName"].startswith("test-")] == []
    assert clients["dynamodb"].list_tables()["TableNames"] == []
    assert len(done) == 3 + 3 + 2 + 1
