"""The orchestration patterns of the article, A to G, behind one interface.

`start(letter, deps)` begins a conversation through a pattern; `PATTERNS` describes each one: where
its code lives, who decides what, and the trade-offs, in this project's words.

A pattern may import `calendar`, `tools`, `identity`, `formats`, `safeguards`, `observe`, `vendors`
(the clients `Deps` carries) and the Lambda runtime (`aws.lambdas`). Inside `orchestration/`, a
pattern's own module is reached through this registry (by name), except by `aws/` (the agents'
definitions it deploys).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Literal

from .base import Conversation, Deps, TurnFailed

__all__ = ["ARTICLE_LETTERS", "PATTERNS", "SPECTRUM", "Conversation", "Deps", "PatternInfo", "TurnFailed",
           "UnknownPattern", "start"]

ARTICLE_LETTERS = "ABCDEFG"
ROOT = Path(__file__).resolve().parent.parent
"""The `orchestration` package folder, which `PatternInfo.files` are relative to."""
SPECTRUM = "ACEDBFG"
"""The article's control-to-autonomy order: A (manual code) ... F and G (multi-agent)."""

Rating = Literal["Low", "Medium", "High", "Highest", "Full"]


@dataclass(frozen=True)
class PatternInfo:
    """One pattern: its code, its shape, and when it fits."""

    letter: str
    """A to G."""
    name: str
    """Short name."""
    style: str
    """The article's style label."""
    who_decides: str
    """One line: who picks each step."""
    module: str
    """Dotted path of the module (or package) that implements it."""
    class_name: str
    """The `Conversation` subclass there."""
    vendor: Literal["openai", "anthropic", "aws"]
    """The vendor of the pattern's main model (managers: the manager's)."""
    pros: tuple[str, ...]
    """What it is good at."""
    cons: tuple[str, ...]
    """What it costs you."""
    when: str
    """When to reach for it."""
    article: dict[str, Rating]
    """The article's comparison table: control, complexity, predictability, cost."""
    files: tuple[str, ...]
    """The code the article shows for this pattern, as files under `orchestration/`, in the order the
    article tells them."""
    vendors: tuple[Literal["openai", "anthropic", "aws"], ...] = ()
    """Every vendor whose model the pattern calls."""

    def conversation_class(self) -> type[Conversation]:
        """The class that runs this pattern (imported on first use)."""
        return getattr(import_module(self.module), self.class_name)

    def source_files(self) -> list[Path]:
        """The files of `files`, as paths."""
        return [ROOT / name for name in self.files]


