"""Observing Lambda functions: invocations from the caller's side, and a handler's own steps.

- `ObservedLambdas` wraps a Lambda runtime. It records a call your code hands to the action group's
  function, a function that failed, and adopts the steps a function reports back (`events` in its
  answer, as X-Ray would join a function's segments to its caller's trace) under the step that
  delegated to it.
- `@traced_agent(actor, agent)` wraps a handler that runs an agent: everything inside is observed
  in a trace of its own, returned beside the handler's answer (with the prompt tokens a local model
  server read for it, `prompts`, which the caller's run counts as its own).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from time import perf_counter
from typing import Any

from ..aws.lambdas import Handler, LambdaError, LambdaRuntime, environment_of
from . import Scope, current, observing
from .trace import Trace, json_or_text


class ObservedLambdas:
    """A Lambda runtime whose invocations are recorded in the caller's scope."""

    def __init__(self, runtime: LambdaRuntime) -> None:
        self.runtime = runtime

    def invoke(self, function_name: str, event: Mapping[str, Any]) -> Any:
        scope, started = current(), perf_counter()
        try:
            result = self.runtime.invoke(function_name, event)
        except LambdaError as error:
            if scope is not None:
                scope.emit(f"lambda:{function_name}", scope.caller, "answer", "code", f"failed: {error}",
                           {"error": str(error)})
            raise
        if scope is None or not isinstance(result, dict):
            return result
        if "events" in result:
            scope.trace.adopt(result.pop("events") or [], parent=scope.parent)
            scope.trace.prompts.adopt(result.pop("prompts", None) or [], scope.trace.turn)
        elif "function" in event and "actionGroup" in event:
            _action_ran(scope, function_name, event, result, (perf_counter() - started) * 1000)
        return result


def _action_ran(scope: Scope, function_name: str, event: Mapping[str, Any], result: dict[str, Any], ms: float) -> None:
    """A call your code ran through an action group's function (a Bedrock agent's return of control)."""
    name = event["function"]
    body = (result.get("response", {}).get("functionResponse", {}).get("responseBody", {})
            .get("TEXT", {}).get("body", ""))
    outcome = json_or_text(body)
    status = outcome.get("status", "done") if isinstance(outcome, dict) else "done"
    arguments = {p.get("name"): p.get("value") for p in event.get("parameters") or [] if isinstance(p, dict)}
    scope.emit(scope.caller, f"lambda:{function_name}", "execute_tool", "code",
               f"run {name} (control returned to your code) → {status}",
               {"tool": name, "arguments": arguments, "result": outcome}, ms=ms)


def traced_agent(actor: str, agent: str) -> Callable[[Handler], Handler]:
    """Decorate a Lambda handler that runs an agent: its steps are returned with its answer as `events`.

    `actor` is the function (`lambda:<name>`), `agent` the agent inside it (`sub-agent:<name>`), whose
    choices count as a sub-agent's.
    """
    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def traced(event: Any, context: Any) -> Any:
            from ..vendors.settings import Settings

            trace = Trace(Settings.from_env(environment_of(context)).secrets())
            scope = Scope(trace, caller=actor, model=agent, decided_by="sub-agent", notes_to=actor, agent_service=None)
            with observing(scope):
                result = handler(event, context)
            if not isinstance(result, dict):
                return result
            prompts = trace.prompts.records()  # what a local model server read, for the caller's run
            return {**result, "events": trace.records(), **({"prompts": prompts} if prompts else {})}
        return traced
    return wrap
