"""`deploy aws`: what the AWS patterns need (roles, Lambdas, Bedrock agents), or with `--dry-run` the calls
it would make; `--destroy` removes it (`orchestration.aws.deploy`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TextIO

from ..calendar.dynamodb import DynamoStore, names_a_table
from ..vendors.clients import Clients
from ..vendors.settings import Settings
from .common import _one_line


def _deploy(args: argparse.Namespace, out: TextIO) -> int:
    from ..aws import deploy

    settings = Settings.from_env()
    calendar_url = os.environ.get("CALENDAR_URL", "")
    if names_a_table(calendar_url):
        try:
            DynamoStore.at(calendar_url)
        except ValueError as error:
            print(f"error: CALENDAR_URL: {error}", file=sys.stderr)
            return 2
    calls = deploy.plan(settings)
    problems = deploy.validate(calls)  # names come from LAMBDA_FUNCTION_PREFIX and CALENDAR_URL: AWS may refuse them
    if args.dry_run and args.json:
        json.dump({"calls": [c.as_dict() for c in calls], "invalid": problems}, out, indent=2)
        print(file=out)
    if problems:
        more = f" (and {len(problems) - 1} more; --dry-run --json lists them all)" if len(problems) > 1 else ""
        print(f"error: AWS would refuse {_one_line(problems[0])}{more}; nothing was made", file=sys.stderr)
        return 2
    if args.dry_run:
        if not args.json:
            for n, call in enumerate(calls, start=1):
                print(f"{n:>2}. {call.service} {call.operation}: {call.why}", file=out)
        return 0
    if settings.mode("aws") != "real":
        print("error: deploy aws needs AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); "
              "--dry-run shows the calls without them", file=sys.stderr)
        return 2
    clients = Clients(settings)
    import botocore.exceptions

    try:
        if args.destroy:
            done, result = deploy.destroy(settings, clients.aws), {}
        else:
            deployed = deploy.apply(settings, clients.aws)
            done, result = deployed.done, deployed.settings
    except botocore.exceptions.BotoCoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except botocore.exceptions.ClientError as error:
        print(f"error: AWS refused: {error}", file=sys.stderr)
        return 1
    if args.json:
        json.dump({"done": done, "settings": result}, out, indent=2)
        print(file=out)
    else:
        print("\n".join(done), file=out)
        if result:
            print("\nSet these to use what was deployed:", file=out)
            print("\n".join(f"{k}={v}" for k, v in result.items()), file=out)
    return 0
