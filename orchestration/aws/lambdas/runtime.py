"""The project's Lambda functions, listed by name, and how they are invoked."""

from __future__ import annotations

import contextvars
import json
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Protocol

Handler = Callable[[Any, Any], Any]



class Functions(Mapping[str, Handler]):
    """Function name -> handler: each function's module, listed here by name and imported on first use,
    so listing the functions loads none of them (nor the SDKs their agents use)."""

    def __init__(self, modules: Mapping[str, str]) -> None:
        self.modules = dict(modules)
        """Function name -> the dotted path of the module whose `handler` it runs."""

    def __getitem__(self, name: str) -> Handler:
        return import_module(self.modules[name]).handler

    def __iter__(self) -> Iterator[str]:
        return iter(self.modules)

    def __len__(self) -> int:
        return len(self.modules)


FUNCTIONS = Functions({
    "court-booking-actions": "orchestration.aws.lambdas.booking_actions",  # the Bedrock agents' action group (B, F)
    "availability-agent": "orchestration.patterns.g_lambda_agents.availability_lambda",  # G's Lambda A
    "booking-agent": "orchestration.patterns.g_lambda_agents.booking_lambda",  # G's Lambda B
})
"""Every function the project deploys, in the order `deploy aws` creates them; each module's
`FUNCTION_NAME` is its name here."""


class LambdaError(Exception):
    """A function failed; the message says which and why."""


class LambdaRuntime(Protocol):
    """Something that invokes a function by name with a JSON event and returns its JSON result."""

    def invoke(self, function_name: str, event: Mapping[str, Any]) -> Any: ...


@dataclass(frozen=True)
class LambdaContext:
    """What a handler gets besides its event (the subset of AWS's context object used here)."""

    function_name: str
    """Name the function was invoked by."""
    aws_request_id: str
    """Id of this invocation."""
    environment: Mapping[str, str] = field(default_factory=dict, repr=False)
    """The function's configuration, as environment variables would hold it."""


def environment_of(context: Any) -> Mapping[str, str]:
    """A handler's configuration: the local runtime's environment, or the process's on AWS."""
    return getattr(context, "environment", None) or os.environ


class LocalLambdaRuntime:
    """Runs the project's functions in-process, as separate as Lambda would keep them."""

    def __init__(self, environment: Mapping[str, str], functions: Mapping[str, Handler] = FUNCTIONS) -> None:
        self._environment = dict(environment)
        self._functions = functions

    def invoke(self, function_name: str, event: Mapping[str, Any]) -> Any:
        """Invoke `function_name` with `event`; raises `LambdaError` if it is unknown or fails."""
        handler = self._functions.get(function_name)
        if handler is None:
            raise LambdaError(f"no function named {function_name!r}; the functions are {', '.join(self._functions)}")
        context = LambdaContext(function_name, str(uuid.uuid4()), self._environment)
        try:
            result = contextvars.Context().run(handler, json.loads(json.dumps(event)), context)
        except Exception as error:
            raise LambdaError(f"{function_name} failed: {type(error).__name__}: {error}") from error
        return json.loads(json.dumps(result))


class AwsLambdaRuntime:
    """Invokes functions deployed to AWS Lambda (`RequestResponse`), named with an optional prefix."""

    def __init__(self, client: Any, prefix: str = "") -> None:
        self._client = client
        self._prefix = prefix

    def invoke(self, function_name: str, event: Mapping[str, Any]) -> Any:
        response = self._client.invoke(FunctionName=self._prefix + function_name,
                                       InvocationType="RequestResponse", Payload=json.dumps(event).encode())
        payload = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            message = payload.get("errorMessage", payload) if isinstance(payload, dict) else payload
            raise LambdaError(f"{function_name} failed on AWS: {message}")
        return payload


def environment_for(calendar_db: str, today: str = "", settings_env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The configuration the project's functions read: where the calendar is, "today", vendor settings."""
    return {"CALENDAR_DB": calendar_db, "TODAY": today, **(settings_env or {})}


def calendar_from(environment: Mapping[str, str]) -> Any:
    """The calendar a function's configuration points at (it must exist)."""
    from datetime import date

    from ...calendar import Calendar, Clock

    today = environment.get("TODAY", "")
    return Calendar(environment["CALENDAR_DB"], Clock.on(date.fromisoformat(today)) if today else Clock())


def plain_text(value: Any, limit: int = 500) -> str:
    """A task as plain text: a string, control characters removed, whitespace collapsed, cut to `limit`."""
    text = value if isinstance(value, str) else ""
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())[:limit]
