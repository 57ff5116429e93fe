"""Unit tests of the hours language (parse + time engine): errors with offsets, semantics, DST, DR207."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from diaryrules.calendar import CalendarError, HolidayCalendar
from diaryrules.diagnostics import ExprError
from diaryrules.hours import (
    DateRange,
    Holiday,
    MonthDays,
    MonthRange,
    NthWeekday,
    TimeSpan,
    WeekdayRange,
    WeekRange,
    YearRange,
    every_weeks_matches,
    parse_hours,
)

PARIS = ZoneInfo("Europe/Paris")
CAL = HolidayCalendar("FR", "C")


def hm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def day(expr: str, d: date, cal: HolidayCalendar = CAL) -> list[tuple[str, str]]:
    return [(f"{a // 60:02d}:{a % 60:02d}", f"{b // 60:02d}:{b % 60:02d}")
            for a, b in parse_hours(expr).day_intervals(d, cal)]


def error(text: str) -> ExprError:
    with pytest.raises(ExprError) as info:
        parse_hours(text)
    return info.value


# --------------------------------------------------------------------------------------------------
# Parsing: the AST


def test_practice_expression_ast() -> None:
    expr = parse_hours("Mo-Fr 08:30-12:30,14:00-19:00; Sa 09:00-12:00")
    assert expr.source == "Mo-Fr 08:30-12:30,14:00-19:00; Sa 09:00-12:00"
    first, second = expr.rules
    assert first.days == (WeekdayRange(0, 4, 0),)
    assert first.times == (TimeSpan(hm("08:30"), hm("12:30"), 6), TimeSpan(hm("14:00"), hm("19:00"), 18))
    assert (first.offset, first.state, first.additional) == (0, "open", False)
    assert second.offset == 31 and second.days == (WeekdayRange(5, 5, 31),)
    assert not expr.uses_public_holidays and not expr.uses_school_holidays


def test_selectors_of_every_kind() -> None:
    expr = parse_hours("2026-2030/2 Jan-Mar,Oct-Dec week 01-53/2 Mo[1,3],Fr[-1],PH 08:00-12:00 off \"fermé\"")
    (rule,) = expr.rules
    assert rule.years == (YearRange(2026, 2030, 2, 0),)
    assert rule.dates == (MonthRange(1, 3, 12), MonthRange(10, 12, 20))
    assert rule.weeks == (WeekRange(1, 53, 2, 33),)
    assert rule.days == (NthWeekday(0, 1, 41), NthWeekday(0, 3, 41), NthWeekday(4, -1, 49), Holiday("PH", 56))
    assert rule.state == "closed" and rule.comment == "fermé" and rule.is_off
    assert expr.uses_public_holidays


def test_dates_and_the_year_that_binds_to_the_first_date() -> None:
    (rule,) = parse_hours("2026 Dec 24-2027 Jan 02").rules
    assert rule.years == () and rule.dates == (DateRange(2026, 12, 24, 2027, 1, 2, 5),)
    (rule,) = parse_hours("2026 Dec 24,2026 Dec 26,Jan 02").rules
    assert rule.dates == (MonthDays(2026, 12, 24, 24, 5), MonthDays(2026, 12, 26, 26, 12),
                          MonthDays(None, 1, 2, 2, 24))
    (rule,) = parse_hours("Dec 24,26-27").rules
    assert rule.dates == (MonthDays(None, 12, 24, 24, 0), MonthDays(None, 12, 26, 27, 0))
    (rule,) = parse_hours("2026 Jan-Mar").rules  # a year before months is a year selector
    assert rule.years == (YearRange(2026, 2026, 1, 0),) and rule.dates == (MonthRange(1, 3, 5),)
    (rule,) = parse_hours("Dec 24-26").rules
    assert rule.dates == (MonthDays(None, 12, 24, 26, 0),)


def test_holiday_lists_and_holiday_on_weekdays() -> None:
    (rule,) = parse_hours("PH,Mo-Fr").rules
    assert rule.holiday is None and rule.days == (Holiday("PH", 0), WeekdayRange(0, 4, 3))
    (rule,) = parse_hours("Mo-Fr,PH").rules
    assert rule.days == (WeekdayRange(0, 4, 0), Holiday("PH", 6))
    (rule,) = parse_hours("SH Mo-Fr 08:00-12:00").rules
    assert rule.holiday == Holiday("SH", 0) and rule.days == (WeekdayRange(0, 4, 3),)


def test_states_comments_and_additional_rules() -> None:
    rules = parse_hours('Mo-Fr 08:00-12:00, We 14:00-18:00 "enfants", PH off; Sa 09:00-12:00 open').rules
    assert [(r.state, r.additional, r.comment) for r in rules] == [
        ("open", False, None), ("unknown", True, "enfants"), ("closed", True, None), ("open", False, None)]
    assert [r.offset for r in rules] == [0, 19, 45, 53]
    assert parse_hours("24/7").rules[0].times == (TimeSpan(0, 1440, 0),)
    assert parse_hours("Mo-Fr 22:00-02:00").rules[0].times[0].crosses_midnight


# --------------------------------------------------------------------------------------------------
# Parsing: errors, with offsets and plain words


@pytest.mark.parametrize(("text", "offset", "message", "hint"), [
    ("Mo-Fr 8h-12h", 6, "`8h` is not a time: write 08:00", "write 08:00-12:00"),
    ("Mo-Fr 8:30-12:00", 6, "`8:30` is not a time: write 08:30", "write 08:30-12:00"),
    ("Mo-Fr 08h30-12h", 6, "`08h30` is not a time: write 08:30", "write 08:30-12:00"),
    ("Mo-Fr 9-17", 6, "`9` is not a time: write 09:00", "write 09:00-17:00"),
    ("Mo-Fr 08.30-12.00", 6, "`08.30` is not a time: write 08:30", "write 08:30-12:00"),
    ("Mo 08:00-25:00", 9, "`25:00` is not a time: hours go from 00 to 24 (24:00 only as an end)", None),
    ("Mo 08:60-10:00", 3, "`08:60` is not a time: minutes go from 00 to 59", None),
    ("mo-fr 08:00-12:00", 0, "`mo` is written `Mo`", "write Mo"),
    ("Lundi 08:00-12:00", 0, "`Lundi` is not a word of hours expressions", "write Mo"),
    ("Mo-Fr 08:00-12:00; dimanche off", 19, "`dimanche` is not a word of hours expressions", "write Su"),
    ("Mo-Fr 08:00-12:00 ferme", 18, "`ferme` is not a word of hours expressions", "write off"),
    ("Mo-Fr 08:00-12:00; Xmas off", 19, "unknown word `Xmas`", None),
])
def test_time_and_word_errors(text: str, offset: int, message: str, hint: str | None) -> None:
    err = error(text)
    assert (err.offset, err.message, err.code) == (offset, message, "DR003")
    if hint is not None:
        assert err.hint == hint


@pytest.mark.parametrize(("text", "offset", "feature"), [
    ("sunrise-sunset", 0, "variable times"),
    ("Mo-Fr 08:00-(sunset-01:00)", 12, "variable times"),
    ("Mo-Fr 08:00+", 11, "open ends"),
    ("Mo-Fr 08:00-12:00 || \"sur rendez-vous\"", 18, "fallback rules"),
    ("easter off", 0, "`easter`"),
    ("PH +1 day off", 3, "day offsets"),
    ("Sa[-1] -1 day", 10, "day offsets"),
    ("Mo-Fr 08:00-12:00 unknown", 18, "the `unknown` state"),
    ("Mo-Fr dawn-dusk", 6, "variable times"),
    ("Mo-Fr 10:00-16:00/01:30", 17, "a step"),
    ("Jan 01-31/2", 9, "a step"),
    ("week 05/2", 7, "a step"),
])
def test_unsupported_features(text: str, offset: int, feature: str) -> None:
    err = error(text)
    assert err.offset == offset
    assert err.message.startswith("not supported in diaryrules: ") and feature in err.message


@pytest.mark.parametrize(("text", "offset", "fragment"), [
    ("", 0, "empty hours expression"),
    ("Mo-Fr 08:00-", 11, "ends too early: expected a time like 08:30 after `08:00-`"),
    ("Mo-Fr 08:00-12:00;", 17, "ends too early"),
    ("Mo-Fr, Dec 25", 7, "expected a weekday like Mo or PH or SH after `Mo-Fr,`, not `Dec`"),
    ("PH,SH Mo-Fr", 6, "not `Mo`"),
    ("Mo-Fr 08:00-12:00 Sa 09:00-12:00", 18, "not `Sa`"),
    ("24/7, PH off", 4, "not `,`"),
    ("Mo-Fr: 08:00-12:00", 5, "`:` is only used inside times"),
    ("Dec 26-24", 4, "the day range `Dec 26-24` must go forward"),
    ("Apr 31", 4, "`Apr 31` does not exist"),
    ("Feb 30", 4, "`Feb 30` does not exist"),
    ("2027 Feb 29", 9, "2027 has no Feb 29"),
    ("week 54", 5, "`54` is not a week number"),
    ("week 10-05", 5, "the week range `10-05` must go forward"),
    ("week 01-53/1", 11, "a week step goes from 2 to 26"),
    ("Mo[0]", 3, "`0` is not a week of the month"),
    ("Mo[6]", 3, "`6` is not a week of the month"),
    ("24:00-02:00", 0, "a span cannot start at 24:00"),
    ("10:00-10:00", 0, "starts and ends at the same time"),
    ("2026 Dec 24-Jan 02", 5, "needs the year on both ends"),
    ("Dec 24-2027 Jan 02", 0, "needs the year on both ends"),
    ("2027 Jan 02-2026 Dec 24", 5, "ends before it starts"),
    ("2027-2026", 0, "must go forward"),
    ("1850 Dec 25", 0, "is not a year diaryrules accepts"),
    ('Mo "open', 3, "this comment is not closed"),
    ('Mo ""', 3, "empty comment"),
    ("Mo-Fr\u00a008:00-12:00", 5, "invisible character"),
    ("Mo-Fr 08:00-12:00\nSa off", 17, "on one line"),
    ("Jan,2026 Dec 24", 4, "cannot follow a month"),
    ("2026 Dec 24,26", 12, "a year applies to one day or one range of days"),
    ("Jan 02-Jan 01", 0, "covers the whole year"),
    ("Dec 24,Jan,Feb 03", 11, "mixes months and dates"),
    ("Jan,Feb 03,Mar", 11, "mixes months and dates"),
    ("Feb 01,Nov Tu[1]", 7, "mixes months and dates"),
    ("Jan,Nov 19-May 28,May-Jan Fr[5,3]", 18, "mixes months and dates"),
    ("Mar 01-Feb 29", 0, "covers the whole year"),
])
def test_syntax_errors(text: str, offset: int, fragment: str) -> None:
    err = error(text)
    assert err.offset == offset, err.message
    assert fragment in err.message


def test_error_hints_explain_the_fix() -> None:
    assert "`PH Mo-Fr` means a public holiday on Mo-Fr" in (error("PH,SH Mo-Fr").hint or "")
    assert error("Mo-Fr 08:00-12:00;").hint == "remove the `;` at the end"
    assert error("Mo-Fr 08:00-12:00 Sa 09:00-12:00").hint == "separate rules with `;`"
    assert "followed by `,`" in (error("24/7, PH off").hint or "")
    assert error("2026 Dec 24-Jan 02").hint == "write e.g. 2026 Dec 24-2027 Jan 02"
    assert error("Mo-Fr 08:00-12:00 +").hint == "give an end, e.g. 18:00-20:00"
    assert error("2026 Dec 24,26").hint == "repeat the date: 2026 Dec 24,2026 Dec 26"


@pytest.mark.parametrize("text", ["Jan,Feb 03", "Feb 03,Jan", "Jan,Feb 03,Mar 05", "Dec 24-Jan 02,Feb",
                                  "Jan,Nov Tu[1]", "Nov,Feb 01 Tu[1]", "Feb 01,Nov Tu", "Feb 01,Nov week 45 Tu[1]"])
def test_lists_of_months_and_dates_that_read_as_one_list(text: str) -> None:
    (rule,) = parse_hours(text).rules
    assert len(rule.dates) >= 2


def test_bad_input_never_escapes_as_another_exception() -> None:
    for text in ["-", ";", ",", "[", "]", "Mo[", "Mo[1", "Mo[1-", "Mo-", "week", "week 05-", "2026-", "Dec 24-",
                 "Dec 24-Jan", "08:00", "08:00-08:00", "off off", '"x" "y"', "24/7 24/7", "Mo,", "PH,", "Jan-",
                 "/", "2026/2", "Mo-Fr 08:00-12:00,", "Mo-Fr 08:00-12:00, ", "é", "Mo 12:00-14:00 open;;"]:
        with pytest.raises(ExprError):
            parse_hours(text)


# --------------------------------------------------------------------------------------------------
# Semantics (the expected values are those of opening_hours.js; tests/test_hours_peer.py checks more)


MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 11, 16) + timedelta(days=i) for i in range(7))


def test_a_later_rule_replaces_the_days_it_selects() -> None:
    expr = "Mo-Fr 10:00-16:00; We 12:00-18:00"
    assert day(expr, TUE) == [("10:00", "16:00")]
    assert day(expr, WED) == [("12:00", "18:00")]


def test_additional_rules_add_instead_of_replacing() -> None:
    expr = "Mo-Fr 08:00-12:00, We 14:00-18:00"
    assert day(expr, WED) == [("08:00", "12:00"), ("14:00", "18:00")]
    assert day(expr, THU) == [("08:00", "12:00")]


def test_off_with_times_closes_only_those_times() -> None:
    assert day("Mo-Fr 09:00-18:00; We 12:00-14:00 off", WED) == [("09:00", "12:00"), ("14:00", "18:00")]
    assert day("Mo-Fr 09:00-18:00; We off", WED) == []
    assert day("10:00-14:00; 12:00-14:00 off", SUN) == [("10:00", "12:00")]


def test_rules_without_selectors_follow_opening_hours_js() -> None:
    # A rule with no selector replaces an earlier rule that has none either ...
    assert day("10:00-12:00; 14:00-16:00", MON) == [("14:00", "16:00")]
    # ... but adds to an earlier rule that has selectors.
    assert day("Mo 10:00-12:00; 14:00-16:00", MON) == [("10:00", "12:00"), ("14:00", "16:00")]
    assert day("Mo 10:00-12:00; 14:00-16:00", TUE) == [("14:00", "16:00")]


def test_spans_past_midnight_belong_to_the_next_day() -> None:
    expr = "22:00-02:00; Tu 12:00-14:00"
    assert day(expr, MON) == [("00:00", "02:00"), ("22:00", "24:00")]
    assert day(expr, TUE) == [("12:00", "14:00")]  # the Tuesday rule replaces Monday night's tail
    # The tail of a rule without selectors applies every day, even after a replaced day.
    assert day(expr, WED) == [("00:00", "02:00"), ("22:00", "24:00")]
    assert day("Mo 22:00-02:00; Tu 12:00-14:00", TUE) == [("12:00", "14:00")]
    assert day("Tu 12:00-14:00; Mo 22:00-02:00", TUE) == [("00:00", "02:00"), ("12:00", "14:00")]
    assert day("We 22:00-02:00", THU) == [("00:00", "02:00")]
    assert day("Mo-Fr 23:00-00:00", MON) == [("23:00", "24:00")]
    assert day("Mo-Fr 08:00-24:00", SAT) == []


def test_comments_without_state_count_as_open() -> None:
    assert day('Mo-Fr 08:00-12:00 "sur rendez-vous"', MON) == [("08:00", "12:00")]
    assert day('Mo-Fr 08:00-18:00; We 10:00-12:00 "enfants"', WED) == [("10:00", "12:00")]


def test_nth_weekdays() -> None:
    assert day("We[1,3] 14:00-17:00", date(2026, 11, 4)) == [("14:00", "17:00")]   # 1st Wednesday
    assert day("We[1,3] 14:00-17:00", date(2026, 11, 11)) == []                     # 2nd
    assert day("We[1,3] 14:00-17:00", date(2026, 11, 18)) == [("14:00", "17:00")]  # 3rd
    assert day("Fr[-1] 10:00-12:00", date(2026, 11, 27)) == [("10:00", "12:00")]   # last Friday
    assert day("Fr[-1] 10:00-12:00", date(2026, 11, 20)) == []
    assert day("Sa[1-2] 09:00-12:00", date(2026, 11, 14)) == [("09:00", "12:00")]
    assert day("Sa[1-2] 09:00-12:00", date(2026, 11, 21)) == []
    assert day("Mo[5]", date(2026, 11, 30)) == [("00:00", "24:00")]


def test_week_ranges_and_iso_week_53() -> None:
    expr = "week 01-53/2 Mo 09:00-12:00"
    assert day(expr, date(2026, 12, 28)) == [("09:00", "12:00")]   # ISO week 53 of 2026
    assert day(expr, date(2027, 1, 4)) == [("09:00", "12:00")]     # week 1 of 2027 follows at once
    assert day(expr, date(2027, 1, 11)) == []                      # week 2
    assert day("week 05", date(2027, 2, 1)) == [("00:00", "24:00")]


def test_year_ranges_and_dated_ranges() -> None:
    assert day("2026-2030/2 10:00-11:00", date(2028, 6, 1)) == [("10:00", "11:00")]
    assert day("2026-2030/2 10:00-11:00", date(2027, 6, 1)) == []
    assert day("2026-2030/2 10:00-11:00", date(2031, 6, 1)) == []
    expr = "Mo-Fr 08:00-18:00; 2026 Dec 24-2027 Jan 02 off"
    assert day(expr, date(2026, 12, 23)) == [("08:00", "18:00")]
    assert day(expr, date(2027, 1, 1)) == []
    assert day(expr, date(2027, 1, 4)) == [("08:00", "18:00")]
    assert day(expr, date(2027, 12, 24)) == [("08:00", "18:00")]   # once, not every year
    assert day("Dec 24-Jan 02", date(2030, 1, 2)) == [("00:00", "24:00")]   # every year, across the new year
    assert day("Dec 24-Jan 02", date(2030, 1, 3)) == []


def test_leap_february() -> None:
    assert day("Feb 29 10:00-11:00", date(2028, 2, 29)) == [("10:00", "11:00")]
    assert day("Feb 20-29", date(2027, 2, 28)) == [("00:00", "24:00")]  # ends with February
    assert day("Feb 20-29", date(2027, 3, 1)) == []
    assert day("Feb 29-Mar 02", date(2027, 3, 1)) == [("00:00", "24:00")]  # starts on Mar 1 in common years


def test_public_and_school_holidays() -> None:
    expr = "Mo-Fr 08:00-19:00; PH off"
    assert day(expr, date(2026, 11, 11)) == []                     # Armistice, a Wednesday
    assert day(expr, date(2026, 11, 12)) == [("08:00", "19:00")]
    assert day("PH,Sa 09:00-12:00", date(2026, 12, 25)) == [("09:00", "12:00")]
    assert day("PH Mo-Fr 09:00-12:00", date(2026, 11, 1)) == []    # All Saints falls on a Sunday
    shs = "Mo-Fr 08:00-19:00; SH Mo-Fr 08:00-13:00"
    assert day(shs, date(2026, 10, 19)) == [("08:00", "13:00")]    # Toussaint holidays, zone C
    assert day(shs, date(2026, 11, 2)) == [("08:00", "19:00")]
    assert day("SH", date(2026, 10, 17)) == [("00:00", "24:00")]   # holidays start on the Saturday


def test_holidays_need_a_calendar() -> None:
    with pytest.raises(CalendarError):
        parse_hours("SH off").day_intervals(MON, HolidayCalendar("FR"))
    with pytest.raises(CalendarError):
        parse_hours("PH off").day_intervals(MON, HolidayCalendar())
    with pytest.raises(CalendarError):
        parse_hours("SH off").day_intervals(date(2029, 1, 8), CAL)
    # A list that does not need SH for a day does not ask the calendar.
    assert day("Mo-Fr,SH 08:00-12:00", date(2029, 1, 8), HolidayCalendar("FR")) == [("08:00", "12:00")]


# --------------------------------------------------------------------------------------------------
# Wall-clock times and daylight saving time (Europe/Paris)


def intervals(expr: str, start: datetime, end: datetime) -> list[tuple[str, str]]:
    return [(a.isoformat(), b.isoformat()) for a, b in parse_hours(expr).open_intervals(start, end, CAL)]


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def test_spring_forward_gap_does_not_exist() -> None:
    # 2026-03-29: 02:00 jumps to 03:00.
    assert intervals("Mo-Su 02:00-03:30", paris(2026, 3, 29), paris(2026, 3, 30)) == [
        ("2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00")]
    assert intervals("Mo-Su 01:00-02:30", paris(2026, 3, 29), paris(2026, 3, 30)) == [
        ("2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00")]
    assert intervals("Mo-Su 02:15-02:45", paris(2026, 3, 29), paris(2026, 3, 30)) == []
    assert intervals("Sa 22:00-02:30", paris(2026, 3, 28), paris(2026, 3, 30)) == [
        ("2026-03-28T22:00:00+01:00", "2026-03-29T03:00:00+02:00")]


def test_autumn_fold_takes_the_first_occurrence() -> None:
    # 2026-10-25: 03:00 goes back to 02:00; 02:00-03:00 happens twice.
    assert intervals("Mo-Su 01:00-02:30", paris(2026, 10, 25), paris(2026, 10, 26)) == [
        ("2026-10-25T01:00:00+02:00", "2026-10-25T02:30:00+02:00")]
    assert intervals("Mo-Su 02:30-04:00", paris(2026, 10, 25), paris(2026, 10, 26)) == [
        ("2026-10-25T02:30:00+02:00", "2026-10-25T04:00:00+01:00")]
    assert intervals("Mo-Su 00:00-24:00", paris(2026, 10, 25), paris(2026, 10, 26)) == [
        ("2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00")]


def test_open_intervals_are_clipped_merged_and_aware() -> None:
    got = parse_hours("Mo-Fr 20:00-08:00").open_intervals(paris(2026, 11, 17, 6), paris(2026, 11, 19, 7), CAL)
    assert got == [(paris(2026, 11, 17, 6), paris(2026, 11, 17, 8)), (paris(2026, 11, 17, 20), paris(2026, 11, 18, 8)),
                   (paris(2026, 11, 18, 20), paris(2026, 11, 19, 7))]
    assert all(a.tzinfo is PARIS for pair in got for a in pair)
    assert parse_hours("24/7").open_intervals(paris(2026, 11, 17), paris(2026, 11, 20), CAL) == [
        (paris(2026, 11, 17), paris(2026, 11, 20))]
    with pytest.raises(ValueError):
        parse_hours("24/7").open_intervals(datetime(2026, 11, 17), datetime(2026, 11, 18), CAL)
    assert parse_hours("24/7").is_open(paris(2026, 11, 17, 3), CAL)
    assert not parse_hours("Mo 08:00-12:00").is_open(paris(2026, 11, 17, 9), CAL)


# --------------------------------------------------------------------------------------------------
# DR207: `off` rules undone by later rules


@pytest.mark.parametrize(("text", "expected"), [
    ("PH off; Mo-Fr 08:00-12:00", [(0, 0)]),
    ("off; Mo-Fr 08:00-12:00", [(0, 0)]),
    ("Mo-Fr 08:00-19:00; SH,PH off; Mo-Fr 10:00-12:00", [(1, 19)]),
    ("2026 Dec 24-2027 Jan 02 off; Mo-Fr 08:00-12:00", [(0, 0)]),
    ("Mo-Fr 22:00-02:00; Sa 00:00-02:00 off; Sa 09:00-12:00", [(1, 19)]),
    ("Mo-Fr 08:00-19:00; PH off", []),                       # the off closes weekday holidays
    ("PH off; Mo-Fr 08:00-12:00; Sa 09:00-12:00; Su 10:00-11:00", [(0, 0)]),
    ("Sa off; Mo-Fr 08:00-12:00", []),                        # useless, but nothing undoes it
    ("Mo-Fr 08:00-12:00, PH off; Mo 08:00-12:00", []),        # still closes Tuesday to Friday holidays
    ("PH off; PH 10:00-11:00", [(0, 0)]),
    ("Mo-Fr 08:00-12:00; We 10:00-11:00 off; We 09:00-10:00", [(1, 19)]),
    ("Mo-Fr 08:00-12:00", []),
])
def test_off_undone(text: str, expected: list[tuple[int, int]]) -> None:
    assert parse_hours(text).off_undone() == expected


# --------------------------------------------------------------------------------------------------
# The anchored rhythm of windows (`every: 2w, from: 2027-01-06`)


def test_every_weeks_matches() -> None:
    start = date(2027, 1, 6)  # a Wednesday; its week runs 2027-01-04 .. 01-10
    assert every_weeks_matches(date(2027, 1, 4), 2, start)     # same week, before the date itself
    assert every_weeks_matches(date(2027, 1, 10), 2, start)
    assert not every_weeks_matches(date(2027, 1, 13), 2, start)
    assert every_weeks_matches(date(2027, 1, 20), 2, start)
    assert not every_weeks_matches(date(2026, 12, 23), 2, start)  # never before the anchor week
    assert every_weeks_matches(date(2027, 1, 25), 3, start)
    assert all(every_weeks_matches(start + timedelta(days=i), 1, start) for i in range(30))
    with pytest.raises(ValueError):
        every_weeks_matches(start, 0, start)
