"""The command line: chat through a pattern, run the scenario suite, serve the offline model on loopback,
or deploy what the AWS patterns need.

    python -m orchestration chat --pattern C [--today YYYY-MM-DD] [--user ID] [--calendar demo|empty]
                                 [--db PATH | --calendar-url URL] [--offline] [--json] [--otlp FILE]
                                 [--record FILE | --replay FILE [--fork-at STEP --decision JSON]] MESSAGE ...
    python -m orchestration evaluate [--patterns ABCDEFG] [--runs K] [--scenarios PATH] [--fault NAME ...]
                                     [--all-faults] [--tag TAG] [--results FILE] [--record DIR] [--json]
    python -m orchestration serve [--host 127.0.0.1] [--port 8765]
    python -m orchestration deploy aws [--dry-run] [--destroy] [--json]

(`python -m orchestration COMMAND --help` lists every option.)

`chat` sends each MESSAGE as one user turn of one conversation. Without `--db` or `--calendar-url`
(or the setting `CALENDAR_URL`) it uses a fresh calendar for the run. `--json` prints one object
(the contract other tools script against):
{"pattern", "today", "user", "turns": [{"user", "reply", "events"}], "bookings", "metrics"}.
Without it, the transcript prints as it happens, step by step.

This `__init__` holds `main`, which hands each command to its module; one module per command:

- `parser.py`: the commands and their options (`_parser`);
- `chat.py`: `chat`, with `--record`, `--replay` and `--fork-at` (a cassette's recorder or player);
- `evaluate.py`: `evaluate`, the scenario suite and its report;
- `serve.py`: `serve`, the offline model on loopback;
- `deploy.py`: `deploy aws`;
- `common.py`: what several commands share: the settings from the model options, one-line errors, and
  OpenTelemetry export.

May import every room of `orchestration` (it is the outermost edge, like the pages); nothing imports
it but `__main__`. The modules import `common` and `parser` only; this `__init__` imports them all.
"""
from __future__ import annotations

import sys
from typing import TextIO

from .chat import _chat
from .deploy import _deploy
from .evaluate import _evaluate
from .parser import _parser
from .serve import _serve


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
