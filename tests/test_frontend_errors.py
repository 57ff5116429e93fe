"""Golden tests of the front end (DR001–DR006): every broken file in tests/fixtures/errors/ gives
exactly the diagnostics of its `.expected` file (`LINE:COLUMN CODE message [hint: …]`).

Set DIARYRULES_UPDATE_GOLDEN=1 to rewrite the goldens after an intended change, then review the diff.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from diaryrules.diagnostics import sort_diagnostics
from diaryrules.linter import load_practice

FIXTURES = Path(__file__).parent / "fixtures" / "errors"
CASES = sorted(FIXTURES.glob("*.diary.yaml"))


def render(path: Path) -> str:
    loaded = load_practice(str(path))
    lines = []
    for d in sort_diagnostics(loaded.diagnostics):
        line = f"{d.span.line}:{d.span.column} {d.code} {d.message}"
        if d.hint:
            line += f" [hint: {d.hint}]"
        lines.append(line)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("path", CASES, ids=[p.name.removesuffix(".diary.yaml") for p in CASES])
def test_front_end_golden(path: Path) -> None:
    expected_path = path.with_name(path.name.removesuffix(".diary.yaml") + ".expected")
    got = render(path)
    if os.environ.get("DIARYRULES_UPDATE_GOLDEN"):
        expected_path.write_text(got, encoding="utf-8")
    assert got == expected_path.read_text(encoding="utf-8")
    # the code a fixture is named after is the one it shows, and the file yields no practice
    code = path.name[:5].upper()
    assert code in got
    assert load_practice(str(path)).practice is None


def test_enough_fixtures_per_code() -> None:
    counts = Counter(p.name[:5].upper() for p in CASES)
    assert sum(counts.values()) >= 40
    for code in ("DR001", "DR002", "DR003", "DR004", "DR005", "DR006"):
        assert counts[code] >= 3, code
