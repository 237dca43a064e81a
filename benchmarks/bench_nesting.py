"""How fast `serve` measures a hostile body's nesting, against a floor: one plain pass over the same bytes.

`orchestration.vendors.offline.server.nesting` counts brackets outside strings without parsing, so that a
body of a million `[` costs milliseconds instead of a `RecursionError`. Its regular expression must never
backtrack: the time per megabyte stays a small multiple of the floor (`bytes.count`, one linear pass)
whatever the bytes are, and doubling a body doubles its time.

    python benchmarks/bench_nesting.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from time import perf_counter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestration.vendors.offline.server import nesting  # noqa: E402

BODIES = {
    "escaped quotes": lambda n: b'["' + b'\\"' * (n // 2),
    "open brackets": lambda n: b"[" * n,
    "one unclosed string": lambda n: b'{"a": "' + b"x" * n,
    "an SDK's body, repeated": lambda n: (b'{"role": "user", "content": "Book court A at 3pm"}, ' * (n // 52))[:n],
}


def best(work, body: bytes, repeats: int = 5) -> float:
    """The fastest of `repeats` runs, in seconds."""
    times = []
    for _ in range(repeats):
        started = perf_counter()
        work(body)
        times.append(perf_counter() - started)
    return min(times)


def main() -> None:
    megabyte = 1_000_000
    print(f"{'body':26} {'1 MB':>9} {'floor':>9} {'x floor':>8} {'2 MB / 1 MB':>12}")
    for name, make in BODIES.items():
        one, two = make(megabyte), make(2 * megabyte)
        took, floor = best(nesting, one), best(lambda b: b.count(b"["), one)
        doubled = best(nesting, two) / took
        print(f"{name:26} {took * 1000:7.1f}ms {floor * 1000:7.2f}ms {took / floor:8.1f} {doubled:12.2f}")


if __name__ == "__main__":
    main()
