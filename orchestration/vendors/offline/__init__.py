"""The offline model (rule-based): one brain behind the vendors' real wire protocols.

`OfflineModel` bundles the brain with one adapter per protocol. The vendor SDKs reach it through
their own hooks, so they serialize requests and parse responses exactly as against the service:

- `openai` and `anthropic`: `http_client=httpx2.Client(transport=model.transport())`
- `boto3` (Bedrock Runtime and Bedrock Agent Runtime): `model.attach(client)` registers a botocore
  `before-send` handler
- anything else: `python -m orchestration serve --port N` on loopback

`model.agents` is the emulated Agents for Amazon Bedrock service: `model.agents.deploy(...)` creates
an agent, and `invoke_agent` on an attached `bedrock-agent-runtime` client runs it.

This package never imports the orchestration patterns: the brain cannot know which pattern calls it.
It may import `orchestration.formats` (how slot ids, days and courts are written) and nothing else of
the project.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from .protocol import MODEL_LABEL, ModelReply, ModelRequest
from .wire import Router, WireRequest, WireResponse

__all__ = ["MODEL_LABEL", "OfflineModel", "Thinker"]


class Thinker(Protocol):
    """Anything that answers a model request: the rule-based brain, or a test's scripted one."""

    def reply(self, request: ModelRequest) -> ModelReply: ...


Tap = Callable[[Thinker, str], Thinker]
"""Wraps the brain behind one protocol (named `openai.chat_completions`, `bedrock.agents`…): a cassette's
recorder or player (`orchestration.vendors.cassette`)."""


class OfflineModel:
    """The brain plus every wire protocol it speaks. Cheap to build.

    The model itself holds no conversation state; only the emulated Bedrock Agents service keeps
    its deployed agents and their sessions, as the managed service does.
    """

    label = MODEL_LABEL

    def __init__(self, brain: Thinker | None = None, tap: Tap | None = None) -> None:
        from . import anthropic_messages, bedrock_runtime, openai_chat, openai_responses
        from .bedrock_agents import AgentService

        if brain is None:
            from .brain import Brain

            brain = Brain()
        self.brain: Thinker = brain
        self.router = Router()
        protocols = {"openai.chat_completions": openai_chat, "openai.responses": openai_responses,
                     "anthropic.messages": anthropic_messages, "bedrock.converse": bedrock_runtime}
        for name, protocol in protocols.items():
            self.router.add(protocol.route(tap(brain, name) if tap else brain))
        self.agents = AgentService(tap(brain, "bedrock.agents") if tap else brain)
        """The emulated Bedrock Agents service: agents deployed here answer `invoke_agent`."""
        self.router.add(self.agents.route())

    def __call__(self, request: WireRequest) -> WireResponse:
        """Answer one HTTP exchange."""
        return self.router(request)

    def transport(self) -> Any:
        """An httpx2 transport (sync and async) for the openai and anthropic SDKs."""
        from .transport import OfflineTransport

        return OfflineTransport(self)

    def attach(self, boto3_client: Any) -> Any:
        """Route a boto3 Bedrock client's calls here; returns the client."""
        from .boto3_hook import attach_boto3

        return attach_boto3(boto3_client, self)
