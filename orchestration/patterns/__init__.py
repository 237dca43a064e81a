"""The orchestration patterns of the article, A to G, behind one interface.

`start(letter, deps)` begins a conversation through a pattern; `PATTERNS` describes each one.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from .base import Conversation, Deps, TurnFailed

__all__ = ["ARTICLE_LETTERS", "PATTERNS", "Conversation", "Deps", "PatternInfo", "TurnFailed", "UnknownPattern", "start"]

ARTICLE_LETTERS = "ABCDEFG"


@dataclass(frozen=True)
class PatternInfo:
    """One pattern as the article describes it, and where its code lives."""

    letter: str
    """A to G."""
    name: str
    """Short name."""
    style: str
    """The article's style label."""
    who_decides: str
    """One line: who picks each step."""
    module: str
    """Dotted path of the module that implements it."""
    class_name: str
    """The `Conversation` subclass in that module."""

    def conversation_class(self) -> type[Conversation]:
        """The class that runs this pattern (imported on first use)."""
        return getattr(import_module(self.module), self.class_name)


PATTERNS: dict[str, PatternInfo] = {
    info.letter: info
    for info in (
        PatternInfo("A", "AI as a service", "AI as a service (no agent)",
                    "Your code holds the state machine and decides every step; the model only parses.",
                    "orchestration.patterns.a_ai_as_service", "AiAsAService"),
        PatternInfo("B", "Bedrock Agent", "Agent (managed)",
                    "The managed agent service loops: the model picks each action and the service runs its Lambda.",
                    "orchestration.patterns.b_bedrock_agent", "BedrockAgent"),
        PatternInfo("C", "Function calling", "Function call",
                    "The model suggests each tool call; your code executes it and owns the loop.",
                    "orchestration.patterns.c_function_calling", "FunctionCalling"),
        PatternInfo("D", "Agents SDK agent", "Agent",
                    "The SDK's runner loops: the model picks each tool and the runtime executes it.",
                    "orchestration.patterns.d_agents_sdk", "AgentsSdk"),
        PatternInfo("E", "Workflow", "Workflow",
                    "Your code fixes the order of the steps; an agent reasons within each step.",
                    "orchestration.patterns.e_workflow", "Workflow"),
        PatternInfo("F", "OpenAI manager → Bedrock sub-agents", "Multi-agent",
                    "An OpenAI manager delegates each task to a Bedrock agent, which decides and acts within it.",
                    "orchestration.patterns.f_manager_bedrock", "ManagerBedrock"),
        PatternInfo("G", "Manager → Lambda-wrapped agents", "Multi-agent (isolated)",
                    "The manager delegates to Lambdas, each wrapping an agent of its own vendor (Bedrock, Claude).",
                    "orchestration.patterns.g_lambda_agents", "LambdaAgents"),
    )
}


class UnknownPattern(ValueError):
    """A letter that names no pattern."""


def start(letter: str, deps: Deps) -> Conversation:
    """Begin a conversation through pattern `letter`."""
    info = PATTERNS.get(letter.upper())
    if info is None:
        raise UnknownPattern(
            f"there is no pattern {letter!r}; the patterns are {', '.join(PATTERNS)}"
            + (f" (the article's others, {', '.join(x for x in ARTICLE_LETTERS if x not in PATTERNS)}, are not built yet)"
               if len(PATTERNS) < len(ARTICLE_LETTERS) else "")
        )
    return info.conversation_class()(deps)
