"""How much Pattern C's orchestration costs on top of the SDK calls it makes, offline.

Runs the article's three-turn dialogue many times, in-process, and prints the median time of one
turn for:
  floor      a bare openai SDK loop making the same calls (same messages, tools, and tool executions)
             against the same offline model, with no trace and no pattern code;
  pattern C  the pattern's own conversation, trace and all.
The ratio pattern C / floor is what the orchestration layer adds. The brain alone (no SDK, no
HTTP serialization) is printed for scale.

    python benchmarks/bench_pattern_c.py [--runs 30]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
from datetime import date
from pathlib import Path
from time import perf_counter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestration.calendar import Calendar, Clock  # noqa: E402
from orchestration.offline.protocol import Message, ModelRequest, ToolCall, ToolDef, ToolResult  # noqa: E402
from orchestration.patterns import Deps, start  # noqa: E402
from orchestration.patterns.c_function_calling import system_prompt  # noqa: E402
from orchestration.providers import Clients  # noqa: E402
from orchestration.tools import BookingContext, openai_chat_tools, run_tool  # noqa: E402

TODAY = date(2025, 12, 3)
DIALOGUE = ("Book a court for tomorrow", "3pm", "A")


def fresh_calendar(folder: Path, n: int) -> Calendar:
    return Calendar.open(folder / f"bench-{n}.db", Clock.on(TODAY), seed="demo")


def pattern_c_turns(calendar: Calendar, clients: Clients) -> list[float]:
    chat = start("C", Deps(calendar=calendar, user="alice", clients=clients, clock=calendar.clock))
    times = []
    for text in DIALOGUE:
        started = perf_counter()
        chat.send(text)
        times.append(perf_counter() - started)
    return times


def bare_sdk_turns(calendar: Calendar, clients: Clients) -> list[float]:
    """The floor: the same chat.completions calls and tool runs, with nothing else around them."""
    client, tools, context = clients.openai, openai_chat_tools(), BookingContext(calendar, "alice", "bench")
    messages: list[dict] = [{"role": "system", "content": system_prompt(TODAY)}]
    times = []
    for text in DIALOGUE:
        started = perf_counter()
        messages.append({"role": "user", "content": text})
        while True:
            message = client.chat.completions.create(model="m", messages=messages, tools=tools).choices[0].message
            if not message.tool_calls:
                messages.append({"role": "assistant", "content": message.content})
                break
            messages.append({"role": "assistant", "content": None, "tool_calls": [
                {"id": c.id, "type": "function", "function": {"name": c.function.name, "arguments": c.function.arguments}}
                for c in message.tool_calls]})
            for call in message.tool_calls:
                result = run_tool(call.function.name, call.function.arguments, context).as_json()
                messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
        times.append(perf_counter() - started)
    return times


def brain_only_turns(calendar: Calendar, clients: Clients) -> list[float]:
    """For scale: the offline model's brain called directly, no SDK and no HTTP framing."""
    brain, context = clients.offline.brain, BookingContext(calendar, "alice", "bench")
    tools = tuple(ToolDef(t["function"]["name"], t["function"]["description"], t["function"]["parameters"])
                  for t in openai_chat_tools())
    messages: list[Message] = []
    times = []
    for text in DIALOGUE:
        started = perf_counter()
        messages.append(Message("user", text))
        for n in range(8):
            reply = brain.reply(ModelRequest("m", system_prompt(TODAY), tuple(messages), tools))
            if not reply.tool_calls:
                messages.append(Message("assistant", reply.text))
                break
            calls = tuple(ToolCall(c.name, c.arguments, f"call{len(messages)}_{n}") for c in reply.tool_calls)
            messages.append(Message("assistant", tool_calls=calls))
            messages.append(Message("tool", tool_results=tuple(
                ToolResult(c.id, run_tool(c.name, c.arguments, context).as_json(), c.name) for c in calls)))
        times.append(perf_counter() - started)
    return times


def median_turn_ms(runner, runs: int, folder: Path, clients: Clients) -> float:
    samples = []
    for n in range(runs):
        samples += runner(fresh_calendar(folder, n), clients)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="dialogues per variant (3 turns each)")
    args = parser.parse_args()
    clients = Clients()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        median_turn_ms(pattern_c_turns, 2, folder, clients)  # warm up imports and caches
        results = {}
        for name, runner in (("brain only", brain_only_turns), ("floor: bare SDK loop", bare_sdk_turns),
                             ("pattern C", pattern_c_turns)):
            results[name] = median_turn_ms(runner, args.runs, Path(tempfile.mkdtemp(dir=folder)), clients)
    floor = results["floor: bare SDK loop"]
    print(f"Median offline turn, article's dialogue, {args.runs} runs x {len(DIALOGUE)} turns "
          f"(Python {platform.python_version()}, {platform.machine()}):")
    for name, ms in results.items():
        print(f"  {name:<22} {ms:8.2f} ms   {ms / floor:5.2f}x floor")


if __name__ == "__main__":
    main()
