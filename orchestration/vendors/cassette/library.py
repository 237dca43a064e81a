"""The recorded runs kept with the app, in the repository's `recordings/` folder: the ones of a pattern, and
what the model decided in a recorded call (what a page offers to fork from)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .format import Call, Cassette, CassetteError, reply_of

RECORDINGS = Path(__file__).resolve().parents[3] / "recordings"
"""Cassettes of real-model runs kept with the app: `<pattern>-<what>-<n>.cassette`."""



def recordings(letter: str, folder: Path | None = None) -> list[tuple[Path, Cassette]]:
    """The recorded runs of pattern `letter` in `folder`, each with its cassette (unreadable ones left out)."""
    found = []
    folder = folder or RECORDINGS
    for path in sorted(folder.glob(f"{letter}-*.cassette")) if folder.is_dir() else []:
        try:
            found.append((path, Cassette.load(path)))
        except CassetteError:
            continue
    return found



def decision_of(call: Call) -> dict[str, Any]:
    """What the model decided in a recorded call, in the form `--decision` takes."""
    reply = reply_of(call.reply)
    if reply.tool_calls:
        calls = [{"tool": c.name, "arguments": _arguments(c.arguments)} for c in reply.tool_calls]
        return calls[0] if len(calls) == 1 else {"tool_calls": calls}
    return {"text": reply.text}



def _arguments(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
