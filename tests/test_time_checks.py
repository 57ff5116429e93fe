"""Stage 6 — the time checks DR202–DR207: each fires on its broken example (and only it), stays
silent on the good examples, and handles the cases around it (counted from `--today`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from diaryrules.checks import check_modules
from diaryrules.context import CheckContext
from diaryrules.diagnostics import Diagnostic
from diaryrules.linter import lint_files, load_practice

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 26)
TIME_CODES = ("DR202", "DR203", "DR204", "DR205", "DR206", "DR207")
GOOD = sorted((ROOT / "examples").glob("*.diary.yaml"))
BROKEN = {code: sorted((ROOT / "examples" / "broken").glob(f"{code.lower()}-*.diary.yaml"))
          for code in TIME_CODES}


def _rel(p: Path) -> str:
    return str(p.relative_to(ROOT))


def _findings(text: str, code: str, today: date = TODAY, name: str = "t.diary.yaml") -> list[Diagnostic]:
    loaded = load_practice(name, text)
    assert loaded.practice is not None, [d.message for d in loaded.diagnostics]
    module = next(c.module for c in check_modules() if c.code == code)
    return list(module.check(CheckContext(loaded.practice, today)))


@pytest.fixture(autouse=True)
def _cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("code", TIME_CODES)
def test_fires_on_its_broken_example(code: str) -> None:
    assert BROKEN[code], f"no examples/broken/{code.lower()}-*.diary.yaml"
    for path in BROKEN[code]:
        result = lint_files([_rel(path)], today=TODAY)
        codes = [d.code for d in result.diagnostics]
        assert code in codes, (path, codes)
        assert set(codes) == {code}, (path, codes)
        assert (path.parent / (path.name.removesuffix(".diary.yaml") + ".lint.json")).exists()


@pytest.mark.parametrize("path", GOOD, ids=[p.name for p in GOOD])
def test_silent_on_the_good_examples(path: Path) -> None:
    result = lint_files([_rel(path)], today=TODAY)
    assert [d for d in result.diagnostics if d.code in TIME_CODES] == []


@pytest.mark.parametrize("path", GOOD, ids=[p.name for p in GOOD])
def test_silent_on_the_good_examples_today(path: Path) -> None:
    result = lint_files([_rel(path)])
    assert [(d.code, d.message) for d in result.diagnostics if d.code in TIME_CODES] == []


def test_positions_and_messages_of_the_broken_examples() -> None:
    found = {}
    for code, paths in BROKEN.items():
        result = lint_files([_rel(paths[0])], today=TODAY)
        d = result.diagnostics[0]
        found[code] = (d.span.line, d.span.column, d.message)
    assert found["DR202"] == (26, 3, "`pediatrics` can never be booked: nguyen never works at annexe")
    assert found["DR203"][2].startswith("`minor-surgery` lasts 4h30, longer than any open stretch")
    assert "(longest: bernard: 4h)" in found["DR203"][2]
    assert found["DR204"][2] == "`vaccination` has no motif for diary `maiia`, where nguyen books"
    assert found["DR205"][2] == "`roux` has no bookable time from 2026-11-26 to 2027-02-17"
    assert "never meets the hours" in found["DR206"][2]
    # DR207 points at `PH off` inside the hours string: `    hours: "PH off; …"`
    assert found["DR207"][:2] == (12, 13)


BASE = """diaryrules: 1
practice:
  {{name: T, timezone: Europe/Paris, holidays: FR, sites: {{centre: {{name: C}}, annexe: {{name: A}}}}}}
diaries: {{doctolib: {{tool: doctolib}}, maiia: {{tool: maiia}}}}
attributes:
  age: {{range: 0..120}}
practitioners:
  martin: {{name: Dr M, diary: doctolib, hours: {martin}}}
  nguyen: {{name: Dr N, diary: maiia, hours: {nguyen}{nguyen_extra}}}
reasons:
{reasons}
{more}
rules:
  - id: any
    when: always
    then: transfer
