"""Time engine: public and school holidays, the calendar behind `PH` and `SH` in hours expressions.

Public holidays come from the `holidays` package (France and its subdivisions, named as that package
names them: ``FR``, ``FR-57``, ``FR-6AE``, ``FR-971`` ...). School holidays come from
`vacances-scolaires-france` for zones A, B and C. A date outside the school-holiday data is an error,
never a guess: a practice's grid must not silently change when the data runs out.

Lookups are cached per year (public) and loaded once (school): the slot search asks about every day of
a 90-day horizon for every practitioner.
"""

from __future__ import annotations

import functools
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


# -- what the `holidays` package said, kept in the compiled-file cache ------------------------------
# Importing `holidays` costs a few hundred milliseconds (it loads every country), far more than a
# command that asks about a handful of days. Its answers (the French subdivisions, the public holidays
# of one year) are stored as small text entries of the cache (`cache.read_blob`), named after the
# installed package (its dist-info RECORD and France module: a new or reinstalled version never reads
# an old answer), and read back without importing it. No cache (`DIARYRULES_NO_CACHE`, unwritable
# folder, unknown layout): ask the package every time, as before.


@functools.cache
def _holidays_stamp() -> str | None:
    """The installed `holidays` package, named without importing it; None when it cannot be told."""
    import hashlib
    import importlib.util
    from pathlib import Path

    try:
        spec = importlib.util.find_spec("holidays")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    h = hashlib.sha256()
    try:
        for p in [*sorted(package.parent.glob("holidays-*.dist-info/RECORD")), package / "countries" / "france.py"]:
            st = p.stat()
            h.update(f"{p.parent.name}/{p.name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    except OSError:
        return None
    return h.hexdigest()[:20]


def _stored(name: str) -> list[list[str]] | None:
    """The rows (tab-separated fields) of a stored answer, or None (missing, cut or damaged)."""
    stamp = _holidays_stamp()
    if stamp is None:
        return None
    from . import cache

    blob = cache.read_blob(f"holidays-{stamp}-{name}.txt")
    if blob is None:
        return None
    try:
        lines = blob.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return None
    if len(lines) < 2 or lines[-1] != "" or lines[-2] != f"end\t{len(lines) - 2}":
        return None
    return [line.split("\t") for line in lines[:-2]]


def _store(name: str, rows: list[tuple[str, ...]]) -> None:
    stamp = _holidays_stamp()
    if stamp is None or any(c in field for row in rows for field in row for c in "\t\n\r"):
        return
    from . import cache

    text = "".join("\t".join(row) + "\n" for row in [*rows, ("end", str(len(rows)))])
    cache.write_blob(f"holidays-{stamp}-{name}.txt", text.encode())


@functools.cache
def _french_subdivisions() -> tuple[str, ...]:
    stored = _stored("FR-subdivisions")
    if stored is not None and all(len(row) == 1 for row in stored):
        return tuple(row[0] for row in stored)
    from holidays.countries import France  # imported on first use: the package is slow to import

    # The package also lists the school zones ("Zone A" ...) as subdivisions; those belong to
    # `school-zone`, not to the public-holiday calendar.
    subdivisions = tuple(s for s in France.subdivisions if not s.startswith("Zone"))
    _store("FR-subdivisions", [(s,) for s in subdivisions])
    return subdivisions


def valid_holiday_codes() -> list[str]:
    """The accepted values of a practice's `holidays:` key: ``FR`` and ``FR-<subdivision>``."""
    return ["FR", *(f"FR-{s}" for s in _french_subdivisions())]


@functools.lru_cache(maxsize=512)
def _public_holidays(subdivision: str | None, year: int) -> Mapping[date, str]:
    name = f"FR{'-' + subdivision if subdivision else ''}-{year}"
    stored = _stored(name)
    if stored is not None and all(len(row) == 2 for row in stored):
        try:
            return MappingProxyType({date.fromisoformat(d): text for d, text in stored})
        except ValueError:
            pass  # not what _store writes: ask the package
    import holidays

    table = holidays.country_holidays("FR", subdiv=subdivision, years=year, language="fr")
    days = {d: str(text) for d, text in table.items() if d.year == year}
    _store(name, [(d.isoformat(), text) for d, text in days.items()])  # in the package's order
    return MappingProxyType(days)


@dataclass(frozen=True)
class _SchoolData:
    first: date
    last: date
    days: Mapping[str, frozenset[date]]
    names: Mapping[date, str]


def _school_rows() -> list[tuple[date, dict[str, bool], str]]:
    """(date, zone -> on holiday, period name) for the days on which some zone is on holiday."""
    import csv
    import importlib.resources

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
        # `FR` is always valid: only a subdivision needs the `holidays` package's list (slow to import)
        if self.country is not None and self.country != "FR" and self.country not in valid_holiday_codes():
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
