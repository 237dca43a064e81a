"""docs/architecture.md names only paths that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_path_the_architecture_map_names_exists() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    paths = {p for p in re.findall(r"`([^`\s]+)`", text) if "/" in p and not p.startswith("../")}
    assert paths  # the map names its rooms
    assert sorted(p for p in paths if not (ROOT / p).exists()) == []
