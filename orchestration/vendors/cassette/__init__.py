"""Cassettes: every model call of a run, kept at the edge, to replay the run with no model or fork it.

A cassette holds, per model call, what the model was asked and what it answered, in the neutral form
every wire protocol here is read into (`offline.protocol.ModelRequest` and `ModelReply`), with the
vendor API, the model and the trace step the answer became. It also keeps the recorded run's steps
and bookings, so that it can be looked at without running anything. Keys never enter it: requests
are kept as the model read them (no headers), and the recorded steps were already scrubbed.

Where calls are recorded (the edges, not the patterns):
- the emulated services (offline, and every Bedrock and Anthropic call on a local model): the brain
  behind each protocol, tapped per protocol (`OfflineModel(tap=...)`);
- OpenAI on a local server and OpenAI or Anthropic for real: the SDK client's httpx2 transport
  (`Tap`), which reads the request and the answer with the same protocol readers.
  Real Bedrock is not recorded: its agents decide inside AWS, out of reach of any edge here.

Replay wires every vendor to the emulated services, whose decisions come from the cassette in order
(`Player`; `runs.replay` sets a recorded run up this way): the tools, Lambdas and the calendar run
for real. A request that differs from the recorded one stops the run with the first difference. The calendar's
confirmation codes are random, so the replay maps each recorded code to the one its calendar issued, in what it compares
and answers. Fork: at one recorded call, the answer is yours (`decision`), and from there on the configured model
decides (offline or local).

This `__init__` is the package's interface (import from `orchestration.vendors.cassette`); one module per concern:

- `format.py`: the cassette (`Cassette`, `Call`), its file (gzip-compressed JSON, `save`/`load`) and the
  neutral request and reply as data;
- `taps.py`: the recording taps at each edge (`Recorder`, and `http_tap` for the SDK clients' transport);
- `wire.py`: the HTTP edge's readers, one per protocol (which API a request went to, the model's reply);
- `player.py`: replaying and forking (`Player`, `decision_reply`, `first_difference`);
- `registry.py`: which run a recorder or player belongs to (`activate`, `active`, `release`), and `header`;
- `library.py`: the recorded runs kept with the app (`RECORDINGS`, `recordings`, `decision_of`).

May import: `observe` (the current scope, `provenance`), `calendar` (a recorded run's setup) and `offline`
(its protocol and readers). The modules import one way only, from `format` up to `registry` and `library`.
"""
from __future__ import annotations

from .format import (
    MAX_BYTES,
    VERSION,
    Call,
    Cassette,
    CassetteError,
    reply_data,
    reply_of,
    request_data,
    request_of,
)
from .library import RECORDINGS, decision_of, recordings
from .player import Player, decision_reply, first_difference
from .registry import activate, active, header, release
from .taps import Recorder, http_tap

__all__ = ["MAX_BYTES", "RECORDINGS", "VERSION", "Call", "Cassette", "CassetteError", "Player", "Recorder", "activate",
           "active", "decision_of", "decision_reply", "first_difference", "header", "http_tap", "recordings", "release",
           "reply_data", "reply_of", "request_data", "request_of"]
