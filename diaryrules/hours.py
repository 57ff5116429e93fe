"""Parse + time engine: hours expressions.

An hours expression is the subset of the OpenStreetMap `opening_hours` syntax described in
docs/hours.md ("Mo-Fr 08:30-12:30,14:00-19:00; Sa 09:00-12:00; PH off"). `parse_hours` parses it
with the Lark grammar `grammar/hours.lark` into the frozen AST below (every piece keeps its offset in
the source); the parser is `hours_parse.py`, imported on first use, so that a practice read from the
compiled cache never loads Lark. This module evaluates the AST as opening_hours.js 3.15.0 does
(tests/test_hours_peer.py compares them; the few known differences are in tests/peers/DIVERGENCES.md),
day by day:

* rules are read in order; a rule whose date selectors match a day and which is not `off`, not an
  additional (`,`) rule, replaces what earlier rules said about that day;
* a span past midnight (22:00-02:00) gives its tail to the next day, where a later rule selecting that
  day removes it;
* times are wall-clock times in the practice's zone. A wall time that does not exist (spring forward)
  maps to the instant the clocks jump; an ambiguous one (autumn) to its first occurrence.

Errors are `ExprError`s with the offset of the offending character, in plain words.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Literal, TypeAlias

from diaryrules.calendar import HolidayCalendar

if TYPE_CHECKING:  # the parser (and Lark) is imported when an expression is parsed: see parse_hours
    from lark import Lark

__all__ = [
    "DateRange",
    "Holiday",
    "HoursExpr",
    "MonthDays",
    "MonthRange",
    "NthWeekday",
    "Rule",
    "TimeSpan",
    "WeekRange",
    "WeekdayRange",
    "YearRange",
    "every_weeks_matches",
    "parse_hours",
]

WEEKDAYS: tuple[str, ...] = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MONTHS: tuple[str, ...] = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAY_MINUTES = 24 * 60
_FIRST_YEAR, _LAST_YEAR = 1901, 2099  # opening_hours.js reads numbers above 1900 as years


# --------------------------------------------------------------------------------------------------
# The AST. Offsets are 0-based character offsets into the expression string.


@dataclass(frozen=True)
class YearRange:
    """`2026`, `2026-2027` or `2026-2030/2` (every second year)."""

    first: int
    last: int
    step: int
    offset: int


@dataclass(frozen=True)
class MonthRange:
    """`Jan`, `Jul-Aug` or a range across the new year (`Nov-Feb`); months are 1-12."""

    first: int
    last: int
    offset: int


@dataclass(frozen=True)
class MonthDays:
    """Days of one month: `Dec 24` or `Dec 24-26`; `year` when written (`2026 Dec 24`)."""

    year: int | None
    month: int
    first_day: int
    last_day: int
    offset: int


@dataclass(frozen=True)
class DateRange:
    """`Dec 24-Jan 02` (every year, across the new year) or `2026 Dec 24-2027 Jan 02` (once)."""

    start_year: int | None
    start_month: int
    start_day: int
    end_year: int | None
    end_month: int
    end_day: int
    offset: int


@dataclass(frozen=True)
class WeekRange:
    """ISO weeks `week 05`, `week 01-53/2`; `step` is 1 without `/N`."""

    first: int
    last: int
    step: int
    offset: int


@dataclass(frozen=True)
class WeekdayRange:
    """`Mo`, `Mo-Fr` or a range across Sunday (`Sa-Mo`); 0 is Monday, 6 Sunday."""

    first: int
    last: int
    offset: int


@dataclass(frozen=True)
class NthWeekday:
    """`Mo[1]` (first Monday of the month) or `Fr[-1]` (last Friday); `We[1,3]` gives two of them."""

    weekday: int
    nth: int
    offset: int


@dataclass(frozen=True)
class Holiday:
    """`PH` (public holiday) or `SH` (school holiday)."""

    kind: Literal["PH", "SH"]
    offset: int


@dataclass(frozen=True)
class TimeSpan:
    """`08:30-12:30`; minutes from midnight. `end` <= `start` means the span runs past midnight;
    `24:00` is 1440."""

    start: int
    end: int
    offset: int

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


DateItem: TypeAlias = MonthRange | MonthDays | DateRange
DayItem: TypeAlias = WeekdayRange | NthWeekday | Holiday
RuleState: TypeAlias = Literal["open", "closed", "unknown"]


@dataclass(frozen=True)
class Rule:
    """One rule. Selectors of different kinds must all match (a year AND a date AND a week AND a day);
    the items of one kind are alternatives (`Mo,We`: Monday OR Wednesday).

    `holiday` is the holiday of `PH Mo-Fr` (a public holiday that is also Mo-Fr). `times` is empty
    for the whole day. `state` is "unknown" for a rule with a comment and no `open`/`off`
    (opening_hours.js's "unknown"; diaryrules counts it as open). `additional` marks a rule after `,`,
    which adds to earlier rules instead of replacing them.
    """

    index: int
    offset: int
    end_offset: int
    years: tuple[YearRange, ...]
    dates: tuple[DateItem, ...]
    weeks: tuple[WeekRange, ...]
    holiday: Holiday | None
    days: tuple[DayItem, ...]
    times: tuple[TimeSpan, ...]
    state: RuleState
    comment: str | None
    additional: bool

    @property
    def is_off(self) -> bool:
        return self.state == "closed"


# --------------------------------------------------------------------------------------------------
# Parsing lives in `hours_parse.py` (with Lark): a practice read from the compiled cache never parses.


def parse_hours(text: str) -> HoursExpr:
    """Parse an hours expression; raises ExprError (with the offset of the problem) when it is wrong."""
    from diaryrules.hours_parse import parse_hours as parse

    return parse(text)


def _parser() -> Lark:
    """The Lark parser of hours expressions (cached)."""
    from diaryrules.hours_parse import _parser as parser

    return parser()


_MONTH_LENGTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


# --------------------------------------------------------------------------------------------------
# Evaluation. Each rule becomes one internal rule, plus one for the part of its spans after midnight
# (evaluated with the previous day's date), exactly the list opening_hours.js builds.

_DayTest: TypeAlias = Callable[[date, HolidayCalendar], bool]


def _year_test(item: YearRange) -> _DayTest:
    return lambda d, cal: item.first <= d.year <= item.last and (d.year - item.first) % item.step == 0


def _month_test(item: MonthRange) -> _DayTest:
    if item.first <= item.last:
        return lambda d, cal: item.first <= d.month <= item.last
    return lambda d, cal: d.month >= item.first or d.month <= item.last


def _month_length(year: int, month: int) -> int:
    if month == 2:
        return 29 if _is_leap(year) else 28
    return _MONTH_LENGTH[month - 1]


def _monthdays_test(item: MonthDays) -> _DayTest:
    def test(d: date, cal: HolidayCalendar) -> bool:
        if d.month != item.month or (item.year is not None and d.year != item.year):
            return False
        # Feb 29 exists in leap years only; a span ending on it ends on Feb 28 in other years.
        return item.first_day <= d.day <= item.last_day

    return test


def _clamp_date(year: int, month: int, day: int) -> date:
    """A written date in a given year; Feb 29 of a common year becomes Mar 1 (as opening_hours.js)."""
    if day > _month_length(year, month):
        return date(year, month, _month_length(year, month)) + timedelta(days=1)
    return date(year, month, day)


def _date_range_test(item: DateRange) -> _DayTest:
    if item.start_year is not None and item.end_year is not None:
        start = _clamp_date(item.start_year, item.start_month, item.start_day)
        end = _end_date(item.end_year, item.end_month, item.end_day)
        return lambda d, cal: start <= d < end

    def test(d: date, cal: HolidayCalendar) -> bool:
        start = _clamp_date(d.year, item.start_month, item.start_day)
        end = _end_date(d.year, item.end_month, item.end_day)
        if end > start:
            return start <= d < end
        return d >= start or d < end  # across the new year: Dec 24-Jan 02

    return test


def _end_date(year: int, month: int, day: int) -> date:
    """The day after a range's last day; a range ending on Feb 29 ends on Feb 28 in common years."""
    return date(year, month, min(day, _month_length(year, month))) + timedelta(days=1)


def _week_test(item: WeekRange) -> _DayTest:
    def test(d: date, cal: HolidayCalendar) -> bool:
        week = d.isocalendar().week
        return item.first <= week <= item.last and (week - item.first) % item.step == 0

    return test


def _weekday_test(item: WeekdayRange) -> _DayTest:
    if item.first <= item.last:
        return lambda d, cal: item.first <= d.weekday() <= item.last
    return lambda d, cal: d.weekday() >= item.first or d.weekday() <= item.last


def _nth_test(item: NthWeekday) -> _DayTest:
    def test(d: date, cal: HolidayCalendar) -> bool:
        if d.weekday() != item.weekday:
            return False
        if item.nth > 0:
            return (d.day - 1) // 7 + 1 == item.nth
        return (_month_length(d.year, d.month) - d.day) // 7 + 1 == -item.nth

    return test


def _holiday_test(item: Holiday) -> _DayTest:
    if item.kind == "PH":
        return lambda d, cal: cal.is_public_holiday(d)
    return lambda d, cal: cal.is_school_holiday(d)


def _item_test(item: YearRange | DateItem | WeekRange | DayItem) -> _DayTest:
    if isinstance(item, YearRange):
        return _year_test(item)
    if isinstance(item, MonthRange):
        return _month_test(item)
    if isinstance(item, MonthDays):
        return _monthdays_test(item)
    if isinstance(item, DateRange):
        return _date_range_test(item)
    if isinstance(item, WeekRange):
        return _week_test(item)
    if isinstance(item, WeekdayRange):
        return _weekday_test(item)
    if isinstance(item, NthWeekday):
        return _nth_test(item)
    return _holiday_test(item)


@dataclass(frozen=True)
class _Internal:
    """One entry of opening_hours.js's internal rule list."""

    rule: int                               # index in HoursExpr.rules
    groups: tuple[tuple[YearRange | DateItem | WeekRange | DayItem, ...], ...]
    tests: tuple[tuple[_DayTest, ...], ...]
    shift: int                              # 1: the after-midnight part, tested on the previous day
    times: tuple[tuple[int, int], ...] | None  # None: the whole day
    meaning: bool
    unknown: bool
    additional: bool
    wrapped: bool


def _compile(rules: Sequence[Rule]) -> tuple[_Internal, ...]:
    out: list[_Internal] = []
    for rule in rules:
        # All kinds must match and the order does not change the result; holiday lookups go last so
        # that `SH Mo-Fr` asks the school calendar only about Mo-Fr days.
        days = tuple(sorted(rule.days, key=lambda item: isinstance(item, Holiday)))
        raw: list[tuple[YearRange | DateItem | WeekRange | DayItem, ...]] = [
            rule.years, rule.dates, rule.weeks, days, (rule.holiday,) if rule.holiday else (),
        ]
        groups = tuple(g for g in raw if g)
        tests = tuple(tuple(_item_test(i) for i in g) for g in groups)
        meaning, unknown = rule.state == "open", rule.state == "unknown"
        today: list[tuple[int, int]] = []
        after: list[tuple[int, int]] = []
        for span in rule.times:
            end = span.end if span.end > span.start else span.end + DAY_MINUTES
            today.append((span.start, min(end, DAY_MINUTES)))
            if end > DAY_MINUTES:
                after.append((0, end - DAY_MINUTES))
        out.append(_Internal(rule.index, groups, tests, 0, tuple(today) if rule.times else None, meaning, unknown,
                             rule.additional, False))
        if after:
            out.append(_Internal(rule.index, groups, tests, 1, tuple(after), meaning, unknown, False, True))
    return tuple(out)


def _resets(rules: Sequence[_Internal], i: int) -> bool:
    """Whether internal rule `i`, when it matches a day, drops what earlier rules said about that day.

    This is opening_hours.js's condition, including its special case of rules without selectors.
    """
    r = rules[i]
    has_dates = bool(r.groups) or (i > 0 and r.meaning and not rules[i - 1].groups)
    return has_dates and (r.meaning or r.unknown) and not r.wrapped and not r.additional


def _open_minutes(matching: Sequence[_Internal]) -> tuple[tuple[int, int], ...]:
    """Open stretches of one day from the rules that apply to it, in order (later rules win)."""
    cuts = {0, DAY_MINUTES}
    for r in matching:
        for start, end in r.times or ():
            cuts.update((start, end))
    points = sorted(cuts)
    out: list[tuple[int, int]] = []
    for a, b in zip(points, points[1:], strict=False):
        is_open = False
        for r in matching:
            if r.times is None or any(s <= a < e for s, e in r.times):
                is_open = r.meaning or r.unknown
        if is_open:
            if out and out[-1][1] == a:
                out[-1] = (out[-1][0], b)
            else:
                out.append((a, b))
    return tuple(out)


class _Engine:
    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        self.internal = _compile(rules)
        self.resets = tuple(_resets(self.internal, i) for i in range(len(self.internal)))
        self.cache: dict[tuple[date, HolidayCalendar], tuple[tuple[int, int], ...]] = {}
        # the open stretches of the days a same set of rules applies to (few sets: one per kind of day)
        self.by_rules: dict[tuple[int, ...], tuple[tuple[int, int], ...]] = {}
        self.undone: list[tuple[int, int]] | None = None

    def matches(self, r: _Internal, day: date, cal: HolidayCalendar) -> bool:
        d = day - timedelta(days=r.shift) if r.shift else day
        return all(any(t(d, cal) for t in group) for group in r.tests)

    def matching(self, day: date, cal: HolidayCalendar) -> list[_Internal]:
        chosen: list[_Internal] = []
        for i, r in enumerate(self.internal):
            if self.matches(r, day, cal):
                if self.resets[i]:
                    chosen = []
                chosen.append(r)
        return chosen

    def day(self, day: date, cal: HolidayCalendar) -> tuple[tuple[int, int], ...]:
        key = (day, cal)
        hit = self.cache.get(key)
        if hit is None:
            if len(self.cache) > 8192:  # the slot search walks forward in time; old days are not asked again
                self.cache.clear()
            chosen = self.matching(day, cal)
            rules = tuple(map(id, chosen))  # the engine's own rules: their ids stay theirs
            hit = self.by_rules.get(rules)
            if hit is None:
                if len(self.by_rules) > 4096:
                    self.by_rules.clear()
                hit = self.by_rules[rules] = _open_minutes(chosen)
            self.cache[key] = hit
        return hit


# --------------------------------------------------------------------------------------------------
# The `off` rules undone by later rules (lint DR207).


def _years_in(rules: Sequence[Rule]) -> set[int]:
    years: set[int] = set()
    for rule in rules:
        for y in rule.years:
            years.update((y.first, y.last))
        for item in rule.dates:
            if isinstance(item, MonthDays) and item.year is not None:
                years.add(item.year)
            if isinstance(item, DateRange) and item.start_year is not None and item.end_year is not None:
                years.update((item.start_year, item.end_year))
    return years


@dataclass(frozen=True)
class _FreeHolidays(HolidayCalendar):
    """A calendar whose holidays are given per day: PH/SH are free variables in `off_undone`."""

    public: frozenset[date] = frozenset()
    school: frozenset[date] = frozenset()

    def is_public_holiday(self, d: date) -> bool:
        return d in self.public

    def is_school_holiday(self, d: date) -> bool:
        return d in self.school


def _horizon(rules: Sequence[Rule]) -> Iterator[date]:
    # Every weekday/month/week pattern repeats within 28 years (1901-2099); explicit years add their own
    # span. Years outside it behave like the first year after it for every year selector.
    years = _years_in(rules)
    first = min(years) - 1 if years else 2001
    last = max(years) + 29 if years else 2029
    day, end = date(first, 1, 1), date(last, 12, 31)
    while day <= end:
        yield day
        day += timedelta(days=1)


def _off_undone(engine: _Engine, expr: HoursExpr) -> list[tuple[int, int]]:
    offs = [r for r in expr.rules if r.is_off]
    if not offs:
        return []
    kinds = sorted({h.kind for r in expr.rules for h in (*r.days, r.holiday) if isinstance(h, Holiday)})
    # One representative day per situation: which non-holiday selectors match it (or the day before,
    # for the part of a span past midnight). Holidays are then tried in every combination.
    representatives: dict[tuple[tuple[bool | None, ...], ...], date] = {}
    plain = HolidayCalendar()
    for day in _horizon(expr.rules):
        signature = tuple(
            tuple(
                None if isinstance(item, Holiday) else test(day - timedelta(days=r.shift), plain)
                for group, tests in zip(r.groups, r.tests, strict=True)
                for item, test in zip(group, tests, strict=True)
            )
            for r in engine.internal
        )
        representatives.setdefault(signature, day)
    undone: list[tuple[int, int]] = []
    for off in offs:
        effect = replaced = False
        for day in sorted(representatives.values()):
            for cal in _holiday_assignments(day, kinds):
                full = engine.matching(day, cal)
                # An off rule never resets the day's list, so leaving it out of the list is the same
                # as the rule not being written.
                without = [r for r in full if r.rule != off.index]
                if _open_minutes(full) != _open_minutes(without):
                    effect = True
                    break
                replaced = replaced or _replaced_later(engine, off.index, day, cal)
            if effect:
                break
        if not effect and replaced:
            undone.append((off.index, off.offset))
    return undone


def _holiday_assignments(day: date, kinds: Sequence[str]) -> Iterator[HolidayCalendar]:
    """Every combination of PH/SH on the day and the day before (PH and SH can fall on any day)."""
    previous = day - timedelta(days=1)
    choices: list[tuple[frozenset[date], frozenset[date]]] = [(frozenset(), frozenset())]
    for kind in kinds:
        grown = []
        for public, school in choices:
            for days in ((), (day,), (previous,), (day, previous)):
                if kind == "PH":
                    grown.append((public | frozenset(days), school))
                else:
                    grown.append((public, school | frozenset(days)))
        choices = grown
    for public, school in choices:
        yield _FreeHolidays(public=public, school=school)


def _replaced_later(engine: _Engine, off_rule: int, day: date, cal: HolidayCalendar) -> bool:
    """Whether the off rule selects `day` and a later rule replaces that day."""
    internal = engine.internal
    positions = [i for i, r in enumerate(internal) if r.rule == off_rule and not r.wrapped]
    if not positions or not engine.matches(internal[positions[0]], day, cal):
        return False
    return any(engine.resets[j] and engine.matches(internal[j], day, cal)
               for j in range(positions[0] + 1, len(internal)))


# --------------------------------------------------------------------------------------------------
# Wall-clock minutes to instants.


@functools.lru_cache(maxsize=65536)
def _instant(zone: tzinfo, day: date, minutes: int) -> datetime:
    """The UTC instant of `minutes` after local midnight of `day`.

    A wall time in a spring-forward gap maps to the instant the clocks jump (so an interval never
    covers time that does not exist); an ambiguous autumn time to its first occurrence (fold=0), as
    opening_hours.js does.
    """
    naive = datetime(day.year, day.month, day.day) + timedelta(minutes=minutes)
    first = naive.replace(tzinfo=zone).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first
    # In the gap: find the first instant whose wall time is at or after `naive`.
    low = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = first
    if low > high:
        low, high = high, low
    while high - low > timedelta(seconds=1):
        mid = low + (high - low) / 2
        mid = mid.replace(microsecond=0)
        if mid.astimezone(zone).replace(tzinfo=None) >= naive:
            high = mid
        else:
            low = mid
    return high


# --------------------------------------------------------------------------------------------------
# The public expression.


@dataclass(frozen=True)
class HoursExpr:
    """A parsed hours expression. Build it with `parse_hours`."""

    source: str
    rules: tuple[Rule, ...]
    uses_public_holidays: bool = field(init=False)
    uses_school_holidays: bool = field(init=False)
    _engine: _Engine = field(init=False, repr=False, compare=False, hash=False)

    def __getstate__(self) -> dict[str, object]:
        # the engine holds compiled closures: pickle the rules and rebuild it (the compiled-file cache)
        return {"source": self.source, "rules": self.rules}

    def __setstate__(self, state: dict[str, object]) -> None:
        object.__setattr__(self, "source", state["source"])
        object.__setattr__(self, "rules", state["rules"])
        self.__post_init__()

    def __post_init__(self) -> None:
        kinds = {h.kind for r in self.rules for h in (*r.days, r.holiday) if isinstance(h, Holiday)}
        object.__setattr__(self, "uses_public_holidays", "PH" in kinds)
        object.__setattr__(self, "uses_school_holidays", "SH" in kinds)
        object.__setattr__(self, "_engine", _Engine(self.rules))

    def day_intervals(self, day: date, cal: HolidayCalendar) -> tuple[tuple[int, int], ...]:
        """Open stretches of `day` as wall-clock minutes from local midnight, [start, end), sorted and
        merged. The part of a span past midnight belongs to the next day's result."""
        return self._engine.day(day, cal)

    def is_open(self, at: datetime, cal: HolidayCalendar) -> bool:
        """Whether the expression is open at the aware datetime `at`."""
        return any(a <= at < b for a, b in self.open_intervals(at, at + timedelta(minutes=1), cal))

    def open_intervals(self, start: datetime, end: datetime, cal: HolidayCalendar) -> list[tuple[datetime, datetime]]:
        """Open intervals between two timezone-aware datetimes, in `start`'s zone, clipped, merged, sorted."""
        zone = start.tzinfo
        if zone is None or end.tzinfo is None:
            raise ValueError("open_intervals needs timezone-aware datetimes")
        if end <= start:
            return []
        first_day = start.astimezone(zone).date()
        last_day = end.astimezone(zone).date()
        lo, hi = start.astimezone(UTC), end.astimezone(UTC)
        merged: list[list[datetime]] = []
        day = first_day
        while day <= last_day:
            for a, b in self.day_intervals(day, cal):
                s, e = max(_instant(zone, day, a), lo), min(_instant(zone, day, b), hi)
                if s >= e:
                    continue
                if merged and merged[-1][1] >= s:
                    merged[-1][1] = max(merged[-1][1], e)
                else:
                    merged.append([s, e])
            day += timedelta(days=1)
        return [(s.astimezone(zone), e.astimezone(zone)) for s, e in merged]

    def off_undone(self) -> list[tuple[int, int]]:
        """`off` rules that change nothing because later rules replace the days they select.

        Returns (rule index, offset in `source`) for each `off`/`closed` rule that (1) has no effect on
        any day whatever the public and school holidays are, and (2) selects at least one day that a
        later rule replaces, e.g. `PH off; Mo-Fr 08:00-12:00`. See docs/hours.md.
        """
        if self._engine.undone is None:
            self._engine.undone = _off_undone(self._engine, self)
        return list(self._engine.undone)


def every_weeks_matches(day: date, every_weeks: int, from_date: date) -> bool:
    """The anchored rhythm `every: 2w, from: 2027-01-06`: True in the weeks (Monday to Sunday) that are
    a multiple of `every_weeks` weeks after the week of `from_date`; never before that week."""
    if every_weeks < 1:
        raise ValueError("every_weeks must be at least 1")
    anchor = from_date - timedelta(days=from_date.weekday())
    week_start = day - timedelta(days=day.weekday())
    weeks = (week_start - anchor).days // 7
    return weeks >= 0 and weeks % every_weeks == 0

