"""Stage 5 — slots: a decided request + the time engine → eligible slots.

For a `book` or `validate` decision, a slot (practitioner, site, start) is eligible when the
practitioner is offered by the decision; the whole duration lies inside their hours at that site
(continuously, across midnight too); the start is on their grid (counted from local midnight);
the time is outside their absences, public holidays (when the practice closes on them and the
hours do not name PH), protected windows and busy appointments; inside the decision's
`in WINDOW` and outside its `not in WINDOW`; a reserved window is used only when the request
satisfies its `for` (an unknown attribute does not) or its release has come (slot start − release
≤ call moment); and call + notice ≤ start ≤ call + within.

Times are wall-clock times in the practice's zone. Internally everything is UTC minutes, and the
free time of each practitioner is computed with interval arithmetic (hours − holidays − absences −
protected − busy, ∩ in-window − not-in-window) before the grid starts are enumerated: a wall time
in the spring DST gap is never a start, and a wall time the autumn change repeats is offered once,
at its first occurrence.

When the booking window holds no eligible slot (pressure), the outcome's `else` is applied and
said; a fallback `book` searches again with its own constraints. Without a fallback the answer says
the window is full and gives the earliest eligible slot after it (up to 90 more days).
docs/slots.md describes the output.
"""

from __future__ import annotations

import functools
import json
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from .compile import native, paused_gc
from .evaluate import Decision, evaluate_cond
from .model import DAYS, DEFAULT_HORIZON, Practice, Practitioner, Window
from .request import Request
from .syntax import format_duration

__all__ = [
    "Slot",
    "SlotsError",
    "SlotsResult",
    "WhyNot",
    "explain_slot",
    "find_slots",
    "free_stretches",
    "has_free_time",
    "overlaps",
    "slots_command",
    "window_stretches",
]

BEYOND_DAYS = 90  # how far past a full window the earliest slot is looked for
MAX_FALLBACKS = 16  # outcomes are trees, so chains end; this only bounds the work
CHUNK_DAYS = 7  # free time is computed a week at a time, so an early answer stops early
MAX_SEARCH_DAYS = 800  # the longest stretch searched at once (a booking window longer than this: its start)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MINUTE = timedelta(minutes=1)

Interval = tuple[int, int]  # [start, end) in UTC minutes since the epoch


