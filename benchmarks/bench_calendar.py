"""The calendar under load: throughput of one writer, and correctness of eight racing writers.

1. One writer books every slot of an empty calendar, one `book` call each: bookings per second,
   beside a floor — plain SQLite inserts of the same rows, one transaction each, with no checks.
2. Eight threads each make 1,000 booking attempts on a small set of overlapping slots. Afterwards:
   double bookings (slots held twice — must be 0) and lost confirmations (a `Booked` returned with
   no row behind it, or a row nobody was told about — must be 0).

    python benchmarks/bench_calendar.py [--writers 8] [--attempts 1000]
"""

from __future__ import annotations

import argparse
import platform
import sqlite3
import sys
import tempfile
import threading
from datetime import date, timedelta
from pathlib import Path
from time import perf_counter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestration.calendar import COURTS, FIRST_HOUR, HORIZON_DAYS, LAST_HOUR, Booked, Calendar, Clock  # noqa: E402

TODAY = date(2025, 12, 3)


def every_slot() -> list[str]:
    return [f"{court}-{(TODAY + timedelta(days=d)).isoformat()}-{hour:02d}00"
            for d in range(HORIZON_DAYS + 1) for hour in range(FIRST_HOUR, LAST_HOUR + 1) for court in COURTS]


def one_writer(folder: Path) -> tuple[int, float, float]:
    """(bookings, seconds through the calendar, seconds for the floor)."""
    slots = every_slot()
    calendar = Calendar.open(folder / "one.db", Clock.on(TODAY), seed="empty")
    started = perf_counter()
    for slot in slots:
        calendar.book(slot, "bench")
    through_calendar = perf_counter() - started

    floor_db = folder / "floor.db"
    Calendar.open(floor_db, Clock.on(TODAY), seed="empty")
    started = perf_counter()
    for n, slot in enumerate(slots):
        court, rest = slot[0], slot[2:]
        connection = sqlite3.connect(floor_db, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO bookings (court, date, time, user, confirmation, via, created_at) "
                           "VALUES (?, ?, ?, 'bench', ?, '', '')", (court, rest[:10], f"{rest[11:13]}:00", f"F-{n}"))
        connection.execute("COMMIT")
        connection.close()
    return len(slots), through_calendar, perf_counter() - started


def racing_writers(folder: Path, writers: int, attempts: int) -> dict[str, int | float]:
    calendar = Calendar.open(folder / "race.db", Clock.on(TODAY), seed="empty")
    day = (TODAY + timedelta(days=1)).isoformat()
    slots = [f"{court}-{day}-{hour:02d}00" for court in COURTS for hour in (9, 10, 11, 12, 13)]
    told: list[tuple[str, str]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(writers)

    def writer(n: int) -> None:
        barrier.wait()
        for attempt in range(attempts):
            result = calendar.book(slots[(attempt * 7 + n) % len(slots)], f"writer-{n}")
            if isinstance(result, Booked) and not result.already_held:
                with lock:
                    told.append((result.confirmation, result.user))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    started = perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = perf_counter() - started
    rows = {(b.confirmation, b.user) for b in calendar.bookings()}
    held: dict[tuple[str, str, str], int] = {}
    for b in calendar.bookings():
        held[(b.court, b.date, b.time)] = held.get((b.court, b.date, b.time), 0) + 1
    return {"attempts": writers * attempts, "seconds": seconds, "booked": len(rows),
            "double_bookings": sum(n - 1 for n in held.values() if n > 1),
            "lost_confirmations": len(rows ^ set(told))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--attempts", type=int, default=1000, help="attempts per writer")
    args = parser.parse_args()
    print(f"Court calendar (Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {platform.machine()}):")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        count, calendar_s, floor_s = one_writer(folder)
        print(f"  one writer: {count / calendar_s:8.0f} bookings/s through the calendar, "
              f"{count / floor_s:8.0f}/s plain inserts (floor) — {calendar_s / floor_s:.2f}x the floor's time")
        race = racing_writers(folder, args.writers, args.attempts)
        print(f"  {args.writers} writers x {args.attempts} attempts on {COURTS.__len__() * 5} overlapping slots: "
              f"{race['attempts'] / race['seconds']:.0f} attempts/s, {race['booked']} booked, "
              f"double bookings {race['double_bookings']}, lost confirmations {race['lost_confirmations']}")


if __name__ == "__main__":
    main()
