"""The offline model cannot know which pattern calls it: it imports none of them and sees only a request."""

from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
from pathlib import Path

from orchestration.vendors.offline.protocol import ModelRequest

OFFLINE = Path(__file__).resolve().parents[1] / "orchestration" / "vendors" / "offline"


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append("." * node.level + (node.module or ""))
    return found


SHARED_FORMATS = {"...formats", "orchestration.formats"}
"""How slot ids, days and court lists are written: what a real model also meets in tool descriptions and results."""


def test_the_offline_package_imports_nothing_of_the_project_outside_itself() -> None:
    offenders = {}
    for path in sorted(OFFLINE.rglob("*.py")):
        bad = [name for name in _imports(path) if name not in SHARED_FORMATS
               and (name.startswith("orchestration") or name.startswith("..") or "patterns" in name)]
        if bad:
            offenders[path.name] = bad
    assert offenders == {}


def test_importing_and_using_the_offline_model_loads_no_pattern() -> None:
    script = (
        "import sys, json\n"
        "from orchestration.vendors.offline import OfflineModel\n"
        "from orchestration.vendors.offline.protocol import Message, ModelRequest\n"
        "OfflineModel().brain.reply(ModelRequest(model='m', messages=(Message('user', 'hi'),)))\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('orchestration'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          cwd=OFFLINE.parents[2])
    loaded = done.stdout.strip()
    assert "orchestration.patterns" not in loaded
    assert "orchestration.tools" not in loaded
    assert "orchestration.calendar" not in loaded


def test_a_request_carries_only_what_a_hosted_model_receives() -> None:
    """No headers (an SDK's user agent would name it), no caller, no pattern: only the model's inputs."""
    assert [f.name for f in dataclasses.fields(ModelRequest)] == [
        "model", "system", "messages", "tools", "output_schema", "tool_choice", "temperature", "max_tokens"]
