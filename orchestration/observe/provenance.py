"""Which code made a record: the commit that a cassette and an evaluation record carry.

Imports nothing of the project, so the vendor edge (`vendors/cassette/`) and the evaluator
(`evaluate/`) both can.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path


@functools.cache
def commit() -> str:
    """The commit this code is at (`-dirty` with uncommitted changes), or "" outside a git checkout."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(Path(__file__).parent), *args], capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
    try:
        head = git("rev-parse", "--short=12", "HEAD")
        return head + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")
    except (OSError, subprocess.SubprocessError):
        return ""
