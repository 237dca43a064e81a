"""The whole scenario suite over all seven patterns, offline: total time, and each pattern's share.

    python benchmarks/bench_suite.py [--faults]
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path
from time import perf_counter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestration.evaluate import FAULTS, run_suite  # noqa: E402
from orchestration.scenarios import load  # noqa: E402
from orchestration.vendors.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", action="store_true", help="also run every fault over the probe scenarios")
    args = parser.parse_args()
    scenarios = load()
    run_suite(scenarios[:3], "ABCDEFG", settings=Settings())  # warm up imports and caches
    started = perf_counter()
    suite = run_suite(scenarios, "ABCDEFG", faults=list(FAULTS) if args.faults else [], settings=Settings())
    total = perf_counter() - started
    runs = sum(len(per) for per in suite.baseline.values()) + sum(
        len(o) for per in suite.faults.values() for o in per.values())
    print(f"Scenario suite, offline (Python {platform.python_version()}, {platform.machine()}): "
          f"{len(scenarios)} scenarios x 7 patterns{' + every fault on the probes' if args.faults else ''} = {runs} "
          f"runs in {total:.1f} s")
    for letter, summary in suite.report["patterns"].items():
        share = summary["ms"] * len(scenarios) / 1000 / total
        print(f"  {letter}: {summary['ms']:6.1f} ms per scenario run, {share:5.1%} of the suite's time")


if __name__ == "__main__":
    main()
