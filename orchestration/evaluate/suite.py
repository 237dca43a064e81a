"""Running the suite and building its report: each run on a fresh calendar (`Runner`), kept in a
results file as it ends and read back to resume (`RunLog`), every scenario through every pattern and
each fault over the probes (`run_suite`, `evaluate`), and the report's figures (pass^k, success,
rescued, fault verdicts). Each run is graded by `grading.py`.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..calendar import Calendar, Clock
from ..observe.provenance import commit
from ..observe.trace import code_share
from ..patterns import PATTERNS, Deps
from ..runs import RunResult, run_conversation
from ..scenarios import Scenario
from ..vendors.settings import Settings
from .faults import FAULTS, Fault
from .grading import Outcome, grade

Progress = Callable[[int, int, str], None]


# --- One run ------------------------------------------------------------------------------------


class Runner:
    """Runs scenarios on fresh calendars, copied from one seeded template per starting state."""

    def __init__(self, folder: Path, settings: Settings, record: Path | None = None) -> None:
        self.folder, self.settings, self.record = folder, settings, record
        self._templates: dict[tuple[str, str], Calendar] = {}
        self._count = 0

    def calendar(self, scenario: Scenario) -> Calendar:
        key = (scenario.calendar, scenario.today.isoformat())
        if key not in self._templates:
            self._templates[key] = Calendar.open(self.folder / f"template-{key[0]}-{key[1]}.db",
                                                 Clock.on(scenario.today), seed=scenario.calendar)
        self._count += 1
        return self._templates[key].copy_to(self.folder / f"run-{self._count}.db")

    def run(self, scenario: Scenario, letter: str, fault: Fault | None = None, tape: str = "") -> Outcome:
        """One run; with `record` set, its model calls are kept in the cassette `record/tape.cassette`."""
        from ..vendors import cassette

        calendar = self.calendar(scenario)
        scenario.prepare(calendar)
        settings = self.settings
        if fault is not None:
            settings = fault.apply(calendar, settings)
        recorder = cassette.Recorder(cassette.Cassette()) if self.record and tape else None
        key = cassette.activate(recorder) if recorder else ""
        try:
            deps = Deps.of(calendar, scenario.user, replace(settings, cassette=key) if key else settings)
            if recorder is not None:
                recorder.cassette = cassette.header(letter, scenario.today.isoformat(), scenario.user,
                                                    list(scenario.turns), scenario.calendar, deps.clients)
                recorder.cassette.setup = {"bookings": [[b.court, b.date, b.time, b.user] for b in scenario.setup],
                                           "notices": [list(n) for n in scenario.notices]}
            result = run_conversation(letter, deps, scenario.turns)
        finally:
            cassette.release(key)
        if recorder is not None and self.record is not None:
            kept = recorder.cassette
            kept.events = [e.to_dict() for e in result.events]
            kept.bookings = [{"court": b.court, "date": b.date, "time": b.time, "user": b.user,
                              "confirmation": b.confirmation} for b in result.bookings]
            kept.number_steps(kept.events)
            self.record.mkdir(parents=True, exist_ok=True)
            kept.save(self.record / f"{tape}.cassette")
        return grade(scenario, letter, result)


# --- The suite ----------------------------------------------------------------------------------


class ServerGone(Exception):
    """The local model's server stopped answering: the rest of the suite would only record its absence."""


class RunLog:
    """Runs kept in a JSON-lines file: one line per run, written when it ends, read back to resume."""

    def __init__(self, path: Path | None, settings: Settings) -> None:
        self.path, self.settings = path, settings
        self.done: dict[tuple[str, str, int, str], dict[str, Any]] = {}
        if path is not None and path.exists():
            for line in path.read_text().splitlines():
                try:
                    record = json.loads(line)
                    self.done[record["pattern"], record["scenario"], record["run"], record["fault"]] = record
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short when the run was stopped: that run is done again

    def outcome(self, letter: str, scenario: Scenario, n: int, fault: str, run: Callable[[], Outcome]) -> Outcome:
        record = self.done.get((letter, scenario.id, n, fault))
        if record is not None:
            return _from_record(record)
        outcome = run()
        if self.settings.local_model_url and "could not be reached" in (outcome.result.error or ""):
            raise ServerGone(f"the local model at {self.settings.local_model_url} could not be reached; stopped "
                             "(runs already recorded are kept, and a new start goes on from here)")
        if self.path is not None:
            with self.path.open("a") as file:
                file.write(json.dumps(_record(outcome, scenario, n, fault, self.settings)) + "\n")
        return outcome


