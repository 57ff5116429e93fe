"""Unit tests of the holiday calendar (time engine): public holidays by subdivision, school holidays by zone."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest

from diaryrules.calendar import (
    SCHOOL_ZONES,
    CalendarError,
    HolidayCalendar,
    school_holiday_coverage,
    valid_holiday_codes,
)


def test_valid_codes_are_france_and_the_packages_subdivisions() -> None:
    codes = valid_holiday_codes()
    assert codes[0] == "FR"
    assert {"FR-57", "FR-6AE", "FR-971", "FR-972", "FR-973", "FR-974", "FR-976"} <= set(codes)
    assert not any("Zone" in code for code in codes)  # school zones are `school-zone`, not a calendar
    for code in codes:
        HolidayCalendar(code)


def test_unknown_codes_list_the_valid_ones() -> None:
    with pytest.raises(ValueError) as info:
        HolidayCalendar("FR-99")
    assert "FR-57" in str(info.value) and "FR-971" in str(info.value)
    with pytest.raises(ValueError, match="Did you mean FR-6AE"):
        HolidayCalendar("FR-67")  # Bas-Rhin: the package names Alsace 6AE
    with pytest.raises(ValueError, match="Valid codes"):
        HolidayCalendar("DE")
    with pytest.raises(ValueError, match="A, B, C"):
        HolidayCalendar("FR", "D")


@pytest.mark.parametrize(("d", "name"), [
    (date(2026, 1, 1), "Jour de l'an"),
    (date(2026, 5, 25), "Lundi de Pentecôte"),
    (date(2026, 11, 11), "Armistice"),
    (date(2026, 12, 25), "Noël"),
    (date(2027, 5, 6), "Ascension"),
    (date(2027, 5, 13), None),  # the Thursday after Ascension 2027 is an ordinary day
    (date(2027, 3, 26), None),  # Good Friday is not a holiday in metropolitan France
    (date(2026, 12, 26), None),
])
def test_metropolitan_france(d: date, name: str | None) -> None:
    cal = HolidayCalendar("FR")
    assert cal.public_holiday_name(d) == name
    assert cal.is_public_holiday(d) == (name is not None)


def test_ascension_2026_hand_checked() -> None:
    # Easter 2026 is April 5: Ascension is 39 days later, Thursday May 14.
    assert HolidayCalendar("FR").public_holiday_name(date(2026, 5, 14)) == "Ascension"
    assert date(2026, 5, 14).weekday() == 3


def test_alsace_moselle_adds_good_friday_and_26_december() -> None:
    for code in ("FR-57", "FR-6AE"):
        cal = HolidayCalendar(code)
        assert cal.public_holiday_name(date(2027, 3, 26)) == "Vendredi saint"
        assert cal.public_holiday_name(date(2026, 12, 26)) == "Saint-Étienne"
        assert cal.is_public_holiday(date(2026, 11, 11))


def test_guadeloupe() -> None:
    cal = HolidayCalendar("FR-971")
    assert cal.public_holiday_name(date(2026, 5, 27)) == "Abolition de l'esclavage"
    assert cal.is_public_holiday(date(2026, 7, 21))  # Victor Schœlcher
    assert not HolidayCalendar("FR").is_public_holiday(date(2026, 5, 27))


@pytest.mark.parametrize("code", ["FR", "FR-57", "FR-971", "FR-974"])
def test_public_holidays_are_the_packages(code: str) -> None:
    cal = HolidayCalendar(code)
    subdivision = None if code == "FR" else code.split("-")[1]
    for year in (2026, 2027, 2028):
        expected = holidays.country_holidays("FR", subdiv=subdivision, years=year, language="fr")
        start = date(year, 1, 1)
        for offset in range(366 if year == 2028 else 365):
            d = start + timedelta(days=offset)
            assert cal.is_public_holiday(d) == (d in expected), (code, d)


def test_school_holidays_by_zone() -> None:
    # Winter 2026: zone A from Feb 7, zone B from Feb 14, zone C from Feb 21 (each for two weeks).
    a, b, c = (HolidayCalendar("FR", zone) for zone in SCHOOL_ZONES)
    assert a.is_school_holiday(date(2026, 2, 7)) and not a.is_school_holiday(date(2026, 2, 23))
    assert b.is_school_holiday(date(2026, 2, 14)) and not b.is_school_holiday(date(2026, 3, 2))
    assert c.is_school_holiday(date(2026, 2, 21)) and c.is_school_holiday(date(2026, 3, 8))
    assert not c.is_school_holiday(date(2026, 3, 9))
    assert c.school_holiday_name(date(2026, 2, 23)) == "Vacances d'hiver"
    assert c.school_holiday_name(date(2026, 3, 9)) is None


def test_school_holidays_start_on_the_saturday_classes_stop() -> None:
    cal = HolidayCalendar("FR", "C")
    for first in (date(2026, 7, 4), date(2026, 10, 17), date(2026, 12, 19)):
        assert first.weekday() == 5
        assert cal.is_school_holiday(first)
        assert not cal.is_school_holiday(first - timedelta(days=1))
    # They end on the Sunday before classes resume.
    assert cal.is_school_holiday(date(2027, 1, 3)) and not cal.is_school_holiday(date(2027, 1, 4))


def test_school_holidays_outside_the_data_are_an_error() -> None:
    first, last = school_holiday_coverage()
    assert first == date(1990, 10, 27) and last >= date(2028, 8, 31)
    cal = HolidayCalendar("FR", "C")
    assert cal.is_school_holiday(last)
    with pytest.raises(CalendarError) as info:
        cal.is_school_holiday(last + timedelta(days=1))
    assert first.isoformat() in str(info.value) and last.isoformat() in str(info.value)
    with pytest.raises(CalendarError):
        cal.is_school_holiday(first - timedelta(days=1))


def test_unset_parts_of_the_calendar_are_errors_not_guesses() -> None:
    with pytest.raises(CalendarError, match="school zone"):
        HolidayCalendar("FR").is_school_holiday(date(2026, 7, 14))
    with pytest.raises(CalendarError, match="public-holiday calendar"):
        HolidayCalendar(None, "C").is_public_holiday(date(2026, 7, 14))


def test_calendars_are_hashable_values() -> None:
    assert HolidayCalendar("FR", "C") == HolidayCalendar("FR", "C")
    assert len({HolidayCalendar("FR", "C"), HolidayCalendar("FR", "C"), HolidayCalendar("FR-57")}) == 2


def test_stored_answers_are_the_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The subdivisions and public holidays kept in the cache (so that a command need not import
    `holidays`) read back exactly as the package gives them, in its order; a damaged entry is ignored."""
    from diaryrules import calendar

    monkeypatch.setenv("DIARYRULES_CACHE_DIR", str(tmp_path))
    memos = (calendar._french_subdivisions, calendar._public_holidays)

    def answers() -> tuple[tuple[str, ...], dict[str, list[tuple[date, str]]]]:
        for memo in memos:
            memo.cache_clear()
        return calendar._french_subdivisions(), {
            sub or "FR": list(calendar._public_holidays(sub, year).items())
            for sub in (None, "57", "971") for year in (2026, 2028)}

    try:
        fresh = answers()
        assert len(list(tmp_path.glob("holidays-*.txt"))) == 7
        assert answers() == fresh  # now read from the entries
        for sub in (None, "57", "971"):
            expected = holidays.country_holidays("FR", subdiv=sub, years=2028, language="fr")
            assert fresh[1][sub or "FR"] == [(d, str(n)) for d, n in expected.items() if d.year == 2028]
        for entry in tmp_path.glob("holidays-*-FR*-2026.txt"):
            lines = entry.read_bytes().splitlines(keepends=True)
            entry.write_bytes(b"".join(lines[:3]))  # cut at a line: not trusted, asked again
        assert answers() == fresh
        assert all(len(e.read_bytes().splitlines()) > 3 for e in tmp_path.glob("holidays-*.txt"))  # rewritten
    finally:
        for memo in memos:
            memo.cache_clear()
