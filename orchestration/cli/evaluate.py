"""`evaluate`: the scenario suite through the patterns (`orchestration.evaluate`), and its report as a table
or as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from .common import _export_spans, _settings


def _evaluate(args: argparse.Namespace, out: TextIO) -> int:
    from ..evaluate import FAULTS, ServerGone, pattern_names, run_suite
    from ..scenarios import SCENARIOS_DIR, ScenarioError, load

    try:
        letters = pattern_names(args.patterns.upper())
        scenarios = load(args.scenarios or SCENARIOS_DIR)
        if args.tag:
            scenarios = [s for s in scenarios if set(args.tag) & set(s.tags)]
            if not scenarios:
                raise ValueError(f"no scenario has the tag {' or '.join(args.tag)}")
    except (ValueError, ScenarioError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    faults = list(FAULTS) if args.all_faults else list(dict.fromkeys(args.fault))
    settings = _settings(args)

    def progress(done: int, total: int, label: str) -> None:
        if sys.stderr.isatty() or done == total or done % 25 == 0:
            print(f"\r[{done}/{total}] {label:<70.70}", end="\n" if done == total else "", file=sys.stderr, flush=True)

    try:
        suite = run_suite(scenarios, letters, args.runs, faults, settings, progress, results=args.results,
                          record=args.record)
    except ServerGone as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 1
    report = suite.report
    _export_spans(args.otlp, [(o.letter, o.result.events, o.result.started_at) for per_letter in suite.baseline.values()
                              for runs in per_letter for o in runs]
                  + [(o.letter, o.result.events, o.result.started_at) for per_letter in suite.faults.values()
                     for outcomes in per_letter.values() for o in outcomes])
    if args.json:
        json.dump(report, out, indent=2)
        print(file=out)
    else:
        _print_report(report, out)
    return 0



def _print_report(report: dict[str, Any], out: TextIO) -> None:
    print(f"{report['scenarios']} scenarios x {report['runs']} run(s), safeguards {report['safeguards']}, commit "
          f"{report['commit'] or 'unknown'}. {report['note']}", file=out)
    print(f"\n{'pattern':<9}{'success':>8}{'rescued':>8}{'pass^k':>8}{'harmed':>7}{'model':>7}{'tools':>7}{'tokens':>8}"
          f"{'cost $':>10}{'ms':>8}{'code':>7}", file=out)
    for letter, p in report["patterns"].items():
        print(f"{letter:<9}{p['success']:>8.0%}{p['rescued']:>8.0%}{p['pass_k']:>8.0%}{p['harmed']:>7}"
              f"{p['llm_calls']:>7.1f}{p['tool_calls']:>7.1f}{p['tokens']:>8.0f}{p['cost_usd']:>10.5f}{p['ms']:>8.0f}"
              f"{p['code_decisions_share']:>7.0%}", file=out)
    print("(success and pass^k count only runs the pattern passed alone; rescued: the right end state thanks to a "
          "safeguard, a cap or an error path; harmed: runs that booked what nobody asked for; model, tools, tokens, "
          "cost and ms are means per scenario run; code = share of decisions made by code)", file=out)
    for letter, p in report["patterns"].items():
        for failure in p["failures"]:
            print(f"  {letter} {failure['outcome']} {failure['scenario']}"
                  f"{' [' + failure['blame'] + ']' if failure['blame'] else ''}: {failure['why']}", file=out)
    for name, fault in report.get("faults", {}).items():
        verdicts = "  ".join(f"{letter} {p['verdict']}" for letter, p in fault["patterns"].items())
        print(f"\nfault {name} ({fault['what']}):\n  {verdicts}", file=out)
        for letter, p in fault["patterns"].items():
            for case in p["cases"]:
                if case["verdict"] != "recovered":
                    print(f"    {letter} {case['verdict']} on {case['scenario']}: {case['why']}", file=out)
