"""Stage 5 input — busy times: JSON lists and .ics exports (recurrences, exceptions, all-day events,
time zones, cancelled and transparent events, whose calendar it is), and clear positioned errors
for files that cannot be used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

import diaryrules.busy as busy_module
from diaryrules.busy import Busy, BusyError, BusyInterval, load_busy, parse_busy_ics, parse_busy_json
from diaryrules.linter import load_practice
from diaryrules.model import Practice

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "busy"
DEC = (datetime(2026, 11, 30, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


@cache
def _mds() -> Practice:
    loaded = load_practice(str(ROOT / "examples" / "maison-de-sante.diary.yaml"))
    assert loaded.practice is not None
    return loaded.practice


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _rows(busy: Busy, lo: datetime = DEC[0], hi: datetime = DEC[1]) -> list[tuple[str | None, str, str]]:
    zone = _mds().zone
    return [(b.practitioner, b.start.astimezone(zone).isoformat(timespec="minutes"),
             b.end.astimezone(zone).isoformat(timespec="minutes")) for b in busy.between(lo, hi)]


def _ics(body: str, extra: str = "") -> str:
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{extra}{body}END:VCALENDAR\n"


# -- JSON ------------------------------------------------------------------------------------------

def test_json_list() -> None:
    busy = load_busy(str(FIXTURES / "busy.json"), _mds())
    assert _rows(busy) == [
        ("nguyen", "2026-12-01T09:00+01:00", "2026-12-01T10:00+01:00"),  # with an offset
        ("martin", "2026-12-01T10:00+01:00", "2026-12-01T10:20+01:00"),  # local time of the practice
        ("martin", "2026-12-01T11:40+01:00", "2026-12-01T12:00+01:00"),  # UTC (Z)
        (None, "2026-12-02T00:00+01:00", "2026-12-03T00:00+01:00"),  # no practitioner: everyone, dates
    ]
    first = busy.between(*DEC)[1]
    assert first.where.endswith("busy.json:2") and first.start == _utc("2026-12-01T09:00Z")


def test_json_between_filters_by_overlap() -> None:
    busy = load_busy(str(FIXTURES / "busy.json"), _mds())
    rows = _rows(busy, _utc("2026-12-01T10:10+01:00"), _utc("2026-12-01T11:40+01:00"))
    assert rows == [("martin", "2026-12-01T10:00+01:00", "2026-12-01T10:20+01:00")]


@pytest.mark.parametrize("text,where,message", [
    ("", "b.json", "empty"),
    ('{"start": "2026-12-01T10:00"}', "b.json:1", "JSON list"),
    ('[\n  {"start": "2026-12-01T10:00",\n   "end": }\n]', "b.json:3:11", "not valid JSON"),
    ('[{"start": "2026-12-01T10:00", "end": "2026-12-01T10:20"} {}]', "b.json:1:", "expected `,` or `]`"),
    ('[1]', "b.json:1", "an object with `start` and `end`"),
    ('[\n{"start": "2026-12-01T10:00"}]', "b.json:2", "no `end`"),
    ('[{"start": "2026-12-01T10:20", "end": "2026-12-01T10:00"}]', "b.json:1", "ends before it starts"),
    ('[{"start": "demain", "end": "2026-12-01T10:00"}]', "b.json:1", "is not a date-time"),
    ('[{"practitioner": "martn", "start": "2026-12-01T10:00", "end": "2026-12-01T10:20"}]', "b.json:1",
     "unknown practitioner `martn`"),
    ('[{"practicioner": "martin", "start": "2026-12-01T10:00", "end": "2026-12-01T10:20"}]', "b.json:1",
     "unknown key `practicioner`"),
    ('[{"practitioner": 3, "start": "2026-12-01T10:00", "end": "2026-12-01T10:20"}]', "b.json:1",
     "practitioner id"),
    ('[] x', "b.json:1:4", "extra data"),
])
def test_json_errors(text: str, where: str, message: str) -> None:
    with pytest.raises(BusyError) as info:
        parse_busy_json(text, _mds(), "b.json")
    assert info.value.message.startswith(where), info.value.message
    assert message in info.value.message


def test_json_error_hints() -> None:
    with pytest.raises(BusyError) as info:
        parse_busy_json('[{"practitioner": "martn", "start": "2026-12-01T10:00", "end": "2026-12-01T10:20"}]',
                        _mds(), "b.json")
    assert info.value.hint == "did you mean `martin`?"
    with pytest.raises(BusyError) as info:
        parse_busy_json('[{"practicioner": "martin", "start": "2026-12-01T10:00", '
                        '"end": "2026-12-01T11:00"}]', _mds(), "b.json")
    assert info.value.hint == "did you mean `practitioner`?"


def test_json_ignores_other_keys_and_allows_an_empty_list() -> None:
    busy = parse_busy_json('[{"id": 7, "label": "x", "start": "2026-12-01T10:00", '
                           '"end": "2026-12-01T10:20"}]', _mds(), "b.json")
    assert len(busy.between(*DEC)) == 1
    assert parse_busy_json(" [ ] ", _mds(), "b.json").between(*DEC) == ()


# -- iCalendar ---------------------------------------------------------------------------------------

def test_ics_export_of_a_diary() -> None:
    busy = load_busy(str(FIXTURES / "martin.ics"), _mds(), *DEC)
    rows = _rows(busy)
    # weekly on Tuesdays, except the EXDATE of 2026-12-08; owner from the file name (martin.ics)
    weekly = [r for r in rows if r[1].endswith("T10:00+01:00") and r[0] == "martin"]
    assert [r[1][:10] for r in weekly] == ["2026-12-01", "2026-12-15", "2026-12-22", "2026-12-29"]
    assert all(r[2].endswith("T11:00+01:00") for r in weekly)
    # STATUS:CANCELLED (14:00) and TRANSP:TRANSPARENT (15:00) block nothing
    assert not any(r[1].startswith("2026-12-01T14") or r[1].startswith("2026-12-01T15") for r in rows)
    # a UTC time, shown in the practice's zone
    assert ("martin", "2026-12-01T17:00+01:00", "2026-12-01T17:30+01:00") in rows
    # an all-day event blocks the whole day
    assert ("martin", "2026-12-03T00:00+01:00", "2026-12-04T00:00+01:00") in rows
    # X-DIARYRULES-PRACTITIONER on the event wins over the file's owner
    assert ("nguyen", "2026-12-01T10:00+01:00", "2026-12-01T10:30+01:00") in rows
    assert len(rows) == 7
    where = {b.where for b in busy.between(*DEC)}
    assert str(FIXTURES / "martin.ics") + ":23" in where  # the line of BEGIN:VEVENT


def test_ics_without_owner_blocks_everyone_and_floating_times_are_local() -> None:
    busy = load_busy(str(FIXTURES / "practice.ics"), _mds(), *DEC)
    rows = _rows(busy)
    assert {r[0] for r in rows} == {None}
    meetings = [r for r in rows if r[1].endswith("T09:00+01:00")]
    # COUNT=4
    assert [r[1][:10] for r in meetings] == ["2026-12-02", "2026-12-09", "2026-12-16", "2026-12-23"]
    assert (None, "2026-12-01T18:00+01:00", "2026-12-01T19:00+01:00") in rows  # floating: local time


EVENT = ("BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20261120T090000Z\n{props}END:VEVENT\n")


def _event(uid: str, props: str) -> str:
    return EVENT.format(uid=uid, props=props)


@pytest.mark.parametrize("name,extra,props,owner", [
    ("agenda.ics", "X-WR-CALNAME:Dr Paul Nguyen\n", "", "nguyen"),  # the calendar's name is a practitioner's
    ("agenda.ics", "X-WR-CALNAME:nguyen\n", "", "nguyen"),  # … or a practitioner's id
    ("agenda.ics", "X-DIARYRULES-PRACTITIONER:martin\nX-WR-CALNAME:nguyen\n", "", "martin"),
    ("nguyen.ics", "", "", "nguyen"),  # the file's name
    ("nguyen.ics", "", "X-DIARYRULES-PRACTITIONER:martin\n", "martin"),  # the event's own property wins
    ("export.ics", "X-WR-CALNAME:Cabinet\n", "", None),  # nobody: everyone
])
def test_whose_calendar(name: str, extra: str, props: str, owner: str | None) -> None:
    text = _ics(_event("a", props + "DTSTART:20261201T090000Z\nDTEND:20261201T093000Z\n"), extra)
    busy = parse_busy_ics(text, _mds(), name)
    assert [b.practitioner for b in busy.between(*DEC)] == [owner]


def test_ics_time_zones() -> None:
    text = _ics(_event("ny", "DTSTART;TZID=America/New_York:20261201T090000\n"
                             "DTEND;TZID=America/New_York:20261201T093000\n")
                + _event("utc", "DTSTART:20261201T090000Z\nDURATION:PT45M\n"))
    rows = _rows(parse_busy_ics(text, _mds(), "x.ics"))
    assert (None, "2026-12-01T10:00+01:00", "2026-12-01T10:45+01:00") in rows  # UTC, with a DURATION
    assert (None, "2026-12-01T15:00+01:00", "2026-12-01T15:30+01:00") in rows  # 09:00 in New York


def test_ics_recurrence_keeps_local_time_across_dst() -> None:
    text = _ics(_event("w", "DTSTART;TZID=Europe/Paris:20260323T100000\n"
                            "DTEND;TZID=Europe/Paris:20260323T103000\n"
                            "RRULE:FREQ=WEEKLY;UNTIL=20260407T000000Z\n"))
    rows = _rows(parse_busy_ics(text, _mds(), "x.ics"), datetime(2026, 3, 1, tzinfo=UTC),
                 datetime(2026, 5, 1, tzinfo=UTC))
    assert [r[1] for r in rows] == ["2026-03-23T10:00+01:00", "2026-03-30T10:00+02:00",
                                    "2026-04-06T10:00+02:00"]


def test_ics_moved_and_cancelled_occurrences() -> None:
    text = _ics(_event("s", "DTSTART;TZID=Europe/Paris:20261201T100000\n"
                            "DTEND;TZID=Europe/Paris:20261201T102000\nRRULE:FREQ=DAILY;COUNT=3\n")
                + _event("s", "RECURRENCE-ID;TZID=Europe/Paris:20261202T100000\n"
                              "DTSTART;TZID=Europe/Paris:20261202T160000\nDTEND;TZID=Europe/Paris:20261202T162000\n")
                + _event("s", "RECURRENCE-ID;TZID=Europe/Paris:20261203T100000\nSTATUS:CANCELLED\n"
                              "DTSTART;TZID=Europe/Paris:20261203T100000\nDTEND;TZID=Europe/Paris:20261203T102000\n"))
    rows = _rows(parse_busy_ics(text, _mds(), "x.ics"))
    assert [r[1] for r in rows] == ["2026-12-01T10:00+01:00", "2026-12-02T16:00+01:00"]


def test_all_day_events_and_events_without_end() -> None:
    text = _ics(_event("d", "DTSTART;VALUE=DATE:20261224\nDTEND;VALUE=DATE:20261226\n")
                + _event("one", "DTSTART;VALUE=DATE:20261228\n")  # a date without an end: that day
                + _event("instant", "DTSTART:20261201T090000Z\n"))  # a moment without an end: blocks nothing
    rows = _rows(parse_busy_ics(text, _mds(), "x.ics"))
    assert rows == [(None, "2026-12-24T00:00+01:00", "2026-12-26T00:00+01:00"),
                    (None, "2026-12-28T00:00+01:00", "2026-12-29T00:00+01:00")]


def test_unbounded_rrule_is_expanded_only_inside_the_window() -> None:
    text = _ics(_event("daily", "DTSTART:20200101T080000Z\nDTEND:20200101T083000Z\nRRULE:FREQ=DAILY\n"))
    busy = parse_busy_ics(text, _mds(), "x.ics")
    week = busy.between(datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 8, tzinfo=UTC))
    assert len(week) == 7
    assert min(b.start for b in week) == _utc("2026-12-01T08:00Z")


def test_expansion_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(busy_module, "MAX_OCCURRENCES", 50)
    text = _ics(_event("h", "DTSTART:20261201T000000Z\nDTEND:20261201T001000Z\nRRULE:FREQ=HOURLY\n"))
    busy = parse_busy_ics(text, _mds(), "x.ics")
    assert len(busy.between(datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC))) == 24
    with pytest.raises(BusyError) as info:
        busy.between(datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 8, tzinfo=UTC))
    assert "more than 50 busy occurrences" in info.value.message


def test_a_recurrence_that_never_occurs_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(busy_module, "EXPAND_SECONDS", 0.5)
    text = _ics(_event("never", "DTSTART:20261201T100000Z\nDTEND:20261201T110000Z\n"
                                "RRULE:FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30\n"))
    busy = parse_busy_ics(text, _mds(), "x.ics")
    with pytest.raises(BusyError) as info:
        busy.between(*DEC)
    assert info.value.message == "x.ics:9: expanding this recurring event takes more than 0.5 s"
    with pytest.raises(BusyError) as info:
        parse_busy_ics(_ics(_event("zero", "DTSTART:20261201T100000Z\nRRULE:FREQ=DAILY;INTERVAL=0\n")),
                       _mds(), "x.ics")
    assert "INTERVAL must be 1 or more" in info.value.message


@pytest.mark.parametrize("file,line,message", [
    ("bad-line.ics", 6, "not an iCalendar line"),
    ("bad-dtstart.ics", 5, "DTSTART `2026-12-01 10:00` is not a date or a date-time"),
    ("unclosed.ics", 7, "END:VCALENDAR closes BEGIN:VEVENT of line 3"),
    ("unknown-tz.ics", 5, "unknown time zone `Paris`"),
    ("bad-rrule.ics", 7, "RRULE `FREQ=FORTNIGHTLY;BYDAY=TU` cannot be read"),
    ("unknown-practitioner.ics", 5, "unknown practitioner `martn`"),
])
def test_malformed_ics(file: str, line: int, message: str) -> None:
    path = str(FIXTURES / file)
    with pytest.raises(BusyError) as info:
        load_busy(path, _mds(), *DEC)
    assert info.value.message.startswith(f"{path}:{line}: "), info.value.message
    assert message in info.value.message


@pytest.mark.parametrize("text,line,message", [
    ("", None, "empty"),
    ('[{"start": "2026-12-01T10:00"}]\n', 1, "not an iCalendar line"),
    ("BEGIN:VEVENT\nEND:VEVENT\n", 1, "must start with BEGIN:VCALENDAR"),
    ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:1\nEND:VEVENT\nEND:VCALENDAR\n", 2, "has no DTSTART"),
    ("BEGIN:VCALENDAR\nVERSION:2.0\n", 1, "is never closed"),
    ("BEGIN:VCALENDAR\nEND:VCALENDAR\nBEGIN:VCALENDAR\nEND:VCALENDAR\n", 3, "a second calendar"),
    ("VERSION:2.0\nBEGIN:VCALENDAR\nEND:VCALENDAR\n", 1, "outside BEGIN:VCALENDAR"),
    (_ics(_event("x", "DTSTART:20261201T100000Z\nDTEND:20261201T090000Z\n")), 8, "ends before it starts"),
])
def test_malformed_ics_text(text: str, line: int | None, message: str) -> None:
    with pytest.raises(BusyError) as info:
        parse_busy_ics(text, _mds(), "x.ics")
    prefix = f"x.ics:{line}: " if line else "x.ics: "
    assert info.value.message.startswith(prefix), info.value.message
    assert message in info.value.message


def test_files_that_cannot_be_read(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.ics"
    bad.write_bytes("BEGIN:VCALENDAR\nSUMMARY:Fête\n".encode("latin-1"))
    with pytest.raises(BusyError) as info:
        load_busy(str(bad), _mds())
    assert info.value.message.startswith(f"{bad}:2: ") and "UTF-8" in info.value.message
    with pytest.raises(BusyError) as info:
        load_busy(str(tmp_path / "missing.json"), _mds())
    assert "cannot read" in info.value.message


def test_patient_details_never_appear_in_errors_or_positions() -> None:
    with pytest.raises(BusyError) as info:
        load_busy(str(FIXTURES / "bad-line.ics"), _mds())
    assert "Rendez-vous" not in info.value.message and "Rendez-vous" not in (info.value.hint or "")
    text = _ics(_event("p", "SUMMARY:Mme Dupont - diabète\nDESCRIPTION:tél 06 00 00 00 00\n"
                            "DTSTART:20261201T100000Z\nDTEND:20261201T090000Z\n"))
    with pytest.raises(BusyError) as info:
        parse_busy_ics(text, _mds(), "x.ics")
    assert "Dupont" not in info.value.message and "06 00" not in info.value.message
    ok = _ics(_event("p", "SUMMARY:Mme Dupont\nDTSTART:20261201T100000Z\nDTEND:20261201T110000Z\n"))
    assert all("Dupont" not in b.where for b in parse_busy_ics(ok, _mds(), "x.ics").between(*DEC))


def test_busy_of_intervals() -> None:
    busy = Busy.of([BusyInterval("martin", _utc("2026-12-01T09:00Z"), _utc("2026-12-01T10:00Z"), "api")])
    assert len(busy.between(*DEC)) == 1


def test_cli_malformed_ics_is_a_clear_error() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("TZ", "FORCE_COLOR")}
    env["NO_COLOR"] = "1"
    p = subprocess.run([sys.executable, "-m", "diaryrules", "slots", "examples/maison-de-sante.diary.yaml",
                        "reason=consultation", "--at", "2026-12-01T09:00", "--busy",
                        "tests/fixtures/busy/unclosed.ics"], cwd=ROOT, env=env, capture_output=True,
                       text=True, encoding="utf-8", timeout=60)
    assert p.returncode == 2
    assert p.stderr.startswith("error: tests/fixtures/busy/unclosed.ics:7: ")
    assert "Traceback" not in p.stderr and p.stdout == ""
    json.dumps(p.stderr)
