"""Which run a cassette belongs to: a registry of recorders and players, by the key a run's settings name
(`Settings.cassette`), and the header of a new cassette for a run."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ...observe.provenance import commit
from .format import Cassette
from .player import Player
from .taps import Recorder

_active: dict[str, Recorder | Player] = {}

_counter = iter(range(1, 1 << 62))



def activate(taps: Recorder | Player) -> str:
    """Register a recorder or player; returns the key a run's settings carry (`Settings.cassette`),
    which its Lambdas' settings carry too."""
    key = f"{'record' if isinstance(taps, Recorder) else 'replay'}:{next(_counter)}"
    _active[key] = taps
    return key



def release(key: str) -> None:
    _active.pop(key, None)



def active(key: str) -> Recorder | Player | None:
    return _active.get(key) if key else None



def header(pattern: str, today: str, user: str, messages: list[str], calendar: str, clients: Any) -> Cassette:
    """A new cassette for a run of `pattern` with `clients`' settings."""
    settings = clients.settings
    vendors = ("openai", "anthropic", "aws")
    return Cassette(pattern=pattern, today=today, user=user, messages=list(messages), calendar=calendar,
                    safeguards="on" if settings.safeguards_on else "off",
                    openai_agents_api=settings.openai_agents_api or (
                        "chat_completions" if clients.mode("openai") == "local" else "responses"),
                    models={v: clients.model_label(v) for v in vendors},
                    model_ids={v: clients.model_id(v) for v in vendors},
                    recorded={"date": datetime.now(UTC).isoformat(timespec="seconds"), "commit": commit()})
