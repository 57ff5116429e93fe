"""Severity comes from configuration, never from the check: defaults, the file's `lint:` section,
`--select` / `--ignore`, `--strict` — and the exit codes that follow."""

from __future__ import annotations

from pathlib import Path

from diaryrules.diagnostics import Severity
from diaryrules.linter import lint_files

ROOT = Path(__file__).parent.parent
BROKEN = ROOT / "examples" / "broken"


def _write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_defaults_and_exit_codes() -> None:
    r = lint_files([str(BROKEN / "dr103-redundant-adults.diary.yaml")])
    assert [d.severity for d in r.diagnostics] == [Severity.WARNING]
    assert r.exit_code() == 0
    assert r.exit_code(strict=True) == 1
    r = lint_files([str(BROKEN / "dr101-overlapping-renewals.diary.yaml")])
    assert r.diagnostics[0].severity == Severity.ERROR and r.exit_code() == 1


def test_file_lint_section_changes_severity(tmp_path: Path) -> None:
    text = (BROKEN / "dr103-redundant-adults.diary.yaml").read_text(encoding="utf-8")
    f = _write(tmp_path, "a.diary.yaml", text + "lint:\n  DR103: error\n")
    r = lint_files([f])
    assert [d.severity for d in r.diagnostics] == [Severity.ERROR] and r.exit_code() == 1
    f = _write(tmp_path, "b.diary.yaml", text + "lint:\n  DR103: off\n")
    assert lint_files([f]).diagnostics == []
    f = _write(tmp_path, "c.diary.yaml", text + "lint:\n  DR103: info\n")
    r = lint_files([f])
    assert [d.severity for d in r.diagnostics] == [Severity.INFO] and r.exit_code(strict=True) == 0


def test_front_end_errors_cannot_be_silenced(tmp_path: Path) -> None:
    text = (ROOT / "tests" / "fixtures" / "errors" / "dr004-misspelt-reason.diary.yaml").read_text(encoding="utf-8")
    f = _write(tmp_path, "a.diary.yaml", text + "lint:\n  DR004: off\n")
    r = lint_files([f])
    assert [d.code for d in r.diagnostics] == ["DR004"] and r.exit_code() == 1


def test_unknown_code_in_lint_section(tmp_path: Path) -> None:
    text = (ROOT / "examples" / "solo-gp.diary.yaml").read_text(encoding="utf-8")
    f = _write(tmp_path, "a.diary.yaml", text + "lint:\n  DR999: off\n")
    r = lint_files([f])
    assert [d.code for d in r.diagnostics] == ["DR004"]
    assert "DR999" in r.diagnostics[0].message


def test_select_and_ignore() -> None:
    f = str(BROKEN / "dr104-wrong-override.diary.yaml")
    assert {d.code for d in lint_files([f]).diagnostics} == {"DR101", "DR104"}
    assert {d.code for d in lint_files([f], select=["DR104"]).diagnostics} == {"DR104"}
    assert {d.code for d in lint_files([f], select=["DR1"]).diagnostics} == {"DR101", "DR104"}
    assert {d.code for d in lint_files([f], ignore=["DR101"]).diagnostics} == {"DR104"}


def test_unreadable_file_exits_2() -> None:
    r = lint_files([str(ROOT / "tests" / "fixtures" / "errors" / "dr001-tab-indent.diary.yaml")])
    assert r.exit_code() == 2
    r = lint_files([str(ROOT / "tests" / "fixtures" / "errors" / "dr005-bool-maybe.diary.yaml")])
    assert r.exit_code() == 1
