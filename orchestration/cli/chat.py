"""`chat`: each MESSAGE a turn of one conversation through a pattern, printed as a transcript or as one JSON
object; with `--record` its model calls kept in a cassette, with `--replay` answered from one, and with
`--fork-at` one of them answered by you."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sqlite3
import sys
import tempfile
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from time import perf_counter
from typing import Any, TextIO

from ..calendar import BookingRow, Calendar, CalendarUnavailable, Clock
from ..identity import user_problem
from ..observe.trace import Event, actor_label
from ..vendors.settings import Settings
from .common import _export_spans, _one_line, _settings


def _chat(args: argparse.Namespace, out: TextIO) -> int:
    from ..vendors import cassette

    settings = _settings(args)
    try:
        taps = _tape(args, settings)
    except cassette.CassetteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    key = cassette.activate(taps) if taps is not None else ""
    try:
        return _chat_run(args, dataclasses.replace(settings, cassette=key, **(
            {"openai_agents_api": taps.cassette.openai_agents_api} if isinstance(taps, cassette.Player) else {})),
                         taps, out)
    finally:
        cassette.release(key)



def _tape(args: argparse.Namespace, settings: Settings) -> Any:
    """The run's cassette recorder or player, with --replay's defaults filled in from the recording."""
    from ..vendors import cassette

    if args.fork_at and not args.replay or args.decision and not args.fork_at:
        raise cassette.CassetteError("--fork-at needs --replay, and --decision needs --fork-at")
    if args.record:
        args.messages = args.messages or _missing("MESSAGE")
        return cassette.Recorder(cassette.Cassette())
    if not args.replay:
        if not args.messages:
            raise cassette.CassetteError("give at least one MESSAGE")
        return None
    recorded = cassette.Cassette.load(args.replay)
    if args.pattern and args.pattern.upper() != recorded.pattern:
        raise cassette.CassetteError(f"the cassette is a run of pattern {recorded.pattern}, not {args.pattern.upper()}")
    args.pattern, args.messages = recorded.pattern, args.messages or recorded.messages
    args.today = args.today or (date.fromisoformat(recorded.today) if recorded.today else None)
    args.user = recorded.user if args.user is None else args.user
    args.calendar = args.calendar or recorded.calendar or "demo"
    args.safeguards = args.safeguards or recorded.safeguards
    fork, decision = None, None
    if args.fork_at:
        steps = [c.step for c in recorded.calls]
        if args.fork_at not in steps:
            raise cassette.CassetteError(f"step {args.fork_at} is not a model's decision in the recording; those are "
                                         f"steps {', '.join(str(s) for s in steps if s is not None) or 'not numbered'}")
        if not args.decision:
            raise cassette.CassetteError("--fork-at needs --decision")
        fork, decision = steps.index(args.fork_at), cassette.decision_reply(args.decision)
    return cassette.Player(recorded, fork, decision, then=lambda: _configured_model(settings))



def _missing(what: str) -> list[str]:
    from ..vendors.cassette import CassetteError

    raise CassetteError(f"give at least one {what}")



def _configured_model(settings: Settings) -> Any:
    """Who decides after a fork: the local model when one is set, else the offline model."""
    from ..vendors.local_model import LocalModel
    from ..vendors.local_server import ServerQuirks
    from ..vendors.offline.brain import Brain

    return LocalModel(settings, ServerQuirks()) if settings.local_model_url else Brain()



def _chat_run(args: argparse.Namespace, settings: Settings, taps: Any, out: TextIO) -> int:
    from ..patterns import PATTERNS, Deps, TurnFailed, UnknownPattern, start
    from ..vendors import cassette

    args.user = "guest" if args.user is None else args.user
    args.calendar = args.calendar or "demo"
    if not args.pattern:
        print("error: --pattern is required (a letter, A to G)", file=sys.stderr)
        return 2
    problem = user_problem(args.user)
    if problem:
        print(f"error: --user: {problem}", file=sys.stderr)
        return 2
    clock = Clock.on(args.today) if args.today else Clock()
    with tempfile.TemporaryDirectory(prefix="court-calendar-") as scratch:
        try:
            where = args.db or args.calendar_url or Path(scratch) / "calendar.db"
            calendar = Calendar.open(where, clock, seed=args.calendar)
            if isinstance(taps, cassette.Player):
                taps.cassette.prepare(calendar)
            deps = Deps.of(calendar, args.user, settings)
            conversation = start(args.pattern, deps)
        except (UnknownPattern, TurnFailed) as error:
            print(f"error: {_one_line(error)}", file=sys.stderr)
            return 2
        except (OSError, sqlite3.Error, ValueError, CalendarUnavailable) as error:
            # the --db file: no folder, not a database, another schema; the URL: malformed, unreachable
            print(f"error: cannot use {args.db or args.calendar_url or 'the calendar'} as the court calendar: "
                  f"{_one_line(error)}", file=sys.stderr)
            return 2
        trace = deps.trace
        info = PATTERNS[args.pattern.upper()]
        if isinstance(taps, cassette.Recorder):
            if deps.clients.mode("aws") == "real" and "aws" in info.vendors:
                print("error: --record: a real Bedrock agent decides inside AWS, out of reach of any edge here; record "
                      "this pattern offline or on a local model", file=sys.stderr)
                return 2
            taps.cassette = cassette.header(info.letter, clock.today().isoformat(), args.user, list(args.messages),
                                            args.calendar, deps.clients)
        if not args.json:
            _print_banner(info.letter, info.name, deps, out)
            trace.subscribe(lambda event: _print_event(event, out))
        first_booking = calendar.last_id()
        started = perf_counter()
        turns: list[dict[str, Any]] = []
        failed = None
        for message in args.messages:
            if not args.json:
                print(f"\nYou: {message}", file=out)
            try:
                reply = conversation.send(message)
            except TurnFailed as error:
                failed = str(error)
                turns.append({"user": message, "reply": None, "error": failed, "origin": "error",
                              "events": [e.to_dict() for e in trace.of_turn(trace.turn)]})
                break
            turns.append({"user": message, "reply": reply, "origin": conversation.reply_origin,
                          "events": [e.to_dict() for e in trace.of_turn(trace.turn)]})
            if not args.json:
                print(f"Assistant: {reply}", file=out)
        wall_ms = (perf_counter() - started) * 1000
        _export_spans(args.otlp, [(info.letter, trace.events, trace.started_at)])
        bookings = [{"court": b.court, "date": b.date, "time": b.time, "user": b.user, "confirmation": b.confirmation}
                    for b in _own_bookings(calendar, first_booking, trace.events)]
        metrics = {**trace.metrics(), "wall_ms": round(wall_ms, 1)}
        if isinstance(taps, cassette.Recorder):
            taps.cassette.events, taps.cassette.bookings = [e.to_dict() for e in trace.events], bookings
            taps.cassette.number_steps(taps.cassette.events)
            try:
                taps.cassette.save(args.record)
            except OSError as error:
                print(f"error: cannot write the cassette {args.record}: {error.strerror or error}", file=sys.stderr)
                return 2
        if isinstance(taps, cassette.Player) and taps.failure:
            print(f"error: the replay left the recording: {taps.failure}", file=sys.stderr)
            return 1
        if args.json:
            vendors = {v: {k: x for k, x in deps.clients.where(v).items() if k != "says"} for v in info.vendors}
            json.dump({"pattern": info.letter, "today": clock.today().isoformat(), "user": args.user,
                       "vendors": vendors, "safeguards": "on" if settings.safeguards_on else "off", "turns": turns,
                       "bookings": bookings, "metrics": metrics, **({"error": failed} if failed else {})},
                      out, indent=2)
            print(file=out)
        else:
            _print_summary(bookings, metrics, out)
        if failed:
            print(f"error: the turn failed — {_one_line(failed).rstrip('.')}. Nothing else was sent.", file=sys.stderr)
            return 1
        return 0



def _own_bookings(calendar: Calendar, after_id: int, events: Iterable[Event]) -> list[BookingRow]:
    """The bookings this run made, as the calendar holds them: those whose confirmation codes this run's own
    tool calls got back as new bookings (`execute_tool` steps, a Lambda's or an agent's included).

    Not "every booking after the newest id at the start": on a shared calendar, other processes book meanwhile.
    A code is unique in its calendar, so theirs are never among this run's. A booking returned as
    `already_held` is left out too: the user held it already, perhaps through another run.
    """
    codes = set()
    for event in events:
        result = event.detail.get("result") if event.action == "execute_tool" else None
        if isinstance(result, Mapping) and result.get("status") == "booked" and not result.get("already_held"):
            codes.add(result.get("confirmation"))
    return [b for b in calendar.bookings(after_id=after_id) if b.confirmation in codes]



def _print_banner(letter: str, name: str, deps: Any, out: TextIO) -> None:
    vendors = ", ".join(f"{vendor}: {mode}" for vendor, mode in deps.clients.describe().items())
    guards = "safeguards on" if deps.clients.settings.safeguards_on else "safeguards off (the pattern as written)"
    print(f"Pattern {letter} — {name}", file=out)
    print(f"today {deps.clock.today().isoformat()} · user {deps.user} · {vendors} · {guards}", file=out)



def _print_event(event: Event, out: TextIO) -> None:
    route = f"{actor_label(event.actor)} → {actor_label(event.target)}"
    print(f"  {event.step:>3}  {route:<42} {event.action:<13} [{event.decided_by}] {event.summary}", file=out)



def _print_summary(bookings: list[dict[str, Any]], metrics: dict[str, Any], out: TextIO) -> None:
    print(file=out)
    if bookings:
        for b in bookings:
            print(f"Booked: court {b['court']} {b['date']} {b['time']} for {b['user']} ({b['confirmation']})", file=out)
    else:
        print("Booked: nothing", file=out)
    decisions = ", ".join(f"{who} {n}" for who, n in metrics["decisions"].items())
    print(f"{metrics['llm_calls']} model calls · {metrics['tool_calls']} tool calls · "
          f"{metrics['tokens_in']}+{metrics['tokens_out']} tokens · decisions: {decisions} · "
          f"{metrics['wall_ms']:.0f} ms", file=out)
