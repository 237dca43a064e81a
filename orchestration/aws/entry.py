"""The handler every function deployed by `deploy aws` runs: it hands the event to the listed function
(`lambdas.FUNCTIONS`) whose name AWS invoked (less the deployment's prefix)."""

from __future__ import annotations

import os
from typing import Any

from .lambdas import FUNCTIONS


def handler(event: Any, context: Any) -> Any:
    name = os.environ["AWS_LAMBDA_FUNCTION_NAME"].removeprefix(os.environ.get("LAMBDA_FUNCTION_PREFIX", ""))
    return FUNCTIONS[name](event, context)