def _record(outcome: Outcome, scenario: Scenario, n: int, fault: str, settings: Settings) -> dict[str, Any]:
    result = outcome.result
    notable = [f"{e.step}. {e.action}: {e.summary}" for e in result.events if e.failed]
    return {"pattern": outcome.letter, "scenario": scenario.id, "run": n, "fault": fault,
            "model": settings.local_model if settings.local_model_url else "", "commit": commit(),
            "safeguards": "on" if settings.safeguards_on else "off", "outcome": outcome.outcome,
            **{k: result.metrics.get(k) for k in ("prompt_tokens", "prompt_tokens_evaluated", "prompt_tokens_floor")},
            "passed": outcome.passed, "harmed": outcome.harmed, "unasked": outcome.unasked,
            "safeguards_acted": dict(Counter(e.detail.get("safeguard") for e in result.events
                                             if e.actor.startswith("safeguard:"))),
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "verdict": outcome.verdict,
            "why": outcome.why,
            "blame": outcome.blame, "harmed_others": outcome.harmed_others, "replies": result.replies,
            "error": result.error,
            "turn_ms": [round(e.ms) for e in result.events if e.action == "reply"],
            "metrics": {k: result.metrics.get(k) for k in ("llm_calls", "tool_calls", "tokens_in", "tokens_out",
                                                             "wall_ms", "cost_usd", "decisions", "code_share")},
            "notable": notable[:12]}


def _from_record(record: dict[str, Any]) -> Outcome:
    result = RunResult(record["pattern"], record.get("replies") or [], record.get("error"), (), record["metrics"])
    outcome = record.get("outcome") or ("pass" if record["passed"] else "fail")  # records older than `outcome`
    harmed = record.get("harmed", record["verdict"] == "harmed")
    return Outcome(record["scenario"], record["pattern"], outcome, record["why"], record["blame"],
                   record["verdict"], harmed, record["harmed_others"], result, record.get("unasked", int(harmed)))


@dataclass(frozen=True)
class Suite:
    """A finished suite: the report, and every outcome behind it (with its steps)."""

    report: dict[str, Any]
    baseline: dict[str, list[list[Outcome]]]
    """Pattern -> per scenario -> one outcome per run."""
    faults: dict[str, dict[str, list[Outcome]]]
    """Fault -> pattern -> one outcome per probe scenario."""

    def failures(self) -> list[tuple[str, Outcome]]:
        """(fault or "", outcome) for every run that did not pass: the first run of each scenario,
        and every fault case."""
        found = [("", runs[0]) for per_letter in self.baseline.values() for runs in per_letter if not runs[0].passed]
        return found + [(name, o) for name, per_letter in self.faults.items()
                        for outcomes in per_letter.values() for o in outcomes if not o.passed]


def evaluate(scenarios: Sequence[Scenario], letters: str = "ABCDEFG", runs: int = 1,
             faults: Sequence[str] = (), settings: Settings | None = None,
             progress: Progress | None = None, results: Path | None = None,
             record: Path | None = None) -> dict[str, Any]:
    """Run the suite (and each fault over the scenarios tagged `probe`); returns the report."""
    return run_suite(scenarios, letters, runs, faults, settings, progress, results, record).report


def run_suite(scenarios: Sequence[Scenario], letters: str = "ABCDEFG", runs: int = 1,
              faults: Sequence[str] = (), settings: Settings | None = None,
              progress: Progress | None = None, results: Path | None = None, record: Path | None = None) -> Suite:
    """Run the suite (and each fault over the scenarios tagged `probe`); returns it, outcomes and all.

    With `results`, each run is appended to that JSON-lines file as soon as it ends, and runs the
    file already holds are read back instead of run again: a stopped run loses nothing and resumes.
    With `record`, each run's model calls go to a cassette in that folder, named by pattern, scenario,
    fault, run and safeguards setting.
    """
    settings = settings or Settings()
    log = RunLog(results, settings)
    probes = [s for s in scenarios if "probe" in s.tags] or list(scenarios)
    total = len(scenarios) * len(letters) * runs + len(probes) * len(letters) * len(faults)
    done = 0

    def tick(label: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total, label)

    with tempfile.TemporaryDirectory(prefix="evaluate-") as scratch:
        runner = Runner(Path(scratch), settings, record)
        setting = "safeguards-on" if settings.safeguards_on else "safeguards-off"
        baseline: dict[str, list[list[Outcome]]] = {}
        for letter in letters:
            baseline[letter] = []
            for scenario in scenarios:
                outcomes = []
                for n in range(runs):
                    tape = f"{letter}-{scenario.id}-run{n + 1}-{setting}"
                    outcomes.append(log.outcome(letter, scenario, n, "",
                                                lambda: runner.run(scenario, letter, tape=tape)))
                    tick(f"{letter} · {scenario.id} · run {n + 1}")
                baseline[letter].append(outcomes)
        fault_outcomes = {name: {letter: [] for letter in letters} for name in faults}
        for name in faults:
            for letter in letters:
                for scenario in probes:
                    fault_outcomes[name][letter].append(
                        log.outcome(letter, scenario, 0, name, lambda: runner.run(
                            scenario, letter, FAULTS[name], tape=f"{letter}-{scenario.id}-{name}-{setting}")))
                    tick(f"{name} · {letter} · {scenario.id}")
    report = _report(scenarios, letters, runs, baseline, fault_outcomes, settings, len(probes))
    return Suite(report, baseline, fault_outcomes)


