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

Here: `planning.py` (what to make: names, the zip, each call's parameters), `validation.py` (the
plan against the services' models) and `applying.py` (`apply` and `destroy`, with boto3); named so
that none shadows the function it holds. `planning.py` may import `calendar`, `patterns`, `vendors`
and `lambdas/`; `validation.py` only `planning.py` (and botocore); `applying.py` the same rooms as
`planning.py`, and `planning.py`. Callers import from here.
"""

from __future__ import annotations

from .applying import Deployed, apply, destroy
from .planning import PLACEHOLDER, Call, Names, agents, functions, package, plan
from .validation import validate

__all__ = ["PLACEHOLDER", "Call", "Deployed", "Names", "agents", "apply", "destroy", "functions", "package", "plan",
           "validate"]
