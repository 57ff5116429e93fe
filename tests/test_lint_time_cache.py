"""Stage 5/6 — the time the checks DR202–DR206 share (`slots._LintTime`): one per practice at a time,
checked by identity, so nothing leaks from one practice into another; and the same stretches as the
per-site computation (hours − holidays − absences − protected, site by site, then merged)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from diaryrules import slots
from diaryrules.checks import check_modules
from diaryrules.context import CheckContext
from diaryrules.linter import load_practice
from diaryrules.model import Practice

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2027, 1, 1)

TEMPLATE = """\
diaryrules: 1
practice:
  name: Test
  timezone: Europe/Paris
  holidays: FR
diaries:
  doctolib: {{tool: doctolib}}
practitioners:
  bernard:
    diary: doctolib
    hours: "{hours}"
reasons:
  long: {{duration: 3h}}
rules:
  - id: long
    when: reason is long
    then: book within 14d
default: transfer "Je vous passe le cabinet."
"""


def _practice(hours: str) -> Practice:
    loaded = load_practice("t.diary.yaml", TEMPLATE.format(hours=hours))
    assert loaded.practice is not None, [d.message for d in loaded.diagnostics]
    return loaded.practice


def _codes(practice: Practice, code: str) -> list[str]:
    module = next(c.module for c in check_modules() if c.code == code)
    return [d.message for d in module.check(CheckContext(practice, TODAY))]


def test_two_practices_do_not_share_their_time() -> None:
    short = _practice("Mo-Fr 09:00-11:00")
    long = _practice("Mo-Fr 08:00-12:00")  # the same practitioner and expression numbers, other hours
    first, last = slots.period(TODAY, slots.YEAR_DAYS)
    for _ in range(2):  # back and forth: each practice's answers are its own
        a = slots.free_stretches(short, "bernard", [None], first, last)
        b = slots.free_stretches(long, "bernard", [None], first, last)
        assert max(e - s for s, e in a).seconds == 2 * 3600
        assert max(e - s for s, e in b).seconds == 4 * 3600
        assert _codes(short, "DR203") and not _codes(long, "DR203")
    assert len(slots._LINT_TIME) == 1 and slots._LINT_TIME[0].practice is long


def test_a_practice_without_hours_after_one_with() -> None:
    open_ = _practice("Mo-Fr 08:00-12:00")
    closed = _practice("off")
    first, last = slots.period(TODAY, slots.WEEKS_DAYS)
    assert slots.has_free_time(open_, "bernard", [None], first, last)
    assert not slots.has_free_time(closed, "bernard", [None], first, last)
    assert slots.free_stretches(closed, "bernard", [None], first, last) == []
    assert slots.has_free_time(open_, "bernard", [None], first, last)


def _per_site(practice: Practice, pid: str, sites: list[str | None], first: date, last: date,
              hours_only: bool) -> list[slots.Stretch]:
    """The stretches as computed before the shared cache: a fresh lenient `_Time`, site by site."""
    time = slots._Time(practice, lenient=True)
    p = practice.practitioners[pid]
    days = slots._days(first, last)
    parts: list[slots.Interval] = []
    for site in sites:
        parts.extend(time.hours(p, site, days, holidays=False) if hours_only else time.free(p, site, days))
    lo, hi = time.day_span(first)[0], time.day_span(last)[1]
    return [(slots._moment(a, time.zone), slots._moment(b, time.zone))
            for a, b in slots._intersect(slots._union(parts), [(lo, hi)])]


EXAMPLES = sorted((ROOT / "examples").glob("*.diary.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
@pytest.mark.parametrize("today", [date(2026, 3, 20), date(2026, 10, 20), date(2027, 1, 1)])
def test_same_stretches_as_site_by_site(path: Path, today: date) -> None:
    loaded = load_practice(str(path))
    practice = loaded.practice
    assert practice is not None
    first, last = slots.period(today, 100)
    site_lists: list[list[str | None]] = [[None], *([s] for s in practice.sites), list(practice.sites)]
    for pid, p in practice.practitioners.items():
        for sites in [*site_lists, slots.practitioner_sites(practice, p)]:
            for hours_only in (False, True):
                expected = _per_site(practice, pid, sites, first, last, hours_only)
                got = slots.free_stretches(practice, pid, sites, first, last, hours_only=hours_only)
                assert got == expected, (pid, sites, hours_only)
                assert slots.has_free_time(practice, pid, sites, first, last, hours_only=hours_only) == bool(expected)
    time = slots._Time(practice, lenient=True)
    for w in [*practice.windows.values(), *(r.window for r in practice.reserved)]:
        lo, hi = time.day_span(first)[0], time.day_span(last)[1]
        expected = [(slots._moment(a, time.zone), slots._moment(b, time.zone))
                    for a, b in slots._intersect(time.window(w, slots._days(first, last)), [(lo, hi)])]
        assert slots.window_stretches(practice, w, first, last) == expected
