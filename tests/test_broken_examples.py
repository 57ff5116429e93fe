"""examples/broken/: one realistic broken practice per check code, each with its golden
`lint --format json` output; the good examples lint clean; lint output in all four formats for
several files with several findings is golden-tested too.

DIARYRULES_UPDATE_GOLDEN=1 rewrites the goldens; review the diff.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from diaryrules.checks import CODES
from diaryrules.linter import lint_files
from diaryrules.report import render

ROOT = Path(__file__).parent.parent
BROKEN = sorted((ROOT / "examples" / "broken").glob("*.diary.yaml"))
GOOD = sorted((ROOT / "examples").glob("*.diary.yaml"))
TODAY = date(2026, 11, 26)
RULES = {c: (v[1], v[2]) for c, v in CODES.items()}


def _rel(p: Path) -> str:
    return str(p.relative_to(ROOT))


def _golden(path: Path, text: str) -> None:
    if os.environ.get("DIARYRULES_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("path", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_example(path: Path) -> None:
    name = _rel(path)
    result = lint_files([name], today=TODAY)
    out = render("json", result.diagnostics, [name], result.sources, rules=RULES)
    _golden(path.with_name(path.name.removesuffix(".diary.yaml") + ".lint.json"), out)
    code = path.name[:5].upper()
    assert code in {d.code for d in result.diagnostics}
    # a broken example shows its one mistake: findings of other codes would blur the lesson
    assert {d.code for d in result.diagnostics} <= {code, *_also(path)}
    for d in result.diagnostics:
        if d.code == code and code not in ("DR302", "DR303", "DR104") and code < "DR400":
            assert d.witness is not None or code in ("DR202", "DR203", "DR204", "DR205", "DR206", "DR207")


def _also(path: Path) -> set[str]:
    """Codes a broken example may show besides its own, declared in its header (`# also: DR101`)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# also:"):
            return {c.strip() for c in line.removeprefix("# also:").split(",")}
    return set()


def test_every_semantic_code_has_a_broken_example() -> None:
    have = {p.name[:5].upper() for p in BROKEN}
    for code in CODES:
        if "DR101" <= code <= "DR303":
            assert code in have, code


@pytest.mark.parametrize("path", GOOD, ids=[p.name for p in GOOD])
def test_good_examples_lint_clean(path: Path) -> None:
    result = lint_files([_rel(path)], today=TODAY)
    assert result.diagnostics == []
    assert result.exit_code(strict=True) == 0


SEVERAL = ["examples/broken/dr104-wrong-override.diary.yaml", "examples/broken/dr201-no-rule-for-vaccination.diary.yaml",
           "examples/broken/dr303-last-winter.diary.yaml"]


@pytest.mark.parametrize("fmt,suffix", [("human", "human.txt"), ("json", "json"), ("github", "github.txt"),
                                        ("sarif", "sarif.json")])
def test_lint_formats_golden(fmt: str, suffix: str) -> None:
    result = lint_files(SEVERAL, today=TODAY)
    out = render(fmt, result.diagnostics, SEVERAL, result.sources, rules=RULES)
    _golden(ROOT / "tests" / "golden" / "lint" / f"several.{suffix}", out)
    if fmt == "sarif":
        sarif = json.loads(out)
        conflicts = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "DR101"]
        assert conflicts and all(r.get("relatedLocations") for r in conflicts)
