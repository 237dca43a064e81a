"""The command line: chat through a pattern, or serve the offline model on loopback.

    python -m orchestration chat --pattern C [--today YYYY-MM-DD] [--user ID] [--calendar demo|empty]
                                 [--db PATH | --calendar-url URL] [--offline] [--json] MESSAGE [MESSAGE ...]
    python -m orchestration evaluate [--patterns ABCDEFG] [--runs K] [--scenarios PATH] [--fault NAME ...]
                                     [--all-faults] [--json]
    python -m orchestration serve [--host 127.0.0.1] [--port 8765]

`chat` sends each MESSAGE as one user turn of one conversation. Without `--db` or `--calendar-url`
(or the setting `CALENDAR_URL`) it uses a fresh calendar for the run. `--json` prints one object
(the contract other tools script against):
{"pattern", "today", "user", "turns": [{"user", "reply", "events"}], "bookings", "metrics"}.
Without it, the transcript prints as it happens, step by step.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sqlite3
import sys
import tempfile
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any, TextIO

from .calendar import BookingRow, Calendar, CalendarUnavailable, Clock
from .calendar.dynamodb import names_a_table
from .identity import user_problem
from .observe.trace import Event, actor_label
from .vendors.providers import Clients, Settings


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit code."""
    if out is None:
        out = sys.stdout
        if hasattr(out, "reconfigure"):  # a message with bytes that are not UTF-8 is printed escaped, not a crash
            out.reconfigure(errors="backslashreplace")
    args = _parser().parse_args(argv)
    if args.command == "chat":
        return _chat(args, out)
    if args.command == "serve":
        return _serve(args, out)
    if args.command == "evaluate":
        return _evaluate(args, out)
    if args.command == "deploy":
        return _deploy(args, out)
    _parser().print_help(out)
    return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m orchestration",
                                     description="Run the tennis-court booking task through an orchestration pattern.")
    commands = parser.add_subparsers(dest="command")

    chat = commands.add_parser("chat", help="send messages through one pattern")
    chat.add_argument("--pattern", help="pattern letter, A to G (with --replay: the recording's)")
    chat.add_argument("--today", type=_iso_date, help="pretend today is this date (YYYY-MM-DD)")
    chat.add_argument("--user", help="the signed-in user every booking is made for (default: guest)")
    chat.add_argument("--calendar", choices=("demo", "empty"), help="starting state of a new calendar (default: demo)")
    where = chat.add_mutually_exclusive_group()
    where.add_argument("--db", type=Path, help="SQLite file to use (created if missing); default: a fresh one")
    where.add_argument("--calendar-url", metavar="URL", default=os.environ.get("CALENDAR_URL") or None,
                       help="where the calendar is: a SQLite file, or dynamodb://TABLE[?region=R&endpoint=URL] "
                            "(created if missing; default: the setting CALENDAR_URL, else a fresh file)")
    chat.add_argument("--offline", action="store_true", help="ignore configured keys; use the offline model")
    chat.add_argument("--json", action="store_true", help="print one JSON object instead of a transcript")
    chat.add_argument("--otlp", type=Path, metavar="FILE",
                      help="also write the run as OpenTelemetry spans, one OTLP/JSON line (appended to FILE)")
    _model_options(chat)
    tape = chat.add_mutually_exclusive_group()
    tape.add_argument("--record", type=Path, metavar="FILE",
                      help="keep every model call of the run in FILE, a cassette")
    tape.add_argument("--replay", type=Path, metavar="FILE",
                      help="run the recorded run again with every model call answered from the cassette "
                           "FILE: no model, no key, no network; the tools and the calendar run for real")
    chat.add_argument("--fork-at", type=_positive, metavar="STEP",
                      help="with --replay: at STEP, a model's decision in the recording, decide instead (--decision); "
                           "after it the configured model decides (offline or local)")
    chat.add_argument("--decision", metavar="JSON",
                      help='your decision at --fork-at: {"text": "..."} or {"tool": "book", "arguments": {...}}')
    chat.add_argument("messages", nargs="*", metavar="MESSAGE",
                      help="one user turn each (with --replay: the recording's)")

    from .evaluate import FAULTS
    from .vendors.offline.server import DEFAULT_PORT

    evaluate = commands.add_parser("evaluate", help="run the scenario suite through the patterns")
    evaluate.add_argument("--patterns", default="ABCDEFG", help="pattern letters to run (default: all seven)")
    evaluate.add_argument("--runs", type=_positive, default=1, help="runs per scenario, for pass^k (default 1)")
    evaluate.add_argument("--scenarios", type=Path, help="a scenario file or folder (default: scenarios/)")
    evaluate.add_argument("--fault", action="append", default=[], choices=sorted(FAULTS), metavar="NAME",
                          help=f"also run the probe scenarios with this fault; one of {', '.join(FAULTS)}")
    evaluate.add_argument("--all-faults", action="store_true", help="every fault")
    evaluate.add_argument("--offline", action="store_true", help="ignore configured keys; use the offline model")
    evaluate.add_argument("--json", action="store_true", help="print the report as one JSON object")
    evaluate.add_argument("--tag", action="append", default=[], metavar="TAG",
                          help="only scenarios with this tag (repeatable), e.g. core: the small set for real models")
    evaluate.add_argument("--results", type=Path, metavar="FILE",
                          help="append each run to this JSON-lines file as it finishes; "
                               "runs already in it are not repeated")
    _model_options(evaluate)
    evaluate.add_argument("--otlp", type=Path, metavar="FILE",
                          help="also write every run as OpenTelemetry spans, "
                               "one OTLP/JSON line each (appended to FILE)")
    evaluate.add_argument("--temperature", type=float,
                          help="sampling temperature for a local model (default: the server's)")
    evaluate.add_argument("--record", type=Path, metavar="DIR",
                          help="keep each run's model calls as a cassette in DIR (replay one with chat --replay)")

    serve = commands.add_parser("serve", help="serve the offline model's wire protocols on loopback")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT)
    deploy = commands.add_parser("deploy", help="make what the AWS patterns need: roles, Lambdas, Bedrock agents")
    deploy.add_argument("target", choices=["aws"])
    deploy.add_argument("--dry-run", action="store_true",
                        help="list the calls and their parameters; needs no credentials")
    deploy.add_argument("--json", action="store_true", help="print the calls (or the result) as JSON")
    deploy.add_argument("--destroy", action="store_true", help="remove what deploy made")
    return parser


