"""The calendar under load: throughput of one writer, and correctness of eight racing writers.

1. One writer books every slot of an empty calendar, one `book` call each: bookings per second,
   beside a floor — plain inserts of the same rows, one each, with no checks (SQLite: one
   transaction per row; DynamoDB: one unconditional `PutItem` per row).
2. Eight threads each make 1,000 booking attempts on a small set of overlapping slots. Afterwards:
   double bookings (slots held twice — must be 0) and lost confirmations (a `Booked` returned with
   no row behind it, or a row nobody was told about — must be 0).

With `--dynamodb`, both run again on a DynamoDB table, against moto's server on loopback (the test
suite's; needs requirements-dev.txt), with fewer attempts: every request is an HTTP round trip.

    python benchmarks/bench_calendar.py [--writers 8] [--attempts 1000] [--dynamodb [--dynamodb-attempts 100]]
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
    calendar = Calendar.open(str(folder / "one.db"), Clock.on(TODAY), seed="empty")
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


def one_writer_dynamodb(endpoint: str, days: int) -> tuple[int, float, float]:
    """(bookings, seconds through the calendar, seconds for the floor), on DynamoDB, over the first `days` days.

    moto's `TransactWriteItems` deep-copies the whole table to roll back with, so on moto a booking
    slows as the table grows (DynamoDB itself does no such thing); a week keeps that effect small.
    """
    import boto3

    slots = every_slot()[:days * len(COURTS) * (LAST_HOUR - FIRST_HOUR + 1)]
    calendar = Calendar.open(f"dynamodb://one?endpoint={endpoint}", Clock.on(TODAY), seed="empty")
    started = perf_counter()
    for slot in slots:
        calendar.book(slot, "bench")
    through_calendar = perf_counter() - started

    Calendar.open(f"dynamodb://floor?endpoint={endpoint}", Clock.on(TODAY), seed="empty")
    client = boto3.session.Session().client("dynamodb", region_name="us-east-1", endpoint_url=endpoint)
    started = perf_counter()
    for n, slot in enumerate(slots):
        client.put_item(TableName="floor", Item={"slot": {"S": slot}, "id": {"N": str(n)}, "user": {"S": "bench"},
                                                 "confirmation": {"S": f"F-{n}"}})
    return len(slots), through_calendar, perf_counter() - started


def racing_writers(location: str, writers: int, attempts: int) -> dict[str, int | float]:
    calendar = Calendar.open(location, Clock.on(TODAY), seed="empty")
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
    parser.add_argument("--dynamodb", action="store_true", help="also measure the DynamoDB store on moto's server")
    parser.add_argument("--dynamodb-attempts", type=int, default=100, help="attempts per writer on DynamoDB")
    parser.add_argument("--dynamodb-days", type=int, default=7, help="days of slots the one writer books on DynamoDB")
    args = parser.parse_args()
    print(f"Court calendar (Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"{platform.machine()}):")
    with tempfile.TemporaryDirectory() as scratch:
        report("SQLite", one_writer(Path(scratch)), racing_writers(str(Path(scratch) / "race.db"), args.writers,
                                                                   args.attempts), args.writers, args.attempts)
    if args.dynamodb:
        import os

        from tests.dynamodb_server import CREDENTIALS, dynamodb_server

        os.environ.update(CREDENTIALS)
        with dynamodb_server() as endpoint:
            report("DynamoDB (moto on loopback)", one_writer_dynamodb(endpoint, args.dynamodb_days),
                   racing_writers(f"dynamodb://race?endpoint={endpoint}", args.writers, args.dynamodb_attempts),
                   args.writers, args.dynamodb_attempts)


def report(store: str, one: tuple[int, float, float], race: dict[str, int | float], writers: int,
           attempts: int) -> None:
    count, calendar_s, floor_s = one
    print(f"  {store}:")
    print(f"    one writer: {count / calendar_s:8.0f} bookings/s through the calendar, "
          f"{count / floor_s:8.0f}/s plain inserts (floor) — {calendar_s / floor_s:.2f}x the floor's time")
    print(f"    {writers} writers x {attempts} attempts on {len(COURTS) * 5} overlapping slots: "
          f"{race['attempts'] / race['seconds']:.0f} attempts/s, {race['booked']} booked, "
          f"double bookings {race['double_bookings']}, lost confirmations {race['lost_confirmations']}")


if __name__ == "__main__":
    main()
