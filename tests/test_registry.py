"""The seven patterns stay whole: each has its code, a page, a README row and tests; settings stay listed."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from orchestration.patterns import ARTICLE_LETTERS, PATTERNS, SPECTRUM
from orchestration.vendors.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PATTERNS_DIR = ROOT / "orchestration" / "patterns"


@pytest.fixture(scope="module")
def collected_test_ids() -> str:
    """The ids of the pattern and page tests, as pytest collects them (not as the registry lists them)."""
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "tests/test_patterns.py", "tests/test_app.py"], capture_output=True, text=True, cwd=ROOT)
    return done.stdout


def test_the_registry_holds_the_articles_seven_in_order() -> None:
    assert "".join(PATTERNS) == ARTICLE_LETTERS
    assert sorted(SPECTRUM) == sorted(ARTICLE_LETTERS)


@pytest.mark.parametrize("letter", ARTICLE_LETTERS)
def test_each_pattern_has_code_a_page_a_readme_row_and_tests(letter: str, collected_test_ids: str) -> None:
    info = PATTERNS[letter]
    main = info.source_files()[0]
    docstring = ast.get_docstring(ast.parse(main.read_text())) or ""
    assert "1." in docstring and "2." in docstring, f"{main.name} should number its steps"
    assert "# 1." in main.read_text() or "1. " in main.read_text().split('"""', 2)[2], f"{main.name} should repeat them"
    page = ROOT / "pages" / f"pattern_{letter.lower()}.py"
    assert f'render("{letter}")' in page.read_text()
    assert f"| {letter} | {info.name} |" in (ROOT / "README.md").read_text()
    assert f"test_the_articles_dialogue_books_court_a_at_three[{letter}]" in collected_test_ids
    assert f"test_each_pattern_page_books_through_the_chat_and_draws_the_graph[{letter}]" in collected_test_ids


def test_pattern_files_hold_orchestration_only() -> None:
    """Every pattern file reads beside the article: 160 lines at most, and no trace calls but `decided(...)`."""
    for path in PATTERNS_DIR.rglob("*.py"):
        if path.name in ("base.py", "__init__.py"):
            continue
        text = path.read_text()
        assert len(text.splitlines()) <= 160, path.name
        tree = ast.parse(text)
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        assert not imported & {"Trace", "Event", "observing", "Scope", "current"}, path.name
        calls = {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
        assert not {c for c in calls if c.endswith((".emit", ".adopt")) or ".trace." in c}, path.name


def test_each_page_shows_the_code_the_article_shows() -> None:
    """B shows its invoke_agent call and its Lambda;
    F and G their manager Agent and delegation tools; G both Lambdas."""
    shown = {letter: "\n".join(p.read_text() for p in info.source_files()) for letter, info in PATTERNS.items()}
    assert all(path.exists() for info in PATTERNS.values() for path in info.source_files())
    assert "invoke_agent(" in shown["B"] and "def handler(" in shown["B"] and "AgentDefinition(" in shown["B"]
    for letter in "FG":
        assert re.search(r"^manager = Agent\[", shown[letter], re.M) and "INSTRUCTIONS" in shown[letter]
        assert shown[letter].count("@function_tool") == 2
    assert shown["G"].count("def handler(") == 2
    assert "converse(" in shown["G"] and "messages.create(" in shown["G"]


def test_the_import_graph_has_no_cycle() -> None:
    """Module-level imports inside `orchestration` form no cycle, and no module is imported by a string name."""
    modules = {_module(p): p for p in (ROOT / "orchestration").rglob("*.py")}
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    for path in modules.values():
        assert "import_module(\"orchestration" not in path.read_text().replace("'", '"'), path
    visiting, done = set(), set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        assert name not in visiting, " -> ".join((*trail, name))
        if name in done:
            return
        visiting.add(name)
        for imported in graph[name]:
            visit(imported, (*trail, name))
        visiting.discard(name)
        done.add(name)

    for name in graph:
        visit(name, ())


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module or ""
            found |= {f"{target}.{a.name}" if f"{target}.{a.name}" in modules else target for a in node.names}
    return {m for m in found if m in modules and m != name}


def test_the_offline_model_and_patterns_never_import_streamlit() -> None:
    for path in (ROOT / "orchestration").rglob("*.py"):
        tree = ast.parse(path.read_text())
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [n for n in names if n.split(".")[0] == "streamlit"], path


def test_pages_stay_thin() -> None:
    for page in (ROOT / "pages").glob("*.py"):
        assert len(page.read_text().splitlines()) <= 80, page.name


def test_every_setting_is_listed_in_the_secrets_example() -> None:
    example = (ROOT / ".streamlit" / "secrets.toml.example").read_text()
    for field in fields(Settings):
        assert f"# {Settings._ENV[field.name][0]} = " in example, field.name


def test_the_first_page_loads_no_vendor_sdk() -> None:
    """Cold start on a host that puts idle apps to sleep: SDKs load when a page or a run needs them."""
    script = ("import sys\nimport orchestration.patterns, ui.session, ui.sidebar, ui.graph\n"
              "print(sorted(m for m in ('agents', 'openai', 'anthropic', 'boto3', 'botocore', 'dateparser') "
              "if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


def test_every_lambda_function_is_listed_by_its_own_name() -> None:
    """`aws/lambdas/runtime.py` lists every function with its module; nothing registers itself on import."""
    from importlib import import_module

    from orchestration.aws.lambdas import FUNCTIONS

    assert list(FUNCTIONS) == ["court-booking-actions", "availability-agent", "booking-agent"]
    assert {name: import_module(module).FUNCTION_NAME for name, module in FUNCTIONS.modules.items()} == {
        name: name for name in FUNCTIONS}
    assert all(FUNCTIONS[name] is import_module(FUNCTIONS.modules[name]).handler for name in FUNCTIONS)