"""


def _text(reasons: str = '  consultation: {duration: 20min, motifs: {doctolib: C, maiia: C}}', more: str = "",
          martin: str = '"Mo-Fr 08:30-12:30,14:00-19:00"', nguyen: str = '{centre: "Mo-Fr 09:00-13:00"}',
          nguyen_extra: str = "") -> str:
    return BASE.format(reasons=reasons, more=more, martin=martin, nguyen=nguyen, nguyen_extra=nguyen_extra)


def test_dr202_cases() -> None:
    assert _findings(_text(), "DR202") == []
    nobody = _text('  vaccination: {duration: 15min, practitioners: [], motifs: {doctolib: V}}')
    assert [d.message for d in _findings(nobody, "DR202")] == [
        "`vaccination` can never be booked: no practitioner handles it"]
    past = _text(martin='"2025 Jan 01-2025 Dec 31 Mo-Fr 09:00-12:00"',
                 reasons='  vaccination: {duration: 15min, practitioners: [martin], motifs: {doctolib: V}}')
    msgs = [d.message for d in _findings(past, "DR202")]
    assert msgs == ["`vaccination` can never be booked: martin has no open time from 2026-11-26 to "
                    "2027-11-25"]
    # the same file linted in 2025 is fine
    assert _findings(past, "DR202", today=date(2025, 3, 1)) == []
    # absent for the whole year
    away = _text(reasons='  vaccination: {duration: 15min, practitioners: [nguyen], motifs: {maiia: V}}',
                 nguyen_extra=", absences: [2026-11-01..2028-01-01]")
    assert len(_findings(away, "DR202")) == 1


def test_dr203_cases() -> None:
    # martin's longest stretch is 5h
    assert _findings(_text('  long: {duration: 5h, motifs: {doctolib: L, maiia: L}}'), "DR203") == []
    too_long = _text('  long: {duration: 5h05, motifs: {doctolib: L, maiia: L}}')
    [d] = _findings(too_long, "DR203")
    assert "lasts 5h05" in d.message and "martin: 5h" in d.message and "nguyen: 4h" in d.message
    # one practitioner for whom the per-practitioner duration fits is enough
    fits = _text('  long: {duration: {default: 4h30, nguyen: 1h}, motifs: {doctolib: L, maiia: L}}')
    assert _findings(fits, "DR203") == []
    # protected time cuts the stretches
    cut = _text('  long: {duration: 4h, motifs: {doctolib: L, maiia: L}}',
                more='protected:\n  - {id: mid, window: "Mo-Fr 10:00-10:30,16:00-16:30"}')
    assert len(_findings(cut, "DR203")) == 1


def test_dr204_cases() -> None:
    assert _findings(_text(), "DR204") == []
    none = _text('  consultation: {duration: 20min}')
    assert [d.message for d in _findings(none, "DR204")] == [
        "`consultation` has no motif for diary `doctolib`, where martin books",
        "`consultation` has no motif for diary `maiia`, where nguyen books"]
    only_martin = _text('  consultation: {duration: 20min, practitioners: [martin], motifs: {doctolib: C}}')
    assert _findings(only_martin, "DR204") == []


def test_dr205_cases() -> None:
    assert _findings(_text(), "DR205") == []
    away = _text(nguyen_extra=", absences: [2026-11-20..2027-03-01]")
    [d] = _findings(away, "DR205")
    assert d.message == "`nguyen` has no bookable time from 2026-11-26 to 2027-02-17"
    assert d.hint == "an absence covers the whole period: check its end date"
    back_in_time = _text(nguyen_extra=", absences: [2026-11-20..2027-02-10]")
    assert _findings(back_in_time, "DR205") == []
    off = _text(nguyen='"off"')
    assert [d.message for d in _findings(off, "DR205")] == [
        "`nguyen` has no bookable time from 2026-11-26 to 2027-02-17"]
    # everything protected
    walled = _text(more='protected:\n  - {id: all, window: "Mo-Su 00:00-24:00", practitioners: [nguyen]}')
    assert [d.message.split(" ")[0] for d in _findings(walled, "DR205")] == ["`nguyen`"]


def test_dr206_cases() -> None:
    fine = _text(more='reserved:\n  - {id: kids, window: "We 14:00-17:00", for: age < 16}')
    assert _findings(fine, "DR206") == []
    outside = _text(more='reserved:\n  - {id: kids, window: "Su 14:00-17:00", for: age < 16}')
    [d] = _findings(outside, "DR206")
    assert d.message.startswith("reserved window `kids` (Su 14:00-17:00) never meets the hours of any "
                                "practitioner")
    # only the practitioners it reserves for count: nguyen does not work in the afternoon
    theirs = _text(more='reserved:\n  - {id: kids, window: "We 14:00-17:00", for: age < 16, '
                        'practitioners: [nguyen]}')
    [d] = _findings(theirs, "DR206")
    assert "never meets the hours of nguyen" in d.message
    nobody = _text(more='reserved:\n  - {id: odd, window: "We 09:00-10:00", for: age < 2 and age > 6, '
                        'release: 1h}')
    [d] = _findings(nobody, "DR206")
    assert d.message == ("no request can satisfy the `for` of reserved window `odd`: `age < 2 and age > 6` "
                         "(it only ever opens at its release)")


def test_dr207_cases(tmp_path: Path) -> None:
    assert _findings(_text(martin='"Mo-Fr 08:30-12:30; PH off"'), "DR207") == []
    undone = _text(martin='"PH off; Mo-Fr 08:30-12:30"')
    path = tmp_path / "t.diary.yaml"
    path.write_text(undone, encoding="utf-8")
    [d] = _findings(undone, "DR207", name=str(path))
    written = '  martin: {name: Dr M, diary: doctolib, hours: "PH off; Mo-Fr 08:30-12:30"}'
    line = undone.splitlines().index(written) + 1
    col = undone.splitlines()[line - 1].index("PH off") + 1
    assert (d.span.line, d.span.column, d.span.end_column) == (line, col, col + len("PH off"))
    assert d.message == ("`PH off` in the hours of `martin` closes nothing: later rules replace the days it "
                         "would close")
    # when the file cannot be read again, the finding sits on the hours string
    [d] = _findings(undone, "DR207", name=str(tmp_path / "gone.diary.yaml"))
    assert (d.span.line, d.span.column) == (line, col - 1)
    # windows, named or inline
    windows = _text(more='windows:\n  w: "Dec 24 off; Mo-Fr 11:00-12:00"\nreserved:\n'
                         '  - {id: r, window: "PH off; Mo-Fr 11:30-12:30", for: age < 16}')
    msgs = sorted(d.message for d in _findings(windows, "DR207"))
    assert msgs == ["`Dec 24 off` in window `w` closes nothing: later rules replace the days it would close",
                    "`PH off` in the window of reserved `r` closes nothing: later rules replace the days it "
                    "would close"]