def _report(scenarios: Sequence[Scenario], letters: str, runs: int, baseline: dict[str, list[list[Outcome]]],
            fault_outcomes: dict[str, dict[str, list[Outcome]]], settings: Settings, probes: int) -> dict[str, Any]:
    offline = all(settings.mode(v) == "offline" for v in ("openai", "anthropic", "aws"))
    local = settings.local_model_url and not offline
    patterns = {}
    for letter in letters:
        every = [o for per_scenario in baseline[letter] for o in per_scenario]
        metrics = [o.result.metrics for o in every]
        decisions: dict[str, int] = {}
        for m in metrics:
            for who, n in m["decisions"].items():
                decisions[who] = decisions.get(who, 0) + n
        failures = [{"scenario": o.scenario, "outcome": o.outcome, "blame": o.blame, "why": o.why}
                    for per_scenario in baseline[letter] for o in per_scenario[:1] if not o.passed]
        patterns[letter] = {
            "success": round(sum(o.passed for o in every) / len(every), 4),
            "rescued": round(sum(o.outcome == "rescued" for o in every) / len(every), 4),
            "harmed": sum(o.harmed for o in every),
            "pass_k": round(sum(all(o.passed for o in runs_) for runs_ in baseline[letter]) / len(scenarios), 4),
            "llm_calls": round(statistics.mean(m["llm_calls"] for m in metrics), 2),
            "tool_calls": round(statistics.mean(m["tool_calls"] for m in metrics), 2),
            "tokens": round(statistics.mean(m["tokens_in"] + m["tokens_out"] for m in metrics), 1),
            "cost_usd": round(statistics.mean(m["cost_usd"] for m in metrics), 6),
            "ms": round(statistics.mean(m["wall_ms"] for m in metrics), 1),
            "code_decisions_share": round(code_share(decisions), 3),
            "bookings_for_others": sum(o.harmed_others for o in every),
            "failures": failures,
        }
    report: dict[str, Any] = {
        "scenarios": len(scenarios), "runs": runs, "per": "metrics are means per scenario run",
        "safeguards": "on" if settings.safeguards_on else "off", "commit": commit(),
        "deterministic": offline,
        "note": ("Every vendor is offline: the offline model is deterministic, so pass^k equals the one-run pass rate."
                 if offline else f"Local model {settings.local_model} answered (local models cost nothing): repeated "
                 "runs can differ, so pass^k can be below success." if local else
                 "Real models answered: repeated runs can differ, so pass^k can be below success."),
        "patterns": patterns,
    }
    if fault_outcomes:
        report["faults"] = {
            name: {"title": FAULTS[name].title, "what": FAULTS[name].what, "side": FAULTS[name].side,
                   "scenarios": probes,
                   "patterns": {letter: _fault_summary(outcomes) for letter, outcomes in per_letter.items()}}
            for name, per_letter in fault_outcomes.items()}
    return report


def _fault_summary(outcomes: list[Outcome]) -> dict[str, Any]:
    counts = {verdict: sum(o.verdict == verdict for o in outcomes)
              for verdict in ("recovered", "rescued", "contained", "harmed")}
    worst = next(v for v in ("harmed", "contained", "rescued", "recovered") if counts[v] or v == "recovered")
    return {**counts, "verdict": worst,
            "cases": [{"scenario": o.scenario, "verdict": o.verdict, "why": o.why} for o in outcomes if not o.passed]}


def pattern_names(letters: str) -> str:
    """Check pattern letters; raises ValueError naming the unknown ones."""
    unknown = [letter for letter in letters if letter not in PATTERNS]
    if unknown:
        raise ValueError(f"no pattern {', '.join(unknown)}; the patterns are {', '.join(PATTERNS)}")
    return letters
