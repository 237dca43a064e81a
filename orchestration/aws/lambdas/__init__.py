"""The project's Lambda functions and the runtimes that invoke them.

A function is a `handler(event, context)`: JSON in, JSON out, in a module of its own; `FUNCTIONS`
(`runtime.py`) lists every function by name with that module, which is imported when it is invoked.
A function reads its configuration from `context.environment` (on AWS that is the function's
environment variables) and shares no state with its caller. Two runtimes invoke functions by name:

- `LocalLambdaRuntime` (the default): in-process, with the event and the result passed through JSON
  exactly as they would cross the wire, a fresh context per call, and none of the caller's context
  variables (so nothing the caller was observing follows it in).
- `AwsLambdaRuntime`: `lambda.invoke` on functions deployed to AWS.

May import `calendar` and `tools` (inside a handler); the patterns import this package, never the
other way round.
"""

from .runtime import (
                      FUNCTIONS,
                      AwsLambdaRuntime,
                      Functions,
                      Handler,
                      LambdaContext,
                      LambdaError,
                      LambdaRuntime,
                      LocalLambdaRuntime,
                      calendar_from,
                      environment_for,
                      environment_of,
                      plain_text,
)

__all__ = ["FUNCTIONS", "AwsLambdaRuntime", "Functions", "Handler", "LambdaContext", "LambdaError", "LambdaRuntime",
           "LocalLambdaRuntime", "calendar_from", "environment_for", "environment_of", "plain_text"]
