"""Time engine: public and school holidays, the calendar behind `PH` and `SH` in hours expressions.

Public holidays come from the `holidays` package (France and its subdivisions, named as that package
names them: ``FR``, ``FR-57``, ``FR-6AE``, ``FR-971`` ...). School holidays come from
`vacances-scolaires-france` for zones A, B and C. A date outside the school-holiday data is an error,
never a guess: a practice's grid must not silently change when the data runs out.

Lookups are cached per year (public) and loaded once (school): the slot search asks about every day of
a 90-day horizon for every practitioner.
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from diaryrules.diagnostics import did_you_mean

__all__ = [
    "CalendarError",
    "HolidayCalendar",
    "SCHOOL_ZONES",
    "school_holiday_coverage",
    "valid_holiday_codes",
]

SCHOOL_ZONES: tuple[str, ...] = ("A", "B", "C")

# Former codes people still write for Alsace; the `holidays` package merged them into 6AE.
_RENAMED_SUBDIVISIONS = {"FR-67": "FR-6AE", "FR-68": "FR-6AE"}


class CalendarError(Exception):
    """A holiday question the calendar cannot answer (no zone set, date outside the data)."""


@functools.cache
def _french_subdivisions() -> tuple[str, ...]:
    from holidays.countries import France  # imported on first use: the package is slow to import

    # The package also lists the school zones ("Zone A" ...) as subdivisions; those belong to
    # `school-zone`, not to the public-holiday calendar.
    return tuple(s for s in France.subdivisions if not s.startswith("Zone"))


def valid_holiday_codes() -> list[str]:
    """The accepted values of a practice's `holidays:` key: ``FR`` and ``FR-<subdivision>``."""
    return ["FR", *(f"FR-{s}" for s in _french_subdivisions())]


@functools.lru_cache(maxsize=512)
def _public_holidays(subdivision: str | None, year: int) -> Mapping[date, str]:
    import holidays

    table = holidays.country_holidays("FR", subdiv=subdivision, years=year, language="fr")
    return MappingProxyType({d: str(name) for d, name in table.items() if d.year == year})


@dataclass(frozen=True)
class _SchoolData:
    first: date
    last: date
    days: Mapping[str, frozenset[date]]
    names: Mapping[date, str]


def _school_rows() -> list[tuple[date, dict[str, bool], str]]:
    """(date, zone -> on holiday, period name) for the days on which some zone is on holiday."""
    rows: list[tuple[date, dict[str, bool], str]] = []
    try:
        # The package's own data file, read directly: its loader parses each of the ~14,000 dates with
        # strptime, which costs most of a second on every start.
        source = importlib.resources.files("vacances_scolaires_france") / "data" / "data.csv"
        with source.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                zones = {z: row[f"vacances_zone_{z.lower()}"] == "True" for z in SCHOOL_ZONES}
                if any(zones.values()):
                    rows.append((date.fromisoformat(row["date"]), zones, row["nom_vacances"]))
    except (OSError, KeyError, ValueError):
        # Another layout of the package: use its API.
        from vacances_scolaires_france import SchoolHolidayDates

        api = SchoolHolidayDates()
        rows = [(d, {z: bool(r[api.zone_key(z)]) for z in SCHOOL_ZONES}, str(r["nom_vacances"]))
                for d, r in api.data.items()]
    return sorted(rows, key=lambda r: r[0])


@functools.cache
def _school_data() -> _SchoolData:
    rows = _school_rows()
    if not rows:
        raise CalendarError("the school-holiday data of vacances-scolaires-france is empty")
    days = {zone: frozenset(d for d, zones, _ in rows if zones[zone]) for zone in SCHOOL_ZONES}
    names = {d: name for d, _, name in rows}
    # The data file lists every day of its years, but holiday periods are known only from the first
    # to the last holiday it records; outside that span a "no" would be a guess.
    return _SchoolData(first=rows[0][0], last=rows[-1][0], days=MappingProxyType(days),
                       names=MappingProxyType(names))


def school_holiday_coverage() -> tuple[date, date]:
    """First and last day (inclusive) for which school holidays are known."""
    data = _school_data()
    return data.first, data.last


@dataclass(frozen=True)
class HolidayCalendar:
    """Which public holidays and which school zone apply to a practice.

    `country` is ``FR`` (metropolitan France) or ``FR-<subdivision>`` as the `holidays` package
    names them; `school_zone` is ``A``, ``B`` or ``C``. Either may be None when the practice sets none;
    asking about holidays it has not configured raises CalendarError.
    """

    country: str | None = None
    school_zone: str | None = None

    def __post_init__(self) -> None:
        if self.country is not None and self.country not in valid_holiday_codes():
            codes = valid_holiday_codes()
            renamed = _RENAMED_SUBDIVISIONS.get(self.country.upper())
            near = renamed or did_you_mean(self.country, codes)
            suggestion = f" Did you mean {near}?" if near else ""
            raise ValueError(
                f"unknown holiday calendar {self.country!r}.{suggestion} Valid codes: {', '.join(codes)}"
            )
        if self.school_zone is not None and self.school_zone not in SCHOOL_ZONES:
            raise ValueError(f"unknown school zone {self.school_zone!r}: use one of A, B, C")

    @property
    def _subdivision(self) -> str | None:
        if self.country is None or self.country == "FR":
            return None
        return self.country.split("-", 1)[1]

    def _public(self, d: date) -> Mapping[date, str]:
        if self.country is None:
            raise CalendarError("no public-holiday calendar is set: add `holidays: FR` (or FR-57 ...) to the practice")
        return _public_holidays(self._subdivision, d.year)

    def is_public_holiday(self, d: date) -> bool:
        return d in self._public(d)

    def public_holiday_name(self, d: date) -> str | None:
        """The French name of the public holiday on `d` ("Noël", "Lundi de Pentecôte" ...), or None."""
        return self._public(d).get(d)

    def _check_school_date(self, d: date) -> _SchoolData:
        if self.school_zone is None:
            raise CalendarError("no school zone is set: add `school-zone: A`, `B` or `C` to the practice to use SH")
        data = _school_data()
        if not data.first <= d <= data.last:
            raise CalendarError(
                f"no school-holiday data for {d.isoformat()}: the data of vacances-scolaires-france covers "
                f"{data.first.isoformat()} to {data.last.isoformat()}"
            )
        return data

    def is_school_holiday(self, d: date) -> bool:
        """Whether `d` is a school-holiday day in the practice's zone.

        Periods start on the Saturday classes stop (vacances-scolaires-france's convention) and end on
        the last Sunday before classes resume.
        """
        data = self._check_school_date(d)
        assert self.school_zone is not None  # checked above; narrows the type
        return d in data.days[self.school_zone]

    def school_holiday_name(self, d: date) -> str | None:
        """The name of the school-holiday period on `d` ("Vacances de Noël" ...), or None."""
        return _school_data().names.get(d) if self.is_school_holiday(d) else None
