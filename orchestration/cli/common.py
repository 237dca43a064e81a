"""What several commands share: the settings with the model options on top, an error on one line, and each
run as OpenTelemetry spans (`--otlp`, and OTEL_EXPORTER_OTLP_ENDPOINT)."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

from ..vendors.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment (or none, with --offline), with the command line's model options on top."""
    settings = Settings() if args.offline else Settings.from_env()
    changes = {"local_model_url": args.local_model_url, "local_model": args.local_model, "safeguards": args.safeguards,
               "temperature": None if getattr(args, "temperature", None) is None else str(args.temperature)}
    return dataclasses.replace(settings, **{k: v for k, v in changes.items() if v})



def _one_line(error: object) -> str:
    """An error's text on one line: whatever a service put in it, the CLI prints one line per error."""
    return " ".join(str(error).split())



def _export_spans(path: Path | None, runs: list[tuple[str, Any, float]]) -> None:
    """Each run as OpenTelemetry spans: to `path` (OTLP/JSON lines), and to OTEL_EXPORTER_OTLP_ENDPOINT when set."""
    live = bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
    if path is None and not live:
        return
    from ..observe import otel
    from ..patterns import PATTERNS

    for letter, events, started_at in runs:
        if not events:  # a run read back from a results file keeps no steps
            continue
        found = otel.spans(events, letter, f"{letter} · {PATTERNS[letter].name}", started_at)
        if path is not None:
            otel.write(path, found)
        if live and not otel.send(found):
            print("warning: the OTLP endpoint did not take the spans", file=sys.stderr)
