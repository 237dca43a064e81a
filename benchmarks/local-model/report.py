"""docs/real-models.md from the JSON lines `evaluate --results` wrote: what a real model did to each pattern.

    python benchmarks/local-model/report.py docs/real-models/NAME.jsonl [LATER.jsonl ...] > docs/real-models.md

A later file's patterns replace the earlier files' runs of those patterns: a pattern measured again
after a change to it.

Per pattern: success over all runs (outcome `pass`: what the pattern did itself), the runs `rescued`
(the right end state thanks to a cap, an error path or a safeguard) and `harmed`, pass^k for
k = 1..K (the chance that k runs of a scenario all pass, estimated from the K runs as tau-bench does,
averaged over scenarios), model calls and tokens per run, the median seconds per turn, whom the
failures are blamed on, and the failures quoted from the runs. Records older than `outcome` count
`passed` as pass. `SERVER`, `MODEL_INFO` and `MACHINE` in the environment describe the setting.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from collections import defaultdict
from math import comb
from pathlib import Path


def main(path: Path, *later: Path) -> str:
    records = _records(path)
    for newer in later:
        replacing = _records(newer)
        again = {r["pattern"] for r in replacing}
        records = [r for r in records if r["pattern"] not in again] + replacing
    by_pattern: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        by_pattern[record["pattern"]].append(record)
    runs = max(r["run"] for r in records) + 1
    scenarios = sorted({r["scenario"] for r in records})
    model = records[0].get("model") or "?"
    lines = [
        "# What a real model does to each pattern",
        "",
        f"The core scenarios ({len(scenarios)}: {', '.join(scenarios)}) through all seven patterns, {runs} runs each, "
        f"on a local model. Every vendor's calls went to it: OpenAI's directly, Bedrock's and Anthropic's through "
        "the in-process emulated services, whose decisions it made. Graded as the suite always is: by the calendar's "
        "end state and the last reply. Produced by `benchmarks/local-model/run.sh`; every run's record, with its "
        f"replies and notable steps, is in `{path.as_posix()}`"
        + "".join(f" and `{p.as_posix()}` ({_patterns(p)})" for p in later) + ".",
        "",
        f"- **Model:** {os.environ.get('MODEL_INFO', model)}",
        f"- **Server:** {os.environ.get('SERVER', 'llama.cpp llama-server')}",
        f"- **Machine:** {os.environ.get('MACHINE', f'{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}')}",
        f"- **Sampling:** {os.environ.get('SAMPLING', 'see the command in run.sh')}",
        f"- **Measured at commit:** {os.environ.get('COMMIT', '?')}",
        "",
        *_coverage(by_pattern, scenarios, runs),
        "| Pattern | Safeguards | Runs (scenarios) | Success | Rescued | Harmed | "
        + " | ".join(f"pass^{k}" for k in range(1, runs + 1)) + " | Model calls | Tokens | Median s/turn | Blamed on |",
        "|---|---|---|---|---|---|" + "---|" * runs + "---|---|---|---|",
    ]
    for letter in sorted(by_pattern):
        rows = by_pattern[letter]
        per_scenario: dict[str, list[bool]] = defaultdict(list)
        for r in rows:
            per_scenario[r["scenario"]].append(r["passed"])
        pass_k = [[comb(sum(v), k) / comb(len(v), k) for v in per_scenario.values() if len(v) >= k]
                  for k in range(1, runs + 1)]
        turns = [ms / 1000 for r in rows for ms in r.get("turn_ms", [])]
        blame = defaultdict(int)
        for r in rows:
            if _outcome(r) == "fail":
                blame[r["blame"] or "?"] += 1
        outcomes = [_outcome(r) for r in rows]
        settings = "/".join(sorted({r.get("safeguards", "—") for r in rows}))
        lines.append(
            f"| {letter} | {settings} | {len(rows)} ({len(per_scenario)}) | {outcomes.count('pass') / len(rows):.0%} | "
            f"{outcomes.count('rescued') / len(rows):.0%} | {sum(_harmed(r) for r in rows)} | "
            + " | ".join(f"{statistics.mean(p):.2f}" if p else "—" for p in pass_k)
            + f" | {statistics.mean(r['metrics']['llm_calls'] for r in rows):.1f}"
            f" | {statistics.mean(r['metrics']['tokens_in'] + r['metrics']['tokens_out'] for r in rows):,.0f}"
            f" | {statistics.median(turns) if turns else 0:.1f}"
            f" | {', '.join(f'{who} {n}' for who, n in sorted(blame.items())) or '—'} |")
    notes = path.with_name("notes.md")
    if notes.exists():  # what a person read in the runs, kept beside them
        lines += ["", notes.read_text().strip()]
    lines += ["", "## Failures, quoted from the runs", ""]
    for letter in sorted(by_pattern):
        failed = [r for r in by_pattern[letter] if not r["passed"]]
        lines.append(f"**{letter}** — {len(failed)} of {len(by_pattern[letter])} runs failed.")
        seen = set()
        for r in failed:
            if r["scenario"] in seen:
                continue
            seen.add(r["scenario"])
            reply = (r["replies"] or [""])[-1] if r["replies"] else ""
            lines.append(f"- `{r['scenario']}` (run {r['run'] + 1}, {r['verdict']}, blamed on {r['blame']}): "
                         f"{_quote(r['why'])}" + (f" Last reply: {_quote(reply)}" if reply else ""))
            for step in r.get("notable", [])[:3]:
                lines.append(f"  - step {_quote(step)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _outcome(record: dict) -> str:
    return record.get("outcome") or ("pass" if record["passed"] else "fail")


def _harmed(record: dict) -> bool:
    return bool(record.get("harmed", record.get("verdict") == "harmed"))


def _patterns(path: Path) -> str:
    letters = sorted({r["pattern"] for r in _records(path)})
    return f"pattern{'s' * (len(letters) > 1)} {', '.join(letters)}"


def _records(path: Path) -> list[dict]:
    return [r for r in (json.loads(line) for line in path.read_text().splitlines() if line.strip()) if not r["fault"]]


def _coverage(by_pattern: dict[str, list[dict]], scenarios: list[str], runs: int) -> list[str]:
    planned = 7 * len(scenarios) * runs
    done = sum(len(rows) for rows in by_pattern.values())
    if done >= planned:
        return []
    return [f"**Incomplete:** {done} of the {planned} planned runs ({7} patterns × {len(scenarios)} scenarios × "
            f"{runs} runs). The table says, per pattern, how many runs and scenarios its figures rest on; "
            "`run.sh` goes on from where this stopped.", ""]


def _quote(text: str, limit: int = 220) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|").replace("`", "'")
    return f"“{text[:limit]}{'…' if len(text) > limit else ''}”"


if __name__ == "__main__":
    sys.stdout.write(main(*(Path(arg) for arg in sys.argv[1:])))
