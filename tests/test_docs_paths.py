"""docs/architecture.md names only paths that exist, and the README states serve's limits as they are."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_path_the_architecture_map_names_exists() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    paths = {p for p in re.findall(r"`([^`\s]+)`", text) if "/" in p and not p.startswith("../")}
    assert paths  # the map names its rooms
    assert sorted(p for p in paths if not (ROOT / p).exists()) == []


def test_the_readme_states_serves_limits_as_they_are() -> None:
    """The README gives serve's limits as numbers; they are `Limits`' defaults, so the two cannot drift apart."""
    from orchestration.vendors.offline.server import Limits

    readme = " ".join((ROOT / "README.md").read_text().split())
    limits = Limits()
    assert (f"a request must arrive whole within {limits.request_deadline_s:g} s of its first byte, "
            f"{limits.max_concurrent} are answered at once and {limits.max_connections} connections stay open "
            "at once") in readme