PATTERNS: dict[str, PatternInfo] = {
    info.letter: info
    for info in (
        PatternInfo(
            "A", "AI as a service", "AI as a service (no agent)",
            "Your code holds the state machine and decides every step; the model only parses.",
            "orchestration.patterns.a_ai_as_service", "AiAsAService", "aws",
            pros=("Every step is ordinary code you can read, test and debug.",
                  "One cheap model call per message, and the model can never act on its own."),
            cons=("You write the whole conversation: missing fields, follow-ups, state, wording.",
                  "Anything the state machine did not foresee, it cannot handle."),
            when="The flow is known and fixed, and the model is only there to read messy input.",
            article={"control": "Full", "complexity": "Low", "predictability": "High", "cost": "Low"},
            files=("patterns/a_ai_as_service.py", "tools.py"), vendors=("aws",)),
        PatternInfo(
            "B", "Bedrock Agent", "Agent (managed)",
            "The managed agent service loops: the model picks each action and the service runs its Lambda.",
            "orchestration.patterns.b_bedrock_agent", "BedrockAgent", "aws",
            pros=("Almost no orchestration code: configure an instruction and an action group.",
                  "Session memory, the loop and tracing are run for you."),
            cons=("The loop is out of your hands: you see its trace, you cannot step into it.",
                  "Tied to AWS; the agent's configuration lives outside your code unless you keep it there."),
            when="You are on AWS and want a managed agent with little code to run.",
            article={"control": "Low", "complexity": "Medium", "predictability": "Low", "cost": "Medium"},
            files=("patterns/b_bedrock_agent.py", "aws/lambdas/booking_actions.py"), vendors=("aws",)),
        PatternInfo(
            "C", "Function calling", "Function call",
            "The model suggests each tool call; your code executes it and owns the loop.",
            "orchestration.patterns.c_function_calling", "FunctionCalling", "openai",
            pros=("The model handles the language; your code keeps the last word on every action.",
                  "Easy to add checks, logging or approval between a suggestion and its execution."),
            cons=("You write and maintain the loop, its cap and its error handling.",
                  "Multi-turn memory is your message list, which you must keep and trim."),
            when="You want model reasoning but need to validate or control each action.",
            article={"control": "High", "complexity": "Medium", "predictability": "Medium", "cost": "Medium"},
            files=("patterns/c_function_calling.py", "tools.py"), vendors=("openai",)),
        PatternInfo(
            "D", "Agents SDK agent", "Agent",
            "The SDK's runner loops: the model picks each tool and the runtime executes it.",
            "orchestration.patterns.d_agents_sdk", "AgentsSdk", "openai",
            pros=("Little code: an agent, two function tools and a session.",
                  "The SDK gives you tracing, memory and a turn limit."),
            cons=("Between a model's choice and the tool running, there is no place for your code.",
                  "Behaviour follows the SDK's loop, including its defaults."),
            when="You want an agent quickly and trust the model to use the tools well.",
            article={"control": "Medium", "complexity": "Low", "predictability": "Low", "cost": "Medium"},
            files=("patterns/d_agents_sdk.py", "tools.py"), vendors=("openai",)),
        PatternInfo(
            "E", "Workflow", "Workflow",
            "Your code fixes the order of the steps; an agent reasons within each step.",
            "orchestration.patterns.e_workflow", "Workflow", "openai",
            pros=("The order of steps is guaranteed: no booking before availability, ever.",
                  "Your checks run between the steps, where they matter."),
            cons=("You design the steps up front; a request that does not fit them gets the fixed path anyway.",
                  "More model calls than a single agent for the same task."),
            when="The sequence is known (or audited), but each step needs language understanding.",
            article={"control": "High", "complexity": "Medium", "predictability": "High", "cost": "Medium"},
            files=("patterns/e_workflow.py",), vendors=("openai",)),
        PatternInfo(
            "F", "Manager + Bedrock agents", "Multi-agent",
            "An OpenAI manager delegates each task to a Bedrock agent, which decides and acts within it.",
            "orchestration.patterns.f_manager_bedrock", "ManagerBedrock", "openai",
            pros=("Each specialist sees only its own tools: the availability agent cannot book.",
                  "Specialists can be developed and tuned separately."),
            cons=("Two layers of agents: more model calls, more latency, more places to fail.",
                  "Understanding one booking means reading nested traces."),
            when="Several distinct domains, each worth its own agent, behind one front door.",
            article={"control": "Low", "complexity": "High", "predictability": "Low", "cost": "High"},
            files=("patterns/f_manager_bedrock/manager.py", "patterns/b_bedrock_agent.py",
                   "patterns/f_manager_bedrock/availability_agent.py", "patterns/f_manager_bedrock/booking_agent.py",
                   "aws/lambdas/booking_actions.py"), vendors=("openai", "aws")),
        PatternInfo(
            "G", "Manager + Lambda agents", "Multi-agent (isolated)",
            "The manager delegates to Lambdas, each wrapping an agent of its own vendor (Bedrock, Claude).",
            "orchestration.patterns.g_lambda_agents", "LambdaAgents", "openai",
            pros=("Each agent runs in your own function, with your own checks before and after it.",
                  "Vendors mix freely: here OpenAI manages, Bedrock checks and Claude books."),
            cons=("The most moving parts: functions, three vendors' keys, three SDKs.",
                  "Latency adds up across the manager, the function and the agent inside it."),
            when="You need isolation or different vendors per specialist, with control around each one.",
            article={"control": "Medium", "complexity": "Highest", "predictability": "Low", "cost": "High"},
            files=("patterns/g_lambda_agents/availability_lambda.py", "patterns/g_lambda_agents/booking_lambda.py",
                   "patterns/g_lambda_agents/manager.py"), vendors=("openai", "aws", "anthropic")),
    )
}


class UnknownPattern(ValueError):
    """A letter that names no pattern."""


def start(letter: str, deps: Deps) -> Conversation:
    """Begin a conversation through pattern `letter`."""
    info = PATTERNS.get(letter.upper())
    if info is None:
        raise UnknownPattern(f"there is no pattern {letter!r}; the patterns are {', '.join(PATTERNS)}")
    return info.conversation_class()(deps)