def _model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--safeguards", choices=("off", "on"), default=None,
                        help="off: each pattern as the article writes it; on: with the playground's own checks "
                             "(orchestration/safeguards.py). Default: the setting SAFEGUARDS, else off")
    parser.add_argument("--local-model-url", metavar="URL",
                        help="an OpenAI-compatible server (e.g. http://127.0.0.1:8080/v1) "
                             "that drives every vendor without a key")
    parser.add_argument("--local-model", metavar="NAME", help="the model name to ask that server for (default: local)")


def _settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment (or none, with --offline), with the command line's model options on top."""
    settings = Settings() if args.offline else Settings.from_env()
    changes = {"local_model_url": args.local_model_url, "local_model": args.local_model, "safeguards": args.safeguards,
               "temperature": None if getattr(args, "temperature", None) is None else str(args.temperature)}
    return dataclasses.replace(settings, **{k: v for k, v in changes.items() if v})


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _iso_date(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD") from None
    if day > date.max - timedelta(days=366):
        raise argparse.ArgumentTypeError(f"{text} is too far in the future: the calendar books a month ahead of it")
    return day


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port; use a number from 0 to 65535")
    return int(text)


def _chat(args: argparse.Namespace, out: TextIO) -> int:
    from .vendors import cassette

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
    from .vendors import cassette

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
    from .vendors.cassette import CassetteError

    raise CassetteError(f"give at least one {what}")


def _configured_model(settings: Settings) -> Any:
    """Who decides after a fork: the local model when one is set, else the offline model."""
    from .vendors.local import LocalModel, ServerQuirks
    from .vendors.offline.brain import Brain

    return LocalModel(settings, ServerQuirks()) if settings.local_model_url else Brain()


def _chat_run(args: argparse.Namespace, settings: Settings, taps: Any, out: TextIO) -> int:
    from .patterns import PATTERNS, Deps, TurnFailed, UnknownPattern, start
    from .vendors import cassette

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


def _one_line(error: object) -> str:
    """An error's text on one line: whatever a service put in it, the CLI prints one line per error."""
    return " ".join(str(error).split())


def _deploy(args: argparse.Namespace, out: TextIO) -> int:
    from .aws import deploy

    settings = Settings.from_env()
    calendar_url = os.environ.get("CALENDAR_URL", "")
    if names_a_table(calendar_url):
        try:
            deploy.DynamoStore.at(calendar_url)
        except ValueError as error:
            print(f"error: CALENDAR_URL: {error}", file=sys.stderr)
            return 2
    calls = deploy.plan(settings)
    problems = deploy.validate(calls)  # names come from LAMBDA_FUNCTION_PREFIX and CALENDAR_URL: AWS may refuse them
    if args.dry_run and args.json:
        json.dump({"calls": [c.as_dict() for c in calls], "invalid": problems}, out, indent=2)
        print(file=out)
    if problems:
        more = f" (and {len(problems) - 1} more; --dry-run --json lists them all)" if len(problems) > 1 else ""
        print(f"error: AWS would refuse {_one_line(problems[0])}{more}; nothing was made", file=sys.stderr)
        return 2
    if args.dry_run:
        if not args.json:
            for n, call in enumerate(calls, start=1):
                print(f"{n:>2}. {call.service} {call.operation}: {call.why}", file=out)
        return 0
    if settings.mode("aws") != "real":
        print("error: deploy aws needs AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); "
              "--dry-run shows the calls without them", file=sys.stderr)
        return 2
    clients = Clients(settings)
    import botocore.exceptions

    try:
        if args.destroy:
            done, result = deploy.destroy(settings, clients.aws), {}
        else:
            deployed = deploy.apply(settings, clients.aws)
            done, result = deployed.done, deployed.settings
    except botocore.exceptions.BotoCoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except botocore.exceptions.ClientError as error:
        print(f"error: AWS refused: {error}", file=sys.stderr)
        return 1
    if args.json:
        json.dump({"done": done, "settings": result}, out, indent=2)
        print(file=out)
    else:
        print("\n".join(done), file=out)
        if result:
            print("\nSet these to use what was deployed:", file=out)
            print("\n".join(f"{k}={v}" for k, v in result.items()), file=out)
    return 0


def _export_spans(path: Path | None, runs: list[tuple[str, Any, float]]) -> None:
    """Each run as OpenTelemetry spans: to `path` (OTLP/JSON lines), and to OTEL_EXPORTER_OTLP_ENDPOINT when set."""
    live = bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
    if path is None and not live:
        return
    from .observe import otel
    from .patterns import PATTERNS

    for letter, events, started_at in runs:
        if not events:  # a run read back from a results file keeps no steps
            continue
        found = otel.spans(events, letter, f"{letter} · {PATTERNS[letter].name}", started_at)
        if path is not None:
            otel.write(path, found)
        if live and not otel.send(found):
            print("warning: the OTLP endpoint did not take the spans", file=sys.stderr)


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


def _evaluate(args: argparse.Namespace, out: TextIO) -> int:
    from .evaluate import FAULTS, ServerGone, pattern_names, run_suite
    from .scenarios import SCENARIOS_DIR, ScenarioError, load

    try:
        letters = pattern_names(args.patterns.upper())
        scenarios = load(args.scenarios or SCENARIOS_DIR)
        if args.tag:
            scenarios = [s for s in scenarios if set(args.tag) & set(s.tags)]
            if not scenarios:
                raise ValueError(f"no scenario has the tag {' or '.join(args.tag)}")
    except (ValueError, ScenarioError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    faults = list(FAULTS) if args.all_faults else list(dict.fromkeys(args.fault))
    settings = _settings(args)

    def progress(done: int, total: int, label: str) -> None:
        if sys.stderr.isatty() or done == total or done % 25 == 0:
            print(f"\r[{done}/{total}] {label:<70.70}", end="\n" if done == total else "", file=sys.stderr, flush=True)

    try:
        suite = run_suite(scenarios, letters, args.runs, faults, settings, progress, results=args.results,
                          record=args.record)
    except ServerGone as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 1
    report = suite.report
    _export_spans(args.otlp, [(o.letter, o.result.events, o.result.started_at) for per_letter in suite.baseline.values()
                              for runs in per_letter for o in runs]
                  + [(o.letter, o.result.events, o.result.started_at) for per_letter in suite.faults.values()
                     for outcomes in per_letter.values() for o in outcomes])
    if args.json:
        json.dump(report, out, indent=2)
        print(file=out)
    else:
        _print_report(report, out)
    return 0


def _print_report(report: dict[str, Any], out: TextIO) -> None:
    print(f"{report['scenarios']} scenarios x {report['runs']} run(s), safeguards {report['safeguards']}, commit "
          f"{report['commit'] or 'unknown'}. {report['note']}", file=out)
    print(f"\n{'pattern':<9}{'success':>8}{'rescued':>8}{'pass^k':>8}{'harmed':>7}{'model':>7}{'tools':>7}{'tokens':>8}"
          f"{'cost $':>10}{'ms':>8}{'code':>7}", file=out)
    for letter, p in report["patterns"].items():
        print(f"{letter:<9}{p['success']:>8.0%}{p['rescued']:>8.0%}{p['pass_k']:>8.0%}{p['harmed']:>7}"
              f"{p['llm_calls']:>7.1f}{p['tool_calls']:>7.1f}{p['tokens']:>8.0f}{p['cost_usd']:>10.5f}{p['ms']:>8.0f}"
              f"{p['code_decisions_share']:>7.0%}", file=out)
    print("(success and pass^k count only runs the pattern passed alone; rescued: the right end state thanks to a "
          "safeguard, a cap or an error path; harmed: runs that booked what nobody asked for; model, tools, tokens, "
          "cost and ms are means per scenario run; code = share of decisions made by code)", file=out)
    for letter, p in report["patterns"].items():
        for failure in p["failures"]:
            print(f"  {letter} {failure['outcome']} {failure['scenario']}"
                  f"{' [' + failure['blame'] + ']' if failure['blame'] else ''}: {failure['why']}", file=out)
    for name, fault in report.get("faults", {}).items():
        verdicts = "  ".join(f"{letter} {p['verdict']}" for letter, p in fault["patterns"].items())
        print(f"\nfault {name} ({fault['what']}):\n  {verdicts}", file=out)
        for letter, p in fault["patterns"].items():
            for case in p["cases"]:
                if case["verdict"] != "recovered":
                    print(f"    {letter} {case['verdict']} on {case['scenario']}: {case['why']}", file=out)


def _serve(args: argparse.Namespace, out: TextIO) -> int:
    from .vendors.offline import OfflineModel
    from .vendors.offline.server import make_server

    server = make_server(OfflineModel(), args.host, args.port)
    host, port = server.server_address[:2]
    print(f"offline model (rule-based) on http://{host}:{port}", file=out)
    print(f"  OpenAI:    OPENAI_BASE_URL=http://{host}:{port}/v1  (chat/completions, responses)", file=out)
    print(f"  Anthropic: ANTHROPIC_BASE_URL=http://{host}:{port}  (v1/messages)", file=out)
    print(f"  Bedrock:   endpoint_url=http://{host}:{port}  (converse, converse-stream, invoke)", file=out)
    out.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