class SlotsError(Exception):
    """A bad argument or input of `slots` (exit 2 in the CLI): a message and an optional hint."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


# -- results ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Slot:
    practitioner: str
    site: str | None
    start: datetime  # aware, in the practice's zone
    end: datetime
    diary: str
    motif: str | None

    def to_json(self) -> dict[str, Any]:
        return {"practitioner": self.practitioner, "site": self.site, "start": _iso(self.start),
                "end": _iso(self.end), "diary": self.diary, "motif": self.motif}


@dataclass(frozen=True)
class SlotsResult:
    """What `find_slots` found.

    `decision` is the decision asked about; `applied` the one the slots belong to (the decision,
    or the fallback taken under pressure, then also in `fallback`); `full` lists the book/validate
    decisions whose booking windows held no eligible slot, in the order tried. `earliest` is the
    first eligible slot of the applied window when the searched days hold none; `beyond` the first
    eligible slot after a full window that has no fallback (None when there is none in 90 days).
    """

    decision: Decision
    applied: Decision
    slots: tuple[Slot, ...]
    fallback: Decision | None
    full: tuple[Decision, ...]
    earliest: Slot | None
    beyond: Slot | None
    search_start: datetime
    search_end: datetime
    call: datetime
    more: bool  # the limit cut the list

    @property
    def window_full(self) -> bool:
        """No slot to book at all: every window tried was full and no fallback answers."""
        booking = self.applied.action in ("book", "validate")
        return booking and bool(self.full) and self.full[-1] is self.applied

    def note_lines(self) -> list[str]:
        """What happened, in sentences: the full windows, the fallback taken, what is left."""
        lines = [f"No eligible slot for `{_outcome_text(d)}` {_window_text(d, self.call)}."
                 for d in self.full]
        if self.fallback is not None:
            lines.append(f"Fallback taken: `{_outcome_text(self.fallback)}`")
        if self.applied.action not in ("book", "validate"):
            if self.fallback is None:
                lines.append(_no_slots_note(self.applied))
        elif self.earliest is not None:
            lines.append(f"No eligible slot from {_when(self.search_start)} to {_when(self.search_end)}; "
                         f"the earliest in the booking window is {_slot_text(self.earliest)}.")
        elif self.window_full:
            lines.append("The window is full and there is no `else` left.")
            if self.beyond is not None:
                lines.append(f"The earliest eligible slot after it is {_slot_text(self.beyond)}.")
            else:
                lines.append(f"There is no eligible slot in the {BEYOND_DAYS} days after it either.")
        return lines

    @property
    def note(self) -> str | None:
        return " ".join(self.note_lines()) or None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"decision": self.decision.to_json(),
                               "slots": [s.to_json() for s in self.slots]}
        if self.fallback is not None:
            out["fallback"] = self.fallback.to_json()
        if self.earliest is not None:
            out["earliest"] = self.earliest.to_json()
        if self.window_full:
            out["beyond"] = self.beyond.to_json() if self.beyond is not None else None
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class WhyNot:
    """Why one slot is or is not eligible: `reasons` is empty when it is eligible."""

    practitioner: str
    site: str | None
    start: datetime | None  # None for a wall time in the DST gap
    end: datetime | None
    asked: str  # the date-time as asked
    reasons: tuple[tuple[str, str], ...]  # (code, sentence)

    @property
    def eligible(self) -> bool:
        return not self.reasons

    def to_json(self) -> dict[str, Any]:
        return {"practitioner": self.practitioner, "site": self.site,
                "start": _iso(self.start) if self.start else self.asked,
                "end": _iso(self.end) if self.end else None, "eligible": self.eligible,
                "reasons": [{"code": c, "message": m} for c, m in self.reasons]}


# -- time helpers ----------------------------------------------------------------------------------

def _minutes(dt: datetime) -> int:
    """UTC minutes since the epoch, rounded down."""
    return (dt.astimezone(UTC) - _EPOCH) // _MINUTE


def _minutes_up(dt: datetime) -> int:
    delta = dt.astimezone(UTC) - _EPOCH
    whole = delta // _MINUTE
    return whole + (1 if delta - whole * _MINUTE else 0)


def _moment(m: int, zone: tzinfo) -> datetime:
    return (_EPOCH + timedelta(minutes=m)).astimezone(zone)


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="minutes")


@functools.lru_cache(maxsize=262144)
def _wall(zone: tzinfo, day: date, minute: int) -> int:
    """The UTC minute of wall time `minute` after local midnight of `day`: the first occurrence of an
    ambiguous time; for a time in the spring gap, the instant the clocks jump (so an interval never
    covers time that does not exist)."""
    naive = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    first = (naive.replace(tzinfo=zone) - _EPOCH) // _MINUTE  # as _minutes, without the UTC datetime
    try:
        back = datetime.fromtimestamp(first * 60, zone)  # as _moment, a third of the time
    except (OverflowError, OSError, ValueError):  # a platform without times before 1970
        back = _moment(first, zone)
    if back.replace(tzinfo=None) == naive:
        return first
    low, high = _minutes(naive.replace(tzinfo=zone, fold=1)), first
    if low > high:
        low, high = high, low
    while high - low > 1:
        mid = (low + high) // 2
        if _moment(mid, zone).replace(tzinfo=None) >= naive:
            high = mid
        else:
            low = mid
    return high


def _naive_minutes(zone: tzinfo, naive: datetime) -> int:
    return _wall(zone, naive.date(), naive.hour * 60 + naive.minute)


def _offset(zone: tzinfo, m: int) -> int:
    off = (_EPOCH + timedelta(minutes=m)).astimezone(zone).utcoffset()
    return (off // _MINUTE) if off is not None else 0


Segment = tuple[int, int, int, int]  # [start, end) in UTC minutes, UTC offset, offset just before start


@functools.lru_cache(maxsize=4096)
def _segments(zone: tzinfo, lo: int, hi: int) -> tuple[Segment, ...]:
    """[lo, hi) cut where the UTC offset changes (looked for every 12 hours, then to the minute)."""
    out: list[Segment] = []
    start, off, before = lo, _offset(zone, lo), _offset(zone, lo - 1)
    m = lo
    while m < hi:
        nxt = min(m + 12 * 60, hi)
        if _offset(zone, nxt) == off:
            m = nxt
            continue
        a, b = m, nxt  # the offset changes in (a, b]: find its first minute
        while b - a > 1:
            mid = (a + b) // 2
            if _offset(zone, mid) == off:
                a = mid
            else:
                b = mid
        if b >= hi:
            break
        out.append((start, b, off, before))
        start, before, off = b, off, _offset(zone, b)
        m = b
    out.append((start, hi, off, before))
    return tuple(out)


def _union(items: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for a, b in sorted(items):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _subtract(base: Sequence[Interval], cut: Sequence[Interval]) -> list[Interval]:
    """base − cut; both sorted and merged."""
    if not cut:
        return list(base)
    out: list[Interval] = []
    j = 0
    for a, b in base:
        while j < len(cut) and cut[j][1] <= a:
            j += 1
        k = j
        cur = a
        while k < len(cut) and cut[k][0] < b:
            if cut[k][0] > cur:
                out.append((cur, cut[k][0]))
            cur = max(cur, cut[k][1])
            k += 1
        if cur < b:
            out.append((cur, b))
    return out


def _intersect(x: Sequence[Interval], y: Sequence[Interval]) -> list[Interval]:
    out: list[Interval] = []
    i = j = 0
    while i < len(x) and j < len(y):
        a, b = max(x[i][0], y[j][0]), min(x[i][1], y[j][1])
        if a < b:
            out.append((a, b))
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return out


def _overlaps(intervals: Sequence[Interval], a: int, b: int) -> bool:
    """Whether [a, b) meets any of the sorted, merged intervals."""
    i = bisect_right(intervals, (a, float("inf"))) - 1
    if i >= 0 and intervals[i][1] > a:
        return True
    return i + 1 < len(intervals) and intervals[i + 1][0] < b


def _inside(intervals: Sequence[Interval], a: int, b: int) -> bool:
    i = bisect_right(intervals, (a, float("inf"))) - 1
    return i >= 0 and intervals[i][0] <= a and b <= intervals[i][1]


def _local_day(m: int, zone: tzinfo) -> date:
    return _moment(m, zone).date()


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@functools.cache
def _calendar_error() -> type[Exception]:
    from .calendar import CalendarError  # imported late, as everywhere in this module

    return CalendarError


# -- the practice's time, as intervals -------------------------------------------------------------

class _Time:
    """Intervals of one practice over local days, cached per (thing, day)."""

    def __init__(self, practice: Practice, lenient: bool = False) -> None:
        self.practice = practice
        self.lenient = lenient  # lint: a day the calendar cannot answer for is skipped, not an error
        self.zone: tzinfo = practice.zone
        self.cal = practice.calendar
        self.holidays_close = practice.closed_on_holidays and practice.holidays is not None
        self._ph: dict[date, bool] = {}
        self._spans: dict[tuple[int, date], list[Interval]] = {}  # expr_day, by (expression number, day)
        self._numbers: dict[int, int] = {}  # id(expression) → its number (equal expressions share one)
        self._equal: dict[Any, int] = {}  # expression → number
        self._alive: list[Any] = []  # the expressions numbered, so that their ids stay theirs

    def is_holiday(self, day: date) -> bool:
        hit = self._ph.get(day)
        if hit is None:
            hit = self._ph[day] = bool(self._ask(lambda: self.cal.is_public_holiday(day), False))
        return hit

    def number(self, expr: Any) -> int:
        """The expression's number: equal expressions share one."""
        number = self._numbers.get(id(expr))
        if number is None:
            try:
                number = self._equal.setdefault(expr, len(self._numbers))
            except TypeError:  # not hashable: equal to itself only
                number = len(self._numbers)
            self._numbers[id(expr)] = number
            self._alive.append(expr)
        return number

    def expr_day(self, expr: Any, day: date) -> list[Interval]:
        """The open time of an hours expression on a local day, in UTC minutes (do not modify it);
        computed once per day for all the equal expressions (practitioners often share hours)."""
        number = self._numbers.get(id(expr))
        if number is None:
            number = self.number(expr)
        key = (number, day)
        found = self._spans.get(key)
        if found is None:
            spans = self._ask(lambda: expr.day_intervals(day, self.cal), ())
            found = self._spans[key] = [(_wall(self.zone, day, a), _wall(self.zone, day, b)) for a, b in spans]
        return found

    def _ask(self, question: Any, otherwise: Any) -> Any:
        try:
            return question()
        except _calendar_error():
            if not self.lenient:
                raise
            return otherwise

    def day_span(self, day: date) -> Interval:
        return _wall(self.zone, day, 0), _wall(self.zone, day + timedelta(days=1), 0)

    def hours(self, p: Practitioner, site: str | None, days: Sequence[date],
              holidays: bool = True) -> list[Interval]:
        """Open time of `p` at `site` (hours for that site, or site-less hours); public holidays
        removed when the practice closes on them and the hours do not name PH."""
        parts: list[Interval] = []
        for h in p.hours:
            if h.site is not None and h.site != site:
                continue
            mine: list[Interval] = []
            for d in days:
                mine.extend(self.expr_day(h.expr, d))
            mine = _union(mine)
            if holidays and self.holidays_close and not h.expr.uses_public_holidays:
                mine = _subtract(mine, _union(self.day_span(d) for d in days if self.is_holiday(d)))
            parts.extend(mine)
        return _union(parts)

    def window(self, w: Window, days: Sequence[date]) -> list[Interval]:
        from .hours import every_weeks_matches

        parts: list[Interval] = []
        for d in days:
            if w.every_weeks and w.from_date and not every_weeks_matches(d, w.every_weeks, w.from_date):
                continue
            parts.extend(self.expr_day(w.expr, d))
        return _union(parts)

    def absences(self, p: Practitioner) -> list[Interval]:
        zone = self.zone
        return _union((_naive_minutes(zone, a.start), _naive_minutes(zone, a.end)) for a in p.absences)

    def protected(self, p: Practitioner, days: Sequence[date]) -> list[Interval]:
        parts: list[Interval] = []
        for pr in self.practice.protected:
            if pr.practitioners is None or p.id in pr.practitioners:
                parts.extend(self.window(pr.window, days))
        return _union(parts)

    def free(self, p: Practitioner, site: str | None, days: Sequence[date]) -> list[Interval]:
        """Bookable time, before anything request-specific: hours − holidays − absences − protected."""
        return _subtract(_subtract(self.hours(p, site, days), self.absences(p)), self.protected(p, days))


