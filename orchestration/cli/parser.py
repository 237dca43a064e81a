"""The command line's commands and options: `chat`, `evaluate`, `serve`, `deploy`, and the checks of
their values (a positive number, an ISO date, a port)."""

from __future__ import annotations

import argparse
import os
from datetime import date, timedelta
from pathlib import Path


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

    from ..evaluate import FAULTS
    from ..vendors.offline.server import DEFAULT_PORT

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
