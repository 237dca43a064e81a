"""The seven patterns stay whole: each has its code, a page, a README row and tests; settings stay listed."""

from __future__ import annotations

import ast
from dataclasses import fields
from pathlib import Path

import pytest

from orchestration.patterns import ARTICLE_LETTERS, PATTERNS, SPECTRUM
from orchestration.providers import Settings

from . import test_patterns

ROOT = Path(__file__).resolve().parents[1]
PATTERN_TESTS_COVER = test_patterns.LETTERS
APP_TESTS_COVER = "".join(PATTERNS)  # tests/test_app.py parametrizes its page test over the registry


def test_the_registry_holds_the_articles_seven_in_order() -> None:
    assert "".join(PATTERNS) == ARTICLE_LETTERS
    assert sorted(SPECTRUM) == sorted(ARTICLE_LETTERS)


@pytest.mark.parametrize("letter", ARTICLE_LETTERS)
def test_each_pattern_has_code_a_page_a_readme_row_and_tests(letter: str) -> None:
    info = PATTERNS[letter]
    main = info.source_files()[0]
    docstring = ast.get_docstring(ast.parse(main.read_text())) or ""
    assert "1." in docstring and "2." in docstring, f"{main.name} should number its steps"
    assert 40 <= len(main.read_text().splitlines()) <= 200
    page = ROOT / "pages" / f"pattern_{letter.lower()}.py"
    assert f'render("{letter}")' in page.read_text()
    assert f"| {letter} | {info.name} |" in (ROOT / "README.md").read_text()
    assert letter in PATTERN_TESTS_COVER and letter in APP_TESTS_COVER


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
