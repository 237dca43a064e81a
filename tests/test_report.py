"""The real-model report (benchmarks/local-model/report.py): its numbers are the records', recomputed here.

`docs/real-models.md` is rebuilt from the newest measurement in `docs/real-models/` and must be what
is committed, and the table's counts and token sums are computed again here, apart from the report's
code, so that the table and the records cannot disagree.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "benchmarks" / "local-model" / "report.py"


def _report() -> object:
    spec = importlib.util.spec_from_file_location("real_model_report", REPORT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _record(scenario: str, outcome: str, run: int = 0, safeguards: str = "on", **more: object) -> dict:
    return {"pattern": "C", "scenario": scenario, "run": run, "fault": "", "model": "m", "commit": "abc123",
            "safeguards": safeguards, "outcome": outcome, "passed": outcome == "pass", "harmed": False, "unasked": 0,
            "verdict": "recovered", "why": "" if outcome == "pass" else "safeguard checked-slots acted",
            "blame": None, "replies": ["Booked."], "turn_ms": [1000], "safeguards_acted": {},
            "prompt_tokens": 100, "prompt_tokens_evaluated": 30, "prompt_tokens_floor": 40,
            "at": "2026-12-03T10:00:00+00:00",
            "metrics": {"llm_calls": 3, "tokens_in": 100, "tokens_out": 10, "wall_ms": 60000}, "notable": [], **more}


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_rescued_runs_stand_beside_passes_and_never_count_as_passes(tmp_path: Path) -> None:
    runs = _write(tmp_path / "runs.jsonl", [
        _record("one", "pass"), _record("two", "rescued", safeguards_acted={"checked-slots": 1}),
        _record("one", "fail", safeguards="off", harmed=True, unasked=2, verdict="harmed", blame="model")])
    report = _report().main(runs)  # type: ignore[attr-defined]
    rows = [line for line in report.splitlines() if line.startswith("| C ")]
    assert rows[0] == "| C | 0 / 0 / 1 | 1 | 2 | 0.00 | 1 / 1 / 0 | 0 | 0 | 0.50 |"
    assert rows[1] == "| C | 1 → 0 | 2 → 0 | 0 → 1 | 1 | checked-slots 1 | 3.0 → 3.0 | 100 → 100 |"
    assert "| C | off | 100 | 30 | 40 | 0.75 | 60 |" in rows
    assert "0 h 1 min, from 2026-12-03 09:59–10:00 UTC; 3 min of runs, summed" in report


def test_a_measurement_that_stopped_and_went_on_counts_only_its_stretches(tmp_path: Path) -> None:
    day = [_record("one", "pass", run=run, at=f"2026-12-03T10:{10 * run:02d}:00+00:00") for run in range(3)]
    next_day = [_record("two", "pass", at="2026-12-04T08:30:00+00:00")]
    report = _report().main(_write(tmp_path / "runs.jsonl", day + next_day))  # type: ignore[attr-defined]
    assert ("0 h 22 min, in 2 stretches (2026-12-03 09:59–10:20; 2026-12-04 08:29–08:30 UTC); 4 min of runs, summed"
            in report)


def test_earlier_measurements_are_listed_apart_and_never_mixed_in(tmp_path: Path) -> None:
    (tmp_path / "history").mkdir()
    _write(tmp_path / "history" / "old.jsonl", [_record("one", "pass", commit="old1")] * 5)
    runs = _write(tmp_path / "runs.jsonl", [_record("one", "fail")])
    report = _report().main(runs)  # type: ignore[attr-defined]
    assert "| C | — | — | — | — | 0 / 0 / 1 | 0 | 0 | 0.00 |" in report
    history = report.split("## History")[1]
    assert "/history/old.jsonl`: 5 runs, commit old1; pass: C 5/5" in history


def _newest() -> Path:
    files = sorted((ROOT / "docs" / "real-models").glob("*.jsonl"), key=os.path.getmtime)
    return max(files, key=lambda p: sum(1 for _ in p.open()))  # the measurement: the file with the most runs


def test_the_committed_report_is_the_one_its_records_make() -> None:
    assert (ROOT / "docs" / "real-models.md").read_text() == _report().main(_newest())  # type: ignore[attr-defined]


def test_the_tables_numbers_are_the_records_counted_again() -> None:
    """Independent of report.py: each pattern's and setting's outcomes, harmed runs, unasked bookings and
    token sums, as the committed docs/real-models.md states them."""
    records = [json.loads(line) for line in _newest().read_text().splitlines() if line.strip()]
    committed = (ROOT / "docs" / "real-models.md").read_text()
    for letter in sorted({r["pattern"] for r in records}):
        cells = []
        for setting in ("off", "on"):
            rows = [r for r in records if r["pattern"] == letter and r["safeguards"] == setting and not r["fault"]]
            if not rows:
                cells.append(None)
                continue
            counted = Counter(r["outcome"] for r in rows)
            cells.append(f"{counted['pass']} / {counted['rescued']} / {counted['fail']} | "
                         f"{sum(r['harmed'] for r in rows)} | {sum(r['unasked'] for r in rows)}")
            sent, evaluated, floor = (sum(r[k] or 0 for r in rows) for k in
                                      ("prompt_tokens", "prompt_tokens_evaluated", "prompt_tokens_floor"))
            assert f"| {letter} | {setting} | {sent:,} | {evaluated:,} | {floor:,} |" in committed
        row = next(line for line in committed.splitlines() if line.startswith(f"| {letter} | ") and " / " in line)
        for cell in cells:
            assert cell is None or f"| {cell} |" in row
    evaluated = sum(r["prompt_tokens_evaluated"] or 0 for r in records)
    floor = sum(r["prompt_tokens_floor"] or 0 for r in records)
    assert f"| all | both | {sum(r['prompt_tokens'] or 0 for r in records):,} | {evaluated:,} | {floor:,} | " \
           f"{evaluated / floor:.2f} |" in committed


def test_the_readmes_server_command_is_run_shs() -> None:
    readme = (ROOT / "README.md").read_text()
    command = readme[readme.index("llama-server -m "):]
    command = command[: command.index("\npython")].replace("\\\n", " ")
    run_sh = (ROOT / "benchmarks" / "local-model" / "run.sh").read_text()
    arguments = run_sh[run_sh.index("SERVER_ARGS=(") + len("SERVER_ARGS=("):]
    arguments = arguments[: arguments.index(")\n")].replace("\n", " ")
    flags = [w for w in command.split() if w.startswith("-")]
    assert flags == [w for w in arguments.split() if w.startswith("-")]
    assert {"-np", "--cache-ram", "--chat-template-file"} <= set(flags)
