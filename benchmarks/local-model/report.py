"""docs/real-models.md from one measurement: what a real model did to each pattern, as written and with safeguards.

    python benchmarks/local-model/report.py docs/real-models/NAME.jsonl > docs/real-models.md

NAME.jsonl holds the runs `evaluate --results` wrote (both settings of `--safeguards`, one commit);
NAME.meta.json beside it says how they were made (model, server, machine, sampling, and the earlier
measurement of the prompt tokens before the server and prompts were tuned). Everything in the report
is computed from those two files, so `tests/test_report.py` can rebuild it and compare.

- Outcomes: `pass` counts only what the pattern did itself; `rescued` is the right end state thanks to
  a cap, an error path or a safeguard; `harmed` runs booked what nobody asked for.
- pass^k: the chance that k runs of a scenario all pass, estimated from the K runs as tau-bench does,
  averaged over scenarios.
- Prompt tokens: sent, evaluated by the server (not served from its cache) and the floor (the tokens
  after the longest prefix a call shares with any earlier call of its run).
- Earlier measurements, in `docs/real-models/history/`, are listed apart and never mixed in.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from math import comb
from pathlib import Path

SETTINGS = ("off", "on")
PAUSE = timedelta(minutes=15)  # a longer gap between runs: the measurement stopped and went on later


def main(path: Path) -> str:
    records = records_of(path)
    meta = json.loads(path.with_suffix(".meta.json").read_text()) if path.with_suffix(".meta.json").exists() else {}
    scenarios = sorted(set(meta.get("scenarios") or ()) | {r["scenario"] for r in records})
    runs = max(int(meta.get("runs") or 0), max(r["run"] for r in records) + 1)
    commits = sorted({r.get("commit") or "?" for r in records})
    lines = [
        "# What a real model does to each pattern",
        "",
        f"The core scenarios ({len(scenarios)}: {', '.join(scenarios)}) through all seven patterns, {runs} runs "
        "each, twice: with the playground's safeguards off (each pattern as the article writes it) and on. Every "
        "vendor's calls went to one local model: OpenAI's directly, Bedrock's and Anthropic's through the "
        "in-process emulated services, whose decisions it made. Graded as the suite always is, by the calendar's "
        f"end state and the last reply. Made by `benchmarks/local-model/run.sh`; every run's record is in "
        f"`{_shown(path)}`.",
        "",
        f"- **Model:** {meta.get('model', records[0].get('model') or '?')}",
        f"- **Server:** {meta.get('server', 'llama.cpp llama-server')}",
        f"- **Machine:** {meta.get('machine', '?')}",
        f"- **Sampling:** {meta.get('sampling', '?')}",
        f"- **Measured at commit:** {', '.join(commits)} ({len(records)} runs)",
        f"- **Wall time of the whole measurement:** {wall_time(records)}",
        "",
        *_coverage(records, scenarios, runs),
        "## Outcomes, each pattern as written and with safeguards",
        "",
        f"Counts of runs out of {len(scenarios) * runs} per pattern and setting. *Unasked*: bookings nobody asked "
        "for, summed over the runs.",
        "",
        "| Pattern | Off: pass / rescued / fail | Off: harmed runs | Off: unasked | Off: "
        + f"pass^{runs} | On: pass / rescued / fail | On: harmed runs | On: unasked | On: pass^{runs} |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    table = outcomes(records)
    for letter in sorted(table):
        cells = []
        for setting in SETTINGS:
            row = table[letter].get(setting)
            cells += ([f"{row['pass']} / {row['rescued']} / {row['fail']}", str(row["harmed"]), str(row["unasked"]),
                       f"{row['pass_k'][-1]:.2f}" if row["pass_k"] else "—"] if row else ["—"] * 4)
        lines.append(f"| {letter} | " + " | ".join(cells) + " |")
    lines += ["", "## What the safeguards bought", "",
              "Per pattern, off → on over the same scenarios and runs (the runs are samples, not pairs). "
              "*Acted*: runs in which each safeguard acted. Cost: mean model calls and prompt tokens sent per run.",
              "", "| Pattern | Harmed runs | Unasked bookings | Pass | Rescued (on) | Acted | Model calls | "
              "Prompt tokens |", "|---|---|---|---|---|---|---|---|"]
    for letter in sorted(table):
        off, on = table[letter].get("off"), table[letter].get("on")
        if not off or not on:
            continue
        acted = ", ".join(f"{name} {n}" for name, n in sorted(on["acted"].items())) or "none"
        lines.append(f"| {letter} | {off['harmed']} → {on['harmed']} | {off['unasked']} → {on['unasked']} | "
                     f"{off['pass']} → {on['pass']} | {on['rescued']} | {acted} | "
                     f"{off['calls']:.1f} → {on['calls']:.1f} | "
                     f"{off['prompt_tokens']:,.0f} → {on['prompt_tokens']:,.0f} |")
    lines += ["", "## What the server read", "",
              "Prompt tokens summed over every model call: *sent*, *evaluated* by the server (not served from its "
              "cache), and the *floor*, the tokens after the longest prefix a call shares with any earlier call "
              "of its run, which no cache could avoid. The server's cache outlives a run, so evaluated can be "
              "below the floor.", "",
              "| Pattern | Setting | Sent | Evaluated | Floor | Evaluated / floor | Median s per run |",
              "|---|---|---|---|---|---|---|"]
    for letter in sorted(table):
        for setting in SETTINGS:
            row = table[letter].get(setting)
            if row:
                lines.append(f"| {letter} | {setting} | {row['sent']:,} | {row['evaluated']:,} | {row['floor']:,} | "
                             f"{ratio(row['evaluated'], row['floor'])} | {row['seconds']:.0f} |")
    total = tokens(records)
    lines += [f"| all | both | {total['sent']:,} | {total['evaluated']:,} | {total['floor']:,} | "
              f"{ratio(total['evaluated'], total['floor'])} | |", ""]
    baseline = meta.get("baseline")
    if baseline and (path.parent / baseline["file"]).exists():
        lines += _before_after(records, records_of(path.parent / baseline["file"]), baseline)
    history = sorted((path.parent / "history").glob("*.jsonl")) if (path.parent / "history").is_dir() else []
    if history:
        lines += _history(path.parent, history)
    notes = path.with_name("notes.md")
    if notes.exists():  # what a person read in the runs, kept beside them
        lines += [notes.read_text().strip(), ""]
    lines += _failures(records)
    return "\n".join(lines).rstrip() + "\n"


# --- Figures, each from the records alone ------------------------------------------------------


def outcomes(records: list[dict]) -> dict[str, dict[str, dict]]:
    """Pattern -> setting -> counts, pass^k, safeguards that acted, mean calls and tokens, token sums."""
    grouped: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in records:
        grouped[r["pattern"], r.get("safeguards", "off")].append(r)
    table: dict[str, dict[str, dict]] = defaultdict(dict)
    for (letter, setting), rows in grouped.items():
        counted = Counter(_outcome(r) for r in rows)
        per_scenario: dict[str, list[bool]] = defaultdict(list)
        for r in rows:
            per_scenario[r["scenario"]].append(_outcome(r) == "pass")
        most = min(len(v) for v in per_scenario.values())
        acted: Counter[str] = Counter()
        for r in rows:
            acted.update({name for name in (r.get("safeguards_acted") or {})})
        table[letter][setting] = {
            "pass": counted["pass"], "rescued": counted["rescued"], "fail": counted["fail"],
            "harmed": sum(_harmed(r) for r in rows), "unasked": sum(r.get("unasked", int(_harmed(r))) for r in rows),
            "pass_k": [statistics.mean(comb(sum(v), k) / comb(len(v), k) for v in per_scenario.values())
                       for k in range(1, most + 1)],
            "acted": dict(acted), "calls": statistics.mean(r["metrics"]["llm_calls"] for r in rows),
            "prompt_tokens": statistics.mean(r.get("prompt_tokens") or 0 for r in rows),
            "seconds": statistics.median(r["metrics"].get("wall_ms", 0) / 1000 for r in rows),
            **tokens(rows),
        }
    return table


def tokens(records: list[dict]) -> dict[str, int]:
    """Prompt tokens sent, evaluated and the floor, summed (a record without a count adds 0)."""
    return {"sent": sum(r.get("prompt_tokens") or 0 for r in records),
            "evaluated": sum(r.get("prompt_tokens_evaluated") or 0 for r in records),
            "floor": sum(r.get("prompt_tokens_floor") or 0 for r in records)}


def ratio(evaluated: int, floor: int) -> str:
    return f"{evaluated / floor:.2f}" if floor else "—"


def wall_time(records: list[dict]) -> str:
    """How long the measurement ran: its runs merged into stretches of back-to-back runs.

    `at` is when a run ended and `wall_ms` how long it took. A measurement that stopped and went on later
    (a machine that was switched off, a session that ended) is several stretches; the time between them
    is not the measurement's, so it is stated apart.
    """
    spans = sorted((datetime.fromisoformat(r["at"]) - timedelta(milliseconds=r["metrics"].get("wall_ms", 0)),
                    datetime.fromisoformat(r["at"])) for r in records if r.get("at"))
    if not spans:
        return "not recorded"
    stretches = [list(spans[0])]
    for start, end in spans[1:]:
        if start - stretches[-1][1] > PAUSE:
            stretches.append([start, end])
        else:
            stretches[-1][1] = max(stretches[-1][1], end)
    running = sum((end - start).total_seconds() for start, end in stretches) / 60
    busy = sum(r["metrics"].get("wall_ms", 0) for r in records if r.get("at")) / 60000
    shown = "; ".join(f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}" for start, end in stretches)
    where = f"from {shown} UTC" if len(stretches) == 1 else f"in {len(stretches)} stretches ({shown} UTC)"
    return f"{running // 60:.0f} h {running % 60:.0f} min, {where}; {busy:.0f} min of runs, summed"


def records_of(path: Path) -> list[dict]:
    return [r for r in (json.loads(line) for line in path.read_text().splitlines() if line.strip())
            if not r.get("fault")]


def _outcome(record: dict) -> str:
    return record.get("outcome") or ("pass" if record.get("passed") else "fail")


def _harmed(record: dict) -> bool:
    return bool(record.get("harmed", record.get("verdict") == "harmed"))


# --- Sections ----------------------------------------------------------------------------------


def _before_after(records: list[dict], before: list[dict], baseline: dict) -> list[str]:
    """The evaluated-to-floor ratio before the server and prompts were tuned, and now, on the same runs."""
    def key(r: dict) -> tuple:
        return r["pattern"], r["scenario"], r.get("safeguards", "off"), r["run"]
    common = {key(r) for r in before} & {key(r) for r in records}
    before, after = [r for r in before if key(r) in common], [r for r in records if key(r) in common]
    if not common:
        return []
    was, now = tokens(before), tokens(after)
    return ["## Before and after tuning the server and the prompts", "",
            f"{baseline.get('what', '')} Both rows cover the same patterns, scenarios, runs and setting "
            f"({len(before)} runs before, {len(after)} in this measurement).", "",
            "| | Runs | Sent | Evaluated | Floor | Evaluated / floor | Median s per run |",
            "|---|---|---|---|---|---|---|",
            f"| Before (`{baseline['file']}`, {baseline.get('server', '')}) | {len(before)} | {was['sent']:,} | "
            f"{was['evaluated']:,} | {was['floor']:,} | {ratio(was['evaluated'], was['floor'])} | "
            f"{_median_s(before):.0f} |",
            f"| After (this measurement) | {len(after)} | {now['sent']:,} | {now['evaluated']:,} | {now['floor']:,} | "
            f"{ratio(now['evaluated'], now['floor'])} | {_median_s(after):.0f} |", ""]


def _median_s(records: list[dict]) -> float:
    return statistics.median(r["metrics"].get("wall_ms", 0) / 1000 for r in records) if records else 0.0


def _history(folder: Path, files: list[Path]) -> list[str]:
    lines = ["## History: earlier measurements (not part of the tables above)", "",
             "Measured at other commits, under other grading rules or harness; kept for the record, never mixed "
             "in. Success here is what each file's own grading said.", ""]
    for file in files:
        rows = records_of(file)
        commits = sorted({r.get("commit") or "not recorded" for r in rows})
        per = Counter(r["pattern"] for r in rows)
        passed = Counter(r["pattern"] for r in rows if _outcome(r) == "pass")
        lines.append(f"- `{_shown(file)}`: {len(rows)} runs, commit "
                     f"{', '.join(commits)}; pass: "
                     + ", ".join(f"{p} {passed[p]}/{n}" for p, n in sorted(per.items())))
    return [*lines, ""]


def _failures(records: list[dict]) -> list[str]:
    lines = ["## Failures, quoted from the runs", ""]
    for setting in SETTINGS:
        for letter in sorted({r["pattern"] for r in records}):
            rows = [r for r in records if r["pattern"] == letter and r.get("safeguards", "off") == setting]
            failed = [r for r in rows if _outcome(r) == "fail"]
            if not rows:
                continue
            lines.append(f"**{letter}, safeguards {setting}**: {len(failed)} of {len(rows)} runs failed.")
            seen = set()
            for r in failed:
                if r["scenario"] in seen:
                    continue
                seen.add(r["scenario"])
                reply = (r["replies"] or [""])[-1] if r["replies"] else ""
                lines.append(f"- `{r['scenario']}` (run {r['run'] + 1}, {r['verdict']}, blamed on {r['blame']}): "
                             f"{_quote(r['why'])}" + (f" Last reply: {_quote(reply)}" if reply else ""))
            lines.append("")
    return lines


def _coverage(records: list[dict], scenarios: list[str], runs: int) -> list[str]:
    planned = 7 * len(scenarios) * runs * len(SETTINGS)
    if len(records) >= planned:
        return []
    return [f"**Incomplete:** {len(records)} of the {planned} planned runs (7 patterns × {len(scenarios)} scenarios × "
            f"{runs} runs × safeguards off and on). `run.sh` goes on from where this stopped.", ""]


def _shown(path: Path) -> str:
    """A file as the repository names it (wherever the report is run from)."""
    try:
        return path.resolve().relative_to(Path(__file__).resolve().parents[2]).as_posix()
    except ValueError:
        return path.as_posix()


def _quote(text: str, limit: int = 220) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|").replace("`", "'")
    return f"“{text[:limit]}{'…' if len(text) > limit else ''}”"


if __name__ == "__main__":
    sys.stdout.write(main(Path(sys.argv[1])))
