"""What each pattern's orchestration costs on top of the vendor calls it makes, offline.

For each pattern, runs the article's three-turn dialogue many times in-process and prints the median
time of one turn beside a floor: the very same work replayed in order on a fresh calendar with
nothing around it — every request that turn sent to the offline model (Lambda-internal ones
included, and each Bedrock `invoke_agent`, whose replay redoes the service's own Lambda calls)
through bare SDK clients, and every calendar operation the pattern's code made. No pattern code, no
trace, no Agents SDK runner. The ratio is what the pattern's own machinery adds.

    python benchmarks/bench_patterns.py [--patterns ABCDEFG] [--runs 20]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from time import perf_counter
from typing import Any
from urllib.parse import unquote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestration.aws.lambdas import LocalLambdaRuntime, environment_for  # noqa: E402
from orchestration.calendar import Calendar, Clock  # noqa: E402
from orchestration.patterns import Deps, start  # noqa: E402
from orchestration.vendors.clients import Clients  # noqa: E402
from orchestration.vendors.offline import OfflineModel  # noqa: E402
from orchestration.vendors.offline.bedrock_agents import AgentService  # noqa: E402
from orchestration.vendors.offline.wire import WireRequest  # noqa: E402

TODAY = date(2025, 12, 3)
DIALOGUE = ("Book a court for tomorrow", "3pm", "A")


class Recorder:
    """Records, in order, every request any offline model answers and every calendar operation made
    outside the emulated Bedrock service (whose own operations an `invoke_agent` replay redoes)."""

    def __init__(self) -> None:
        self.work: list[tuple[str, Any]] = []
        self.deployed: list[dict[str, Any]] = []
        self.in_service = threading.local()
        self._saved = (OfflineModel.__call__, AgentService.deploy, Calendar.check_availability, Calendar.book)

    def __enter__(self) -> Recorder:
        answer, deploy, check, book = self._saved
        recorder = self

        def answering(model: OfflineModel, request: WireRequest) -> Any:
            recorder.work.append(("request", request))
            return answer(model, request)

        def deploying(service: AgentService, definition: Any, invoke_lambda: Any = None) -> Any:
            recorder.deployed.append(definition)

            def inside_service(name: str, event: Any) -> Any:
                recorder.in_service.active = True
                try:
                    return invoke_lambda(name, event)
                finally:
                    recorder.in_service.active = False

            return deploy(service, definition, inside_service if invoke_lambda else None)

        def recorded(operation: Callable[..., Any]) -> Callable[..., Any]:
            def call(calendar: Calendar, *args: Any, **kwargs: Any) -> Any:
                if not getattr(recorder.in_service, "active", False):
                    recorder.work.append(("calendar", (operation.__name__, args, kwargs)))
                return operation(calendar, *args, **kwargs)
            return call

        OfflineModel.__call__, AgentService.deploy = answering, deploying  # type: ignore[method-assign]
        Calendar.check_availability, Calendar.book = recorded(check), recorded(book)  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        (OfflineModel.__call__, AgentService.deploy,  # type: ignore[method-assign]
         Calendar.check_availability, Calendar.book) = self._saved  # type: ignore[method-assign]


def run_pattern(letter: str, folder: Path,
                n: int) -> tuple[list[float], list[list[tuple[str, Any]]], list[dict[str, Any]]]:
    """One dialogue: each turn's time, the work each turn did, the agents deployed."""
    calendar = Calendar.open(folder / f"{letter}-{n}.db", Clock.on(TODAY), seed="demo")
    with Recorder() as recorder:
        chat = start(letter, Deps(calendar=calendar, user="alice", clients=Clients(), clock=calendar.clock))
        times, per_turn = [], []
        for text in DIALOGUE:
            before = len(recorder.work)
            started = perf_counter()
            chat.send(text)
            times.append(perf_counter() - started)
            per_turn.append(recorder.work[before:])
    return times, per_turn, recorder.deployed


def replay_turns(per_turn: list[list[tuple[str, Any]]], deployed: list[dict[str, Any]], folder: Path,
                 n: int) -> list[float]:
    """The floor: the same work through bare SDK clients and a fresh calendar; each turn's time."""
    calendar = Calendar.open(folder / f"floor-{n}.db", Clock.on(TODAY), seed="demo")
    clients = Clients()
    lambdas = LocalLambdaRuntime(environment_for(calendar.path, TODAY.isoformat()))
    for definition in deployed:
        clients.offline.agents.deploy(definition, lambdas.invoke)
    send = sdk_calls(clients)
    times = []
    for work in per_turn:
        started = perf_counter()
        for kind, item in work:
            if kind == "request":
                send(item)
            else:
                operation, args, kwargs = item
                getattr(calendar, operation)(*args, **kwargs)
        times.append(perf_counter() - started)
    return times


def sdk_calls(clients: Clients) -> Callable[[WireRequest], Any]:
    """A function that sends one recorded request through the matching bare SDK call."""
    openai_client, anthropic_client = clients.openai, clients.anthropic
    bedrock, agents_runtime = clients.aws("bedrock-runtime"), clients.aws("bedrock-agent-runtime")

    def send(request: WireRequest) -> Any:
        body, path = json.loads(request.body or b"{}"), request.path
        if path.endswith("/chat/completions"):
            return openai_client.chat.completions.create(**body)
        if path.endswith("/responses"):
            return openai_client.responses.create(**body)
        if path.endswith("/v1/messages"):
            return anthropic_client.messages.create(**body)
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts[0] == "model" and parts[-1] == "converse":
            return bedrock.converse(modelId="/".join(parts[1:-1]), **body)
        if parts[0] == "agents":
            response = agents_runtime.invoke_agent(agentId=parts[1], agentAliasId=parts[3], sessionId=parts[5], **body)
            return list(response["completion"])
        raise ValueError(f"no bare SDK call for {request.method} {path}")

    return send


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patterns", default="ABCDEFG", help="pattern letters to measure")
    parser.add_argument("--runs", type=int, default=20, help="dialogues per pattern (3 turns each)")
    args = parser.parse_args()
    print(f"Median offline turn, the article's dialogue, {args.runs} runs x {len(DIALOGUE)} turns "
          f"(Python {platform.python_version()}, {platform.machine()}):")
    print(f"  {'pattern':<8}{'turn':>10}{'floor':>10}{'ratio':>8}   model requests, calendar operations per dialogue")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for letter in args.patterns.upper():
            run_pattern(letter, folder, -1)  # warm up imports and caches
            turns, floors, work = [], [], []
            for n in range(args.runs):
                times, per_turn, deployed = run_pattern(letter, folder, n)
                turns += times
                floors += replay_turns(per_turn, deployed, folder, n)
                work = [kind for turn in per_turn for kind, _ in turn]
            turn, floor = statistics.median(turns) * 1000, statistics.median(floors) * 1000
            print(f"  {letter:<8}{turn:>8.2f}ms{floor:>8.2f}ms{turn / floor:>7.2f}x   "
                  f"{work.count('request')}, {work.count('calendar')}")


if __name__ == "__main__":
    main()
