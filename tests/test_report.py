"""The real-model report (benchmarks/local-model/report.py): success counts only what a pattern did itself."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

REPORT = Path(__file__).resolve().parents[1] / "benchmarks" / "local-model" / "report.py"


def _report() -> object:
    spec = importlib.util.spec_from_file_location("real_model_report", REPORT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _record(scenario: str, outcome: str, run: int = 0, **more: object) -> dict:
    return {"pattern": "C", "scenario": scenario, "run": run, "fault": "", "model": "m", "commit": "abc123",
            "safeguards": "on", "outcome": outcome, "passed": outcome == "pass", "harmed": outcome == "harmed",
            "verdict": "recovered", "why": "" if outcome == "pass" else "safeguard checked-slots acted",
            "blame": None, "replies": ["Booked."], "turn_ms": [1000],
            "metrics": {"llm_calls": 3, "tokens_in": 100, "tokens_out": 10}, "notable": [], **more}


def test_rescued_runs_stand_beside_success_and_never_count_as_passes(tmp_path: Path) -> None:
    runs = tmp_path / "runs.jsonl"
    runs.write_text("\n".join(json.dumps(r) for r in (_record("one", "pass"), _record("two", "rescued"))) + "\n")
    table = [line for line in _report().main(runs).splitlines() if line.startswith("| C ")]  # type: ignore[attr-defined]
    assert table == ["| C | on | 2 (2) | 50% | 50% | 0 | 0.50 | 3.0 | 110 | 1.0 | — |"]