def _calendar_guard(fn: Any) -> Any:
    """Turn a holiday question the calendar cannot answer into a SlotsError."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .calendar import CalendarError

        try:
            return fn(*args, **kwargs)
        except CalendarError as e:
            raise SlotsError(f"cannot compute slots: {e}") from None
    return wrapper


# -- time questions for the linter (DR202–DR206) ----------------------------------------------------

YEAR_DAYS = 365  # DR202, DR203, DR206: the next 12 months of hours
WEEKS_DAYS = 12 * 7  # DR205: the next 12 weeks


def reason_practitioners(practice: Any, reason: Any) -> list[str]:
    return list(reason.practitioners) if reason.practitioners is not None else list(practice.practitioners)


def reason_sites(practice: Any, reason: Any) -> list[str | None]:
    if reason.sites is not None:
        return list(reason.sites)
    return list(practice.sites) if practice.sites else [None]


def practitioner_sites(practice: Any, practitioner: Any) -> list[str | None]:
    sites: list[str | None] = []
    for h in practitioner.hours:
        for s in ([h.site] if h.site is not None else (list(practice.sites) or [None])):
            if s not in sites:
                sites.append(s)
    return sites


def works_at(practitioner: Any, sites: list[str | None]) -> bool:
    return any(h.site is None or h.site in sites for h in practitioner.hours)


def period(today: date, days: int) -> tuple[date, date]:
    return today, today + timedelta(days=days - 1)


Stretch = tuple[datetime, datetime]


class _LintTime:
    """The linter's time questions (DR202–DR206) about one practice, answered leniently (a day the
    holiday calendar cannot answer for is skipped) and remembered: the checks ask about the same
    practitioners, sites and periods over and over, and practitioners share their hours
    expressions, so each expression's time over a period is computed once and shared.

    Everything here is computed in UTC minutes; the datetimes of a stretch are made once per minute
    (practitioners with the same hours share their stretches' ends). It holds the practice's data
    only, never a request's."""

    def __init__(self, practice: Practice) -> None:
        self.practice = practice
        self.time = _Time(practice, lenient=True)
        self.zone = self.time.zone
        # (expression number, every_weeks, from_date, holidays removed, first, last) → intervals
        self._exprs: dict[tuple[Any, ...], list[Interval]] = {}
        self._holidays: dict[tuple[date, date], list[Interval]] = {}
        self._absences: dict[str, list[Interval]] = {}
        self._protected: dict[tuple[tuple[int, ...], date, date], list[Interval]] = {}
        self._free: dict[tuple[Any, ...], tuple[Interval, ...]] = {}
        self._stretches: dict[tuple[Any, ...], tuple[Stretch, ...]] = {}
        self._days: dict[tuple[date, date], list[date]] = {}
        self._moments: _Moments = _Moments(self.zone)

    def days(self, first: date, last: date) -> list[date]:
        found = self._days.get((first, last))
        if found is None:
            found = self._days[(first, last)] = _days(first, last)
        return found

    def span(self, first: date, last: date) -> Interval:
        return self.time.day_span(first)[0], self.time.day_span(last)[1]

    def expr(self, expr: Any, first: date, last: date, holidays: bool = False,
             every: tuple[int | None, date | None] = (None, None)) -> list[Interval]:
        """The time of an hours expression from `first` to `last` (do not modify it): only the weeks of
        a window's rhythm `every`; public holidays removed with `holidays` (as `_Time.hours` does)."""
        key = (self.time.number(expr), *every, holidays, first, last)
        found = self._exprs.get(key)
        if found is None:
            if holidays:
                found = _subtract(self.expr(expr, first, last, False, every), self.holidays(first, last))
            else:
                from .hours import every_weeks_matches

                weeks, since = every
                parts: list[Interval] = []
                for d in self.days(first, last):
                    if weeks and since and not every_weeks_matches(d, weeks, since):
                        continue
                    parts.extend(self.time.expr_day(expr, d))
                found = _union(parts)
            self._exprs[key] = found
        return found

    def window(self, w: Window, first: date, last: date) -> list[Interval]:
        """`_Time.window` over the days from `first` to `last` (do not modify it)."""
        return self.expr(w.expr, first, last, False, (w.every_weeks, w.from_date))

    def holidays(self, first: date, last: date) -> list[Interval]:
        found = self._holidays.get((first, last))
        if found is None:
            time = self.time
            found = self._holidays[(first, last)] = _union(
                time.day_span(d) for d in self.days(first, last) if time.is_holiday(d))
        return found

    def absences(self, p: Practitioner) -> list[Interval]:
        found = self._absences.get(p.id)
        if found is None:
            found = self._absences[p.id] = self.time.absences(p)
        return found

    def protected(self, p: Practitioner, first: date, last: date) -> list[Interval]:
        which = tuple(i for i, pr in enumerate(self.practice.protected)
                      if pr.practitioners is None or p.id in pr.practitioners)
        key = (which, first, last)
        found = self._protected.get(key)
        if found is None:
            parts: list[Interval] = []
            for i in which:
                parts.extend(self.window(self.practice.protected[i].window, first, last))
            found = self._protected[key] = _union(parts)
        return found

    def free(self, practitioner: str, sites: tuple[str | None, ...], first: date, last: date,
             hours_only: bool) -> tuple[Interval, ...]:
        """What `free_stretches` answers, in UTC minutes. The union over the sites of each site's
        hours − holidays − absences − protected time is the union of the hours that apply at any of
        the sites, less the same: each set of intervals is computed once."""
        key = (practitioner, sites, first, last, hours_only)
        found = self._free.get(key)
        if found is None:
            p = self.practice.practitioners[practitioner]
            holidays = not hours_only and self.time.holidays_close
            pieces = [self.expr(h.expr, first, last, holidays and not h.expr.uses_public_holidays)
                      for h in p.hours if (h.site is None and bool(sites)) or h.site in sites]
            union = pieces[0] if len(pieces) == 1 else _union(x for piece in pieces for x in piece)
            if not hours_only:
                union = _subtract(_subtract(union, self.absences(p)), self.protected(p, first, last))
            found = self._free[key] = tuple(_intersect(union, [self.span(first, last)]))
        return found

    def stretches(self, spans: Sequence[Interval]) -> tuple[Stretch, ...]:
        moments = self._moments
        return tuple((moments[a], moments[b]) for a, b in spans)

    def free_stretches(self, practitioner: str, sites: tuple[str | None, ...], first: date, last: date,
                       hours_only: bool) -> tuple[Stretch, ...]:
        key = (practitioner, sites, first, last, hours_only)
        found = self._stretches.get(key)
        if found is None:
            found = self._stretches[key] = self.stretches(self.free(practitioner, sites, first, last, hours_only))
        return found


_LINT_TIME: list[_LintTime] = []  # the one practice's: the CLI and the API lint one practice at a time


def _lint_time(practice: Practice) -> _LintTime:
    """The practice's `_LintTime`, made once per Practice object (checked by identity; the one of
    the previous practice is dropped)."""
    if _LINT_TIME and _LINT_TIME[0].practice is practice:
        return _LINT_TIME[0]
    lt = _LintTime(practice)
    _LINT_TIME[:] = [lt]
    return lt


def free_stretches(practice: Practice, practitioner: str, sites: Sequence[str | None], first: date,
                   last: date, *, hours_only: bool = False) -> list[Stretch]:
    """Continuous stretches of time the practitioner could be booked at any of `sites` between local
    midnight of `first` and the end of `last`: hours − public holidays − absences − protected time
    (only the hours with `hours_only`). For the linter: days the holiday calendar cannot answer for
    are skipped."""
    return list(_lint_time(practice).free_stretches(practitioner, tuple(sites), first, last, hours_only))


def has_free_time(practice: Practice, practitioner: str, sites: Sequence[str | None], first: date,
                  last: date, *, hours_only: bool = False) -> bool:
    """Whether `free_stretches` finds any stretch (without making its datetimes)."""
    return bool(_lint_time(practice).free(practitioner, tuple(sites), first, last, hours_only))


def window_stretches(practice: Practice, window: Window, first: date, last: date) -> list[Stretch]:
    """The times a window (with its rhythm) covers between `first` and the end of `last` (lenient)."""
    lt = _lint_time(practice)
    return list(lt.stretches(_intersect(lt.window(window, first, last), [lt.span(first, last)])))


def overlaps(x: Sequence[Stretch], y: Sequence[Stretch]) -> bool:
    """Whether two sorted lists of [start, end) stretches meet."""
    i = j = 0
    while i < len(x) and j < len(y):
        if x[i][0] < y[j][1] and y[j][0] < x[i][1]:
            return True
        if x[i][1] <= y[j][1]:
            i += 1
        else:
            j += 1
    return False


# -- the search ------------------------------------------------------------------------------------

def _sites(practice: Practice, decision: Decision) -> list[str | None]:
    if decision.sites:
        return list(decision.sites)
    return [None] if not practice.sites else []


def _duration(decision: Decision, p: str) -> int:
    d = decision.durations.get(p, decision.duration)
    return d if d else 0


def _busy_minutes(busy: Any, lo: datetime, hi: datetime) -> dict[str | None, list[Interval]]:
    out: dict[str | None, list[Interval]] = {}
    if busy is None:
        return out
    for b in busy.between(lo, hi):
        out.setdefault(b.practitioner, []).append((_minutes(b.start), _minutes_up(b.end)))
    return {k: _union(v) for k, v in out.items()}


_Kind = tuple[str, str | None, int, str, str | None]  # practitioner, site, duration's number, diary, motif
_new_object = object.__new__
_GC_PAUSE_MIN = 10_000  # candidates made into slots at once above which the garbage collector is paused


class _Moments(dict[int, datetime]):
    """UTC minute → aware datetime in the practice's zone, each made once per search: the practitioners
    share their starts, and a slot's end is often another slot's start."""

    def __init__(self, zone: tzinfo) -> None:
        super().__init__()
        self.zone = zone

    def __missing__(self, m: int) -> datetime:
        try:
            dt = datetime.fromtimestamp(m * 60, self.zone)  # as _moment, a third of the time
        except (OverflowError, OSError, ValueError):  # a platform without times before 1970
            dt = _moment(m, self.zone)
        self[m] = dt
        return dt


def _grid_keys(spans: Sequence[Interval], grid: int, segments: Sequence[Segment], stride: int, index: int,
               out: list[int]) -> None:
    """Append t * stride + index for every UTC minute t of the spans ([a, b): t from a to b − 1) whose
    wall time is on the grid (counted from local midnight), skipping the second occurrence of wall
    times the autumn change repeats. One range of ints per span and segment of constant UTC offset
    (per day too, for a grid that does not divide the day): no work per start."""
    whole = 1440 % grid == 0
    step = grid * stride
    for a, b in spans:
        for s, e, off, before in segments:
            lo, hi = max(a, s), min(b, e) - 1
            if lo > hi:
                continue
            local_lo, local_hi = lo + off, hi + off
            if before > off:  # after a backward change, wall times below s + before were already seen
                local_lo = max(local_lo, s + before)
            if whole:
                x = local_lo + (-local_lo) % grid
                if x <= local_hi:
                    out.extend(range((x - off) * stride + index, (local_hi - off) * stride + index + 1, step))
                continue
            x = local_lo
            while x <= local_hi:
                midnight = x - x % 1440
                x += (midnight - x) % grid
                top = min(local_hi, midnight + 1439)
                if x <= top:
                    out.extend(range((x - off) * stride + index, (top - off) * stride + index + 1, step))
                x = midnight + 1440


class _Search:
    """Eligible slots of one book/validate decision for one request.

    A week at a time, the starts each practitioner and site allow are computed as intervals of start
    minutes (free time − busy, ∩ in-window − not-in-window, shrunk by the duration, − the starts that
    would meet a reserved window still closed to the request), then turned into grid starts with
    range arithmetic. A candidate is the int t * stride + index (index: practitioner × site in the
    decision's order), so sorting the ints sorts by start, then practitioner, then site; `Slot`s are
    made only for the candidates returned."""

    def __init__(self, practice: Practice, decision: Decision, request: Request, call: int,
                 busy: dict[str | None, list[Interval]]) -> None:
        self.practice = practice
        self.decision = decision
        self.time = _Time(practice)
        self.zone = self.time.zone
        self.call = call
        self.earliest = call + (decision.notice or 0)
        self.latest = call + (decision.within if decision.within is not None else DEFAULT_HORIZON)
        self.sites = _sites(practice, decision)
        known = practice.practitioners
        self.people = [known[p] for p in decision.practitioners if p in known]
        everyone = busy.get(None, [])
        self.busy = {p.id: _union([*busy.get(p.id, []), *everyone]) for p in self.people}
        self.in_window = practice.windows.get(decision.in_window) if decision.in_window else None
        self.not_in_window = practice.windows.get(decision.not_in_window) if decision.not_in_window else None
        # reserved windows this request may not use (until released): `for` false or unknown
        self.blocking = [r for r in practice.reserved
                         if evaluate_cond(r.cond, practice, request)[0] is not True]
        nsites = len(self.sites)
        self.stride = max(1, len(self.people) * nsites)
        # The sites of a practitioner where the same hours apply have the same starts: one candidate
        # stands for a slot at each site of a run of consecutive such sites (its first site's index).
        # runs: (index, practitioner, a site of the run, duration, grid, the hours that apply);
        # kinds[index]: the slots a candidate stands for (with the number of their duration in
        # `durations`).
        self.runs: list[tuple[int, Practitioner, str | None, int, int, tuple[int, ...]]] = []
        self.kinds: list[tuple[_Kind, ...]] = [()] * self.stride
        self.durations = sorted({d for d in (_duration(decision, p.id) for p in self.people) if d > 0})
        for pi, p in enumerate(self.people):
            dur = _duration(decision, p.id)
            if dur <= 0:
                continue
            grid = p.grid or practice.grid
            motif = decision.motifs.get(p.id, {}).get("motif")
            previous: tuple[int, ...] | None = None
            for si, site in enumerate(self.sites):
                which = tuple(i for i, h in enumerate(p.hours) if h.site is None or h.site == site)
                kind = (p.id, site, self.durations.index(dur), p.diary, motif)
                if which == previous:
                    first = self.runs[-1][0]
                    self.kinds[first] = (*self.kinds[first], kind)
                else:
                    self.runs.append((pi * nsites + si, p, site, dur, grid, which))
                    self.kinds[pi * nsites + si] = (kind,)
                previous = which
        self.moments = _Moments(self.zone)

    def _spans(self, p: Practitioner, site: str | None, dur: int, lo: int, hi: int,
               days: Sequence[date], windows: dict[int, list[Interval]]) -> list[Interval]:
        """The starts t in [lo, hi), as intervals, for which [t, t + dur) is free for `p` at `site` and
        meets no reserved window still closed to this request at t (a window with release r is open
        to starts t ≤ call + r). `windows`: the windows' time over `days`, filled as they are needed
        (so a day the holiday calendar cannot answer for is met in the same order as ever)."""
        def window(w: Window) -> list[Interval]:
            found = windows.get(id(w))
            if found is None:
                found = windows[id(w)] = self.time.window(w, days)
            return found

        free = self.time.free(p, site, days)
        free = _subtract(free, self.busy.get(p.id, []))
        if self.in_window is not None:
            free = _intersect(free, window(self.in_window))
        if self.not_in_window is not None:
            free = _subtract(free, window(self.not_in_window))
        starts = [(a, b - dur + 1) for a, b in free if b - dur >= a]
        blocked: list[Interval] = []
        for r in self.blocking:
            if r.practitioners is not None and p.id not in r.practitioners:
                continue
            closed_from = None if r.release is None else self.call + r.release + 1
            for a, b in window(r.window):
                x = a - dur + 1  # [x, b): the starts whose slot meets [a, b)
                if closed_from is not None and x < closed_from:
                    x = closed_from
                if x < b:
                    blocked.append((x, b))
        if blocked:
            starts = _subtract(starts, _union(blocked))
        return _intersect(starts, [(lo, hi)])

    def _keys(self, lo: int, hi: int, days: Sequence[date], segments: Sequence[Segment]) -> tuple[list[int], int]:
        """The candidates starting in [lo, hi), sorted, and the number of slots they stand for."""
        windows: dict[int, list[Interval]] = {}
        keys: list[int] = []
        count = 0
        spans_of: dict[tuple[str, tuple[int, ...]], list[Interval]] = {}  # a site changes the spans only
        for index, p, site, dur, grid, which in self.runs:                # by the hours that apply there
            spans = spans_of.get((p.id, which))
            if spans is None:
                spans = spans_of[(p.id, which)] = self._spans(p, site, dur, lo, hi, days, windows)
            before = len(keys)
            _grid_keys(spans, grid, segments, self.stride, index, keys)
            count += (len(keys) - before) * len(self.kinds[index])
        keys.sort()
        return keys, count

    def _chunks(self, lo: int, hi: int, within: bool = True) -> Iterator[tuple[list[int], int]]:
        """The candidates starting in [lo, hi), a week at a time, each week's sorted, with the number
        of slots they stand for; `within` False drops the `within` bound (for `beyond`)."""
        from .calendar import CalendarError

        lo = max(lo, self.earliest)
        if within:
            hi = min(hi, self.latest + 1)
        longest = max((_duration(self.decision, p.id) for p in self.people), default=0)
        start = lo
        try:
            while start < hi:
                end = min(start + CHUNK_DAYS * 1440, hi)
                days = _days(_local_day(start, self.zone) - timedelta(days=1),
                             _local_day(end + longest, self.zone) + timedelta(days=1))
                segments = _segments(self.zone, start, end + longest + 1)
                yield self._keys(start, end, days, segments)
                start = end
        except CalendarError as e:
            raise SlotsError(f"cannot compute slots: {e}") from None

    def _make(self, keys: Sequence[int], cap: int = -1) -> list[Slot]:
        """The slots of sorted candidates (the first `cap` of them when `cap` ≥ 0), made in C where
        `diaryrules/_speedups.c` is built, else by `_make_in_python`: the same objects, fields set
        in the same order. The slots hold no reference cycles, so the cyclic garbage collector is
        paused while a long list is built: it would otherwise traverse the whole heap several
        times over as the new objects pile up (see `compile.paused_gc`)."""
        c = native()
        with paused_gc() if len(keys) > _GC_PAUSE_MIN else nullcontext():
            if c is not None and type(keys) is list:
                out: list[Slot] = c.slots(keys, self.stride, self.kinds, self.moments, self.durations, Slot)
            else:
                out = self._make_in_python(keys)
        if 0 <= cap < len(out):
            del out[cap:]
        return out

    def _make_in_python(self, keys: Sequence[int]) -> list[Slot]:
        """Each slot is exactly what `Slot(practitioner, site, start, end, diary, motif)` makes: the
        same fields, set in the same order, in the instance's dictionary; written there directly
        rather than through the frozen dataclass's six `object.__setattr__` calls, which would be
        most of the time of a full listing."""
        stride, kinds, moments, durations = self.stride, self.kinds, self.moments, self.durations
        out: list[Slot] = []
        append = out.append
        new = _new_object
        base = bound = 0
        start = None
        ends: list[datetime] = []
        for key in keys:
            if key >= bound:  # sorted: a new start minute
                t = key // stride
                base = t * stride
                bound = base + stride
                start = moments[t]
                ends = [moments[t + d] for d in durations]
            for pid, site, d, diary, motif in kinds[key - base]:
                slot = new(Slot)
                fields = slot.__dict__
                fields["practitioner"] = pid
                fields["site"] = site
                fields["start"] = start
                fields["end"] = ends[d]
                fields["diary"] = diary
                fields["motif"] = motif
                append(slot)
        return out

    def take(self, lo: int, hi: int, limit: int) -> tuple[list[Slot], bool]:
        """The first `limit` eligible slots starting in [lo, hi) (earliest first, then in the
        decision's order of practitioners and sites; all of them when `limit` < 0), and whether
        there are more."""
        picked: list[int] = []
        count = 0
        for keys, n in self._chunks(lo, hi):
            if 0 <= limit < count + n:
                i = 0
                while count < limit:  # the candidates of the slots still wanted
                    count += len(self.kinds[keys[i] % self.stride])
                    i += 1
                picked += keys[:i]
                return self._make(picked, limit), True
            picked += keys
            count += n
        return self._make(picked), False

    def first(self, lo: int, hi: int, within: bool = True) -> Slot | None:
        """The earliest eligible slot starting in [lo, hi)."""
        for keys, _n in self._chunks(lo, hi, within):
            if keys:
                return self._make(keys[:1], 1)[0]
        return None


def _chain(decision: Decision) -> list[Decision]:
    out = [decision]
    d = decision
    while d.fallback is not None and len(out) < MAX_FALLBACKS:
        d = d.fallback
        out.append(d)
    return out


def _call_moment(practice: Practice, request: Request) -> datetime:
    return request.at.astimezone(practice.zone) if request.at is not None else datetime.now(practice.zone)


def find_slots(practice: Practice, decision: Decision, request: Request, *, start: datetime | None = None,
               days: int = 14, busy: Any = None, limit: int = 20) -> SlotsResult:
    """The eligible slots of a decision, earliest first, starting in [start, local midnight after
    `days` days) — at most `limit` of them. Under pressure (no eligible slot in the booking window),
    the decision's `else` chain is followed. `busy` is a `diaryrules.busy.Busy` (or None)."""
    zone = practice.zone
    call_dt = _call_moment(practice, request)
    start_dt = (start if start.tzinfo is not None else start.replace(tzinfo=zone)).astimezone(zone) \
        if start is not None else call_dt
    days = max(1, min(days, MAX_SEARCH_DAYS))
    end_day = start_dt.date() + timedelta(days=days)
    end_dt = datetime(end_day.year, end_day.month, end_day.day, tzinfo=zone)
    call = _minutes(call_dt)
    lo, hi = _minutes_up(start_dt), _wall(zone, end_day, 0)

    def result(applied: Decision, slots: Sequence[Slot] = (), fallback: Decision | None = None,
               full: Sequence[Decision] = (), earliest: Slot | None = None, beyond: Slot | None = None,
               more: bool = False) -> SlotsResult:
        return SlotsResult(decision, applied, tuple(slots), fallback, tuple(full), earliest, beyond, start_dt,
                           end_dt, call_dt, more)

    if decision.action not in ("book", "validate"):
        return result(decision)
    chain = _chain(decision)
    reach = max((d.within or 0) for d in chain if d.action in ("book", "validate"))
    busy_lo = min(start_dt, call_dt) - timedelta(days=1)
    busy_hi = max(end_dt, call_dt + timedelta(minutes=reach) + timedelta(days=BEYOND_DAYS + 1))
    busy_map = _busy_minutes(busy, busy_lo, busy_hi)
    full: list[Decision] = []
    current = decision
    while True:
        fallback = current if current is not decision else None
        if current.action not in ("book", "validate"):
            return result(current, fallback=fallback, full=full)
        search = _Search(practice, current, request, call, busy_map)
        found, more = search.take(lo, hi, limit)
        if found:
            return result(current, found, fallback, full, more=more)
        window_end = min(search.latest + 1, search.earliest + MAX_SEARCH_DAYS * 1440)
        earliest = search.first(search.earliest, window_end)
        if earliest is not None:
            return result(current, (), fallback, full, earliest=earliest)
        full.append(current)
        if current.fallback is None or len(full) >= MAX_FALLBACKS:
            beyond = search.first(search.latest + 1, search.latest + 1 + BEYOND_DAYS * 1440, within=False)
            return result(current, (), fallback, full, beyond=beyond)
        current = current.fallback


# -- words -----------------------------------------------------------------------------------------

def _when(dt: datetime) -> str:
    return f"{DAYS[dt.weekday()]} {dt:%Y-%m-%d %H:%M}"


def _slot_text(s: Slot) -> str:
    site = f" at {s.site}" if s.site else ""
    return f"{_when(s.start)}–{s.end:%H:%M} with {s.practitioner}{site}"


def _window_text(d: Decision, call: datetime) -> str:
    notice = d.notice or 0
    first = call + timedelta(minutes=notice)
    last = call + timedelta(minutes=d.within or 0)
    return f"from {_when(first)} to {_when(last)} (within {format_duration(d.within or 0)}" + \
        (f", notice {format_duration(notice)}" if notice else "") + ")"


def _outcome_text(d: Decision) -> str:
    if d.outcome is not None:
        return str(replace(d.outcome, fallback=None))
    return d.action


def _no_slots_note(d: Decision) -> str:
    if d.action == "ask":
        attr = d.ask["attribute"] if d.ask else "?"
        return f"No slots yet: the answer depends on `{attr}`; ask it first."
    if d.action == "none":
        return "No slots: no rule decides this request."
    verb = {"callback": "call the patient back", "redirect": "redirect the call", "refuse": "refuse",
            "transfer": "transfer the call"}.get(d.action, d.action)
    return f"No slots to give: the decision is to {verb}, not to book."


# -- why not ---------------------------------------------------------------------------------------

def _parse_why_not(text: str, practice: Practice) -> tuple[str, str]:
    from .diagnostics import did_you_mean

    who, sep, when = text.partition("@")
    who, when = who.strip(), when.strip()
    if not sep or not who or not when:
        raise SlotsError(f"--why-not `{text}` is not PRACTITIONER@DATETIME",
                         "e.g. --why-not martin@2026-12-01T10:00")
    if who not in practice.practitioners:
        near = did_you_mean(who, practice.practitioners)
        raise SlotsError(f"--why-not: unknown practitioner `{who}`",
                         f"did you mean `{near}`?" if near else
                         "known practitioners: " + ", ".join(sorted(practice.practitioners)))
    return who, when


def _hm(m: int, zone: tzinfo) -> str:
    return f"{_moment(m, zone):%H:%M}"


def _describe_day(time: _Time, p: Practitioner, sites: Sequence[str | None], day: date) -> str:
    """`We 2026-12-09: centre 08:30–12:30, 14:00–19:00; annexe not working`."""
    parts = []
    for site in sites:
        spans: list[tuple[int, int]] = []
        for h in p.hours:
            if h.site is None or h.site == site:
                spans.extend(h.expr.day_intervals(day, time.cal))
        text = ", ".join(f"{a // 60:02d}:{a % 60:02d}–{b // 60:02d}:{b % 60:02d}" for a, b in sorted(spans))
        parts.append((f"{site} " if site else "") + (text or "not working"))
    holiday = ""
    if time.practice.holidays is not None and time.is_holiday(day):
        name = time.cal.public_holiday_name(day)
        holiday = f" (public holiday{': ' + name if name else ''})"
    return f"{DAYS[day.weekday()]} {day.isoformat()}{holiday}: " + "; ".join(parts)


def _slot_duration(practice: Practice, decision: Decision, p: str) -> int:
    """The slot's length for `p`; for a practitioner the decision does not offer, what the reason
    would last with them."""
    reason = practice.reasons.get(decision.reason) if decision.reason else None
    if p in decision.practitioners or reason is None:
        return _duration(decision, p)
    if decision.outcome is not None and decision.outcome.duration is not None:
        return decision.outcome.duration.minutes
    return reason.duration_for(p)


@_calendar_guard
def explain_slot(practice: Practice, decision: Decision, request: Request, practitioner: str,
                 when: str | datetime, busy: Any = None) -> WhyNot:
    """Every reason why `practitioner` at `when` (a wall time of the practice, or an aware date-time)
    is not an eligible slot for the decision; no reasons when it is eligible."""
    zone = practice.zone
    asked = when if isinstance(when, str) else when.isoformat()
    if isinstance(when, str):
        try:
            dt = datetime.fromisoformat(when.strip())
        except ValueError:
            raise SlotsError(f"--why-not: `{when}` is not a date-time",
                             "write it as 2026-12-01T10:00 (local time of the practice)") from None
    else:
        dt = when
    p = practice.practitioners.get(practitioner)
    if p is None:
        raise SlotsError(f"unknown practitioner `{practitioner}`")
    if decision.action not in ("book", "validate"):
        return WhyNot(p.id, None, None, None, asked, (("no-booking", _no_slots_note(decision)),))
    seconds = bool(dt.second or dt.microsecond)
    dt = dt.replace(second=0, microsecond=0)
    reasons: list[tuple[str, str]] = []
    if dt.tzinfo is None:
        t = _minutes(dt.replace(tzinfo=zone))
        if _moment(t, zone).replace(tzinfo=None) != dt:
            jump = _wall(zone, dt.date(), dt.hour * 60 + dt.minute)
            gap = _moment(jump - 1, zone) + _MINUTE
            reasons.append(("dst-gap", f"{dt:%H:%M} does not exist on {dt:%Y-%m-%d}: the clocks jump from "
                                       f"{gap:%H:%M} to {_moment(jump, zone):%H:%M}"))
            return WhyNot(p.id, None, None, None, asked, tuple(reasons))
    else:
        t = _minutes(dt)
        local = _moment(t, zone)
        first = _wall(zone, local.date(), local.hour * 60 + local.minute)
        if first != t:
            once = _iso(_moment(first, zone))
            reasons.append(("dst-repeat", f"{local:%H:%M} occurs twice on {local:%Y-%m-%d}; a slot is "
                                          f"offered at its first occurrence only ({once})"))
    call = _minutes(_call_moment(practice, request))
    dur = _slot_duration(practice, decision, p.id)
    reasons += _timing_reasons(practice, decision, p, t, call, seconds)
    time = _Time(practice)
    local = _moment(t, zone)
    end = t + dur
    days = _days(local.date() - timedelta(days=1), _moment(end, zone).date() + timedelta(days=1))
    sites = _sites(practice, decision)
    site = next((s for s in sites if _inside(time.hours(p, s, days), t, end)), None)
    if site is None:
        # open that day but for a public holiday, or not open at all
        site = next((s for s in sites if _inside(time.hours(p, s, days, holidays=False), t, end)), None)
        if site is not None:
            reasons += _holiday_reasons(time, t, end)
        else:
            reasons.append(_closed_reason(time, p, sites, t, dur, days))
            exprs = [h.expr for h in p.hours if h.site is None or h.site in sites]
            if time.holidays_close and any(not e.uses_public_holidays for e in exprs):
                reasons += _holiday_reasons(time, t, end)
    reasons += _time_reasons(practice, decision, request, time, p, t, dur, days, call)
    if busy is not None:
        for b in busy.between(_moment(t, UTC), _moment(end, UTC)):
            if b.practitioner is None or b.practitioner == p.id:
                bs, be = b.start.astimezone(zone), b.end.astimezone(zone)
                span = f"{bs:%H:%M}–{be:%H:%M}" if bs.date() == be.date() else f"{_when(bs)}–{_when(be)}"
                whose = "" if b.practitioner else " (for everyone)"
                reasons.append(("busy", f"an appointment {span}{whose} ({b.where})"))
    return WhyNot(p.id, site, local, _moment(end, zone), asked, tuple(reasons))


def _timing_reasons(practice: Practice, decision: Decision, p: Practitioner, t: int, call: int,
                    seconds: bool) -> list[tuple[str, str]]:
    zone = practice.zone
    out: list[tuple[str, str]] = []
    if p.id not in decision.practitioners:
        offered = ", ".join(decision.practitioners) or "nobody"
        out.append(("not-allowed", f"{p.id} does not take this request "
                                   f"(rule {decision.rule} offers {offered})"))
    notice = decision.notice or 0
    if t < call:
        out.append(("too-soon", f"it is before the call ({_when(_moment(call, zone))})"))
    elif t < call + notice:
        out.append(("too-soon", f"this request needs {format_duration(notice)} notice; the earliest start is "
                                f"{_when(_moment(call + notice, zone))}"))
    within = decision.within if decision.within is not None else DEFAULT_HORIZON
    if t > call + within:
        out.append(("too-far", f"this request is booked within {format_duration(within)}, until "
                               f"{_when(_moment(call + within, zone))}"))
    grid = p.grid or practice.grid
    local = _moment(t, zone)
    into = local.hour * 60 + local.minute
    if into % grid or seconds:
        before = into - into % grid
        after = (before + grid) % 1440
        out.append(("off-grid", f"not on {p.id}'s {format_duration(grid)} grid: the nearest starts are "
                                f"{before // 60:02d}:{before % 60:02d} and "
                                f"{after // 60:02d}:{after % 60:02d}"))
    return out


def _closed_reason(time: _Time, p: Practitioner, sites: Sequence[str | None], t: int, dur: int,
                   days: Sequence[date]) -> tuple[str, str]:
    zone = time.zone
    end = t + dur
    other = sorted({h.site for h in p.hours if h.site is not None and h.site not in sites})
    elsewhere = next((s for s in other if _inside(time.hours(p, s, days, holidays=False), t, end)), None)
    if elsewhere is not None:
        offered = ", ".join(s for s in sites if s) or "no site"
        return "wrong-site", f"{p.id} works at {elsewhere} then, but this request is booked at {offered}"
    shown = _describe_day(time, p, sites or [None], _moment(t, zone).date())
    if dur and any(_overlaps(time.hours(p, s, days, holidays=False), t, end) for s in sites):
        return "closed", (f"the {format_duration(dur)} slot would end at {_hm(end, zone)}, after {p.id}'s "
                          f"hours — {shown}")
    return "closed", f"outside {p.id}'s hours — {shown}"


def _holiday_reasons(time: _Time, t: int, end: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if not time.holidays_close:
        return out
    for d in _days(_moment(t, time.zone).date(), _moment(max(t, end - 1), time.zone).date()):
        if time.is_holiday(d):
            name = time.cal.public_holiday_name(d)
            named = f" ({name})" if name else ""
            out.append(("holiday", f"{d.isoformat()} is a public holiday{named} and the practice is "
                                   "closed on public holidays"))
    return out


def _time_reasons(practice: Practice, decision: Decision, request: Request, time: _Time, p: Practitioner,
                  t: int, dur: int, days: Sequence[date], call: int) -> list[tuple[str, str]]:
    """Absences, protected time, the decision's windows and reserved windows."""
    zone = time.zone
    end = t + dur
    out: list[tuple[str, str]] = []
    for a in p.absences:
        if _naive_minutes(zone, a.start) < end and t < _naive_minutes(zone, a.end):
            out.append(("absent", f"{p.id} is absent: {a.text}"))
    for pr in practice.protected:
        mine = pr.practitioners is None or p.id in pr.practitioners
        if mine and _overlaps(time.window(pr.window, days), t, end):
            out.append(("protected", f"protected time `{pr.id}` ({pr.window.name or pr.window.expr.source})"))
    if decision.in_window and decision.in_window in practice.windows:
        w = practice.windows[decision.in_window]
        if not _inside(time.window(w, days), t, end):
            out.append(("not-in-window", f"outside `{w.name}` ({w.expr.source}), where this rule books"))
    if decision.not_in_window and decision.not_in_window in practice.windows:
        w = practice.windows[decision.not_in_window]
        if _overlaps(time.window(w, days), t, end):
            out.append(("excluded-window", f"inside `{w.name}` ({w.expr.source}), which this rule excludes"))
    for r in practice.reserved:
        if r.practitioners is not None and p.id not in r.practitioners:
            continue
        if not _overlaps(time.window(r.window, days), t, end):
            continue
        ok, why = evaluate_cond(r.cond, practice, request)
        if ok is True or (r.release is not None and t - r.release <= call):
            continue
        text = f"reserved `{r.id}` for `{r.cond}`" + (f" ({why})" if ok is None else "")
        if r.release is not None:
            text += (f"; released to every request {format_duration(r.release)} before the slot, at "
                     f"{_when(_moment(t - r.release, zone))}, after this call")
        else:
            text += "; never released"
        out.append(("reserved", text))
    return out


# -- the command -----------------------------------------------------------------------------------

def _header(practice: Practice, decision: Decision) -> str:
    from .render import decision_human

    return decision_human(practice, decision)


def _table(slots: Sequence[Slot], zone: tzinfo) -> str:
    """Slots grouped by day; the UTC offset is shown on the days the clocks change."""
    if not slots:
        return ""
    rows: list[tuple[str, list[str]]] = []
    for s in slots:
        day = f"{DAYS[s.start.weekday()]} {s.start:%Y-%m-%d}"
        span = f"{s.start:%H:%M}–{s.end:%H:%M}"
        if s.start.utcoffset() != s.end.utcoffset():
            span += f" ({_offset_text(s.start)}→{_offset_text(s.end)})"
        elif _day_has_change(s.start.date(), zone):
            span += f" ({_offset_text(s.start)})"
        motif = f"{s.diary}: « {s.motif} »" if s.motif else s.diary
        rows.append((day, [span, s.practitioner, s.site or "", motif]))
    widths = [max(len(r[1][i]) for r in rows) for i in range(4)]
    out: list[str] = []
    current = None
    for day, cells in rows:
        if day != current:
            out.append(f"{day}\n")
            current = day
        out.append("  " + "  ".join(c.ljust(widths[i]) for i, c in enumerate(cells)).rstrip() + "\n")
    return "".join(out)


def _offset_text(dt: datetime) -> str:
    z = dt.strftime("%z")
    return f"{z[:3]}:{z[3:]}" if len(z) == 5 else z


def _day_has_change(day: date, zone: tzinfo) -> bool:
    lo, hi = _wall(zone, day, 0), _wall(zone, day + timedelta(days=1), 0)
    return _offset(zone, lo) != _offset(zone, hi - 1)


def _human(practice: Practice, result: SlotsResult) -> str:
    zone = practice.zone
    out = [_header(practice, result.decision)]
    lines = result.note_lines()
    if result.fallback is not None:
        taken = len(result.full) + 1
        out.append("\n" + "".join(line + "\n" for line in lines[:taken]) + "\n")
        out.append(_header(practice, result.fallback))
        lines = lines[taken:]
    if result.slots:
        d = result.applied
        latest = result.call + timedelta(minutes=d.within if d.within is not None else DEFAULT_HORIZON)
        until, zone_note = _when(result.search_end), practice.timezone
        if latest < result.search_end:
            within = format_duration(d.within or DEFAULT_HORIZON)
            until, zone_note = _when(latest), f"{zone_note}; within {within}"
        out.append(f"\nSlots from {_when(result.search_start)} to {until} ({zone_note}), earliest first:\n\n")
        out.append(_table(result.slots, zone))
        if result.more:
            out.append(f"\nThe first {len(result.slots)} are shown; --limit shows more.\n")
        if result.applied.action == "validate" and result.applied.validator:
            out.append(f"\nPropose the slot; {result.applied.validator} validates it before it is booked.\n")
    if lines:
        out.append("\n" + "".join(line + "\n" for line in lines))
    extra = result.earliest or result.beyond
    if extra is not None:
        out.append("\n" + _table([extra], zone))
    return "".join(out)


def _why_not_human(practice: Practice, decision: Decision, w: WhyNot, dur: int) -> str:
    out = [_header(practice, decision), "\n"]
    if w.start is None:
        out.append(f"Why not {w.practitioner} at {w.asked}?\n")
    else:
        out.append(f"Why not {w.practitioner} at {_when(w.start)} ({_offset_text(w.start)}), "
                   f"{format_duration(dur)}?\n")
    if w.eligible and w.start is not None and w.end is not None:
        site = f" at {w.site}" if w.site else ""
        out.append(f"  ✔ eligible: {w.practitioner}{site}, {_when(w.start)}–{w.end:%H:%M}\n")
        return "".join(out)
    width = max(len(c) for c, _m in w.reasons)
    for code, message in w.reasons:
        out.append(f"  ✗ {code:<{width}}  {message}\n")
    return "".join(out)


def slots_command(practice: Practice, request: Request, decision: Decision, *, start: str | None, days: int,
                  busy_path: str | None, limit: int, why_not: str | None, fmt: str) -> tuple[str, int]:
    """`diaryrules slots`: (stdout text, exit code). Exit 0 when there are slots, a fallback or a
    decision that is not a booking; 1 when the booking window is full and no fallback applies.
    Bad arguments and busy files raise SlotsError (exit 2)."""
    from .busy import BusyError, load_busy
    from .request import RequestError, parse_at

    zone = practice.zone
    call = _call_moment(practice, request)
    start_dt = call
    if start is not None:
        try:
            start_dt = parse_at(start, zone)
        except RequestError as e:
            raise SlotsError(f"--from: {e.message}", e.hint) from None
    target = _parse_why_not(why_not, practice) if why_not is not None else None
    busy = None
    if busy_path is not None:
        reach = max((d.within or 0) for d in _chain(decision))
        lo = min(start_dt, call) - timedelta(days=1)
        hi = max(start_dt + timedelta(days=days + 1), call + timedelta(minutes=reach, days=BEYOND_DAYS + 1))
        try:
            busy = load_busy(busy_path, practice, lo.astimezone(UTC), hi.astimezone(UTC))
        except BusyError as e:
            raise SlotsError(e.message, e.hint) from None
    try:
        if target is not None:
            w = explain_slot(practice, decision, request, target[0], target[1], busy=busy)
            if fmt == "json":
                data = {"decision": decision.to_json(), "why_not": w.to_json()}
                return json.dumps(data, ensure_ascii=False, indent=2) + "\n", 0
            return _why_not_human(practice, decision, w, _slot_duration(practice, decision, target[0])), 0
        result = find_slots(practice, decision, request, start=start_dt, days=days, busy=busy, limit=limit)
    except BusyError as e:
        raise SlotsError(e.message, e.hint) from None
    code = 1 if result.window_full else 0
    if fmt == "json":
        return json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n", code
    return _human(practice, result), code
