"""Where each model call's prompt stops sharing a prefix with the run's earlier calls, on a llama.cpp server.

    python benchmarks/local-model/prefixes.py PATTERN SCENARIO [--url http://127.0.0.1:8080/v1] [--model NAME]

Runs one core scenario through one pattern against the server, then prints, per model call, the
prompt tokens sent, the tokens the server evaluated, the floor (tokens after the longest prefix
shared with any earlier call of the run), and the text on both sides of that prefix's end. A call
whose floor is much more than its new messages shows what made the prompt change before its
history: that is what item "prefix-stable prompts" in docs/real-models.md is about.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from orchestration import scenarios as scenario_files
from orchestration.evaluate import Runner, grade
from orchestration.observe.trace import _shared
from orchestration.patterns import Deps
from orchestration.runs import run_conversation
from orchestration.vendors.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pattern")
    parser.add_argument("scenario")
    parser.add_argument("--url", default="http://127.0.0.1:8080/v1")
    parser.add_argument("--model", default="local")
    parser.add_argument("--safeguards", default="off")
    args = parser.parse_args()
    scenario = next(s for s in scenario_files.load() if s.id == args.scenario)
    settings = Settings(local_model_url=args.url, local_model=args.model, safeguards=args.safeguards, temperature="0.5")
    with tempfile.TemporaryDirectory() as folder:
        calendar = Runner(Path(folder), settings).calendar(scenario)
        scenario.prepare(calendar)
        deps = Deps.of(calendar, scenario.user, settings)
        outcome = grade(scenario, args.pattern.upper(), run_conversation(args.pattern.upper(), deps, scenario.turns))
    ledger = outcome.result.metrics
    print(f"{args.pattern} {scenario.id}: {outcome.outcome}; sent {ledger['prompt_tokens']}, "
          f"evaluated {ledger['prompt_tokens_evaluated']}, floor {ledger['prompt_tokens_floor']}")
    root = args.url.removesuffix("/").removesuffix("/v1")
    prompts = deps.trace.prompts._prompts
    for n, (call, tokens) in enumerate(zip(deps.trace.prompts.calls, prompts), 1):
        turn, sent, evaluated, floor = call
        earlier = prompts[: n - 1]
        shared = max((_shared(tokens, seen) for seen in earlier), default=0)
        before = _detokenize(root, tokens[max(0, shared - 12): shared])
        after = _detokenize(root, tokens[shared: shared + 24])
        print(f"{n:>3} turn {turn} sent {sent:>5} evaluated {evaluated!s:>5} floor {floor!s:>5} "
              f"| …{before!r} ‖ {after!r}…")


def _detokenize(root: str, tokens: list[int]) -> str:
    request = urllib.request.Request(f"{root}/detokenize", json.dumps({"tokens": tokens}).encode(),
                                     {"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())["content"]


if __name__ == "__main__":
    main()
