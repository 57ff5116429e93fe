"""Fuzzing busy times: broken and pathological `.ics` exports through busy.py's public reader.

Acceptance (issue "Hostile and broken input"): calendars without end dates, RRULEs without COUNT or
UNTIL, unknown TZIDs, 100,000 events, and random mutations of all of these never give a traceback
or a hang: `load_busy` gives busy times (every interval aware, non-empty, owned by a known
practitioner or by everyone) or a `BusyError` whose message names the file — and never repeats an
appointment's summary or description (patient details).

* `test_random_calendars`: 5,000 derandomized calendars assembled from realistic and broken pieces
  (dates, date-times with TZID/UTC/floating, durations, RRULE/RDATE/EXDATE/RECURRENCE-ID, statuses,
  owners, folding, CRLF, BOM, nested or unclosed components), then byte-mutated, written to a file
  and read with `load_busy(path, practice, lo, hi)` over a two-week search window.
* The limits, with the work counted rather than timed: the occurrences busy.py expands (each one
  passes through `_Ics._interval`), the lines the scan reads before it refuses a file of too many
  events, and whether icalendar's parser is reached at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given
from hypothesis import event as hypothesis_event
from hypothesis import strategies as st
from hypothesis.control import current_build_context, currently_in_test_context

import diaryrules.busy as busy_module
from diaryrules.busy import Busy, BusyError, BusyInterval, load_busy, parse_busy_ics
from diaryrules.linter import load
from tests import helpers

ROOT = Path(__file__).resolve().parent.parent
CRASHES = Path(__file__).parent / "fixtures" / "crashes"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5000"))
LO = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
HI = LO + timedelta(days=1)  # dateutil lists every occurrence of the window first: keep it short
SECRET = "SECRET-PATIENT"  # in every SUMMARY/DESCRIPTION: must never reach a message


def fuzz_settings(n: int = EXAMPLES) -> Any:
    return helpers.fuzz_settings(n)


@cache
def practice() -> Any:
    return load(str(ROOT / "examples" / "maison-de-sante.diary.yaml"))


@contextlib.contextmanager
def short_expansion_limit(seconds: float = 1.0) -> Iterator[None]:
    """A recurrence that never occurs (a mutated `BYMONTHDAY=30;BYMONTH=2`) is searched until the
    year 9999 by dateutil; busy.py stops it after EXPAND_SECONDS. The campaign lowers that to one
    second so that such an example costs one second, not ten."""
    old = getattr(busy_module, "EXPAND_SECONDS", None)
    if old is not None:
        busy_module.EXPAND_SECONDS = seconds  # type: ignore[attr-defined]
    try:
        yield
    finally:
        if old is not None:
            busy_module.EXPAND_SECONDS = old  # type: ignore[attr-defined]


# -- calendars from pieces -------------------------------------------------------------------------

DTSTARTS = [
    "DTSTART:20261201T100000Z",
    "DTSTART:20261201T100000",
    "DTSTART;TZID=Europe/Paris:20261201T100000",
    "DTSTART;VALUE=DATE:20261224",
    "DTSTART:20261224",
    "DTSTART;TZID=Mars/Olympus:20261201T100000",
    'DTSTART;TZID="Europe/Paris":20261201T100000',
    "DTSTART;TZID=Custom/Zone:20261201T100000",
    "DTSTART:20261301T100000",
    "DTSTART:2026-12-01 10:00",
    "DTSTART:",
    "DTSTART:20000101T080000Z",
    "DTSTART:99991231T235900Z",
    "DTSTART:00010101T000000",
    "DTSTART:20260329T023000",
    "DTSTART;TZID=Europe/Paris:20261025T023000",
    "DTSTART;VALUE=DATE:20261201T100000",
]
DTENDS = [
    "DTEND:20261201T110000Z",
    "DTEND:20261201T090000Z",
    "DTEND;TZID=Europe/Paris:20261201T103000",
    "DTEND;VALUE=DATE:20261226",
    "DTEND:20261201T100000Z",
    "DTEND;TZID=Nowhere/Zone:20261201T110000",
    "DTEND:garbage",
    "DURATION:PT30M",
    "DURATION:P1D",
    "DURATION:-PT1H",
    "DURATION:P99999D",
    "DURATION:PT",
    "DURATION:P1W2D",
    "DTEND:99991231T235959Z",
]
RRULES = [
    "RRULE:FREQ=DAILY;COUNT=3",
    "RRULE:FREQ=WEEKLY;BYDAY=TU",
    "RRULE:FREQ=DAILY",
    "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270630T000000Z",
    "RRULE:FREQ=HOURLY",
    "RRULE:FREQ=MINUTELY;INTERVAL=30",
    "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1",
    "RRULE:FREQ=YEARLY",
    "RRULE:FREQ=FORTNIGHTLY",
    "RRULE:FREQ=DAILY;COUNT=0",
    "RRULE:FREQ=DAILY;INTERVAL=0",
    "RRULE:FREQ=DAILY;COUNT=99999999999999999999",
    "RRULE:",
    "RRULE:FREQ=WEEKLY;UNTIL=20261201",
    "RRULE:FREQ=DAILY;UNTIL=19991231T000000Z",
    "RRULE:BYDAY=TU",
    "RRULE:FREQ=WEEKLY;BYDAY=XX",
    "RRULE:FREQ=DAILY;BYHOUR=25",
]
OTHERS = [
    "EXDATE:20261202T100000Z",
    "EXDATE;TZID=Europe/Paris:20261208T100000,20261209T100000",
    "EXDATE:bad",
    "RDATE:20261203T150000Z",
    "RDATE;VALUE=PERIOD:20261203T150000Z/PT1H",
    "RDATE:20261301",
    "RECURRENCE-ID:20261202T100000Z",
    "RECURRENCE-ID;TZID=Mars/Olympus:20261202T100000",
    "STATUS:CANCELLED",
    "STATUS:cancelled",
    "TRANSP:TRANSPARENT",
    "TRANSP:OPAQUE",
    "UID:a@x",
    "UID:a@x",
    "X-DIARYRULES-PRACTITIONER:martin",
    "X-DIARYRULES-PRACTITIONER:nguyen",
    "X-DIARYRULES-PRACTITIONER:martn",
    "X-DIARYRULES-PRACTITIONER:mаrtin",
    "X-DIARYRULES-PRACTITIONER:",
    f"SUMMARY:{SECRET} (consultation)",
    f"DESCRIPTION:{SECRET}\\, 06 00 00 00 00",
    f"SUMMARY;LANGUAGE=fr:{SECRET}",
    "ATTENDEE;CN=Bob:mailto:b@x",
    f"SUMMARY:{SECRET} a very long line that is folded\r\n  onto the next one",
    "DTSTAMP:20261120T090000Z",
    "SEQUENCE:2",
    'X-UNKNOWN;P="a:b":value',
]
COMPONENTS = [
    "BEGIN:VALARM\nACTION:DISPLAY\nTRIGGER:-PT15M\nEND:VALARM",
    "BEGIN:VTODO\nEND:VTODO",
    "BEGIN:VEVENT",
    "END:VEVENT",
    "END:VCALENDAR",
    "BEGIN:VCALENDAR",
    "not an ics line",
    "",
]
HEADERS = [
    "VERSION:2.0",
    "PRODID:-//fuzz//EN",
    "X-WR-CALNAME:Agenda Dr Martin",
    "X-WR-CALNAME:nguyen",
    "X-DIARYRULES-PRACTITIONER:nguyen",
    "X-DIARYRULES-PRACTITIONER:ghost",
    "CALSCALE:GREGORIAN",
    "BEGIN:VTIMEZONE\nTZID:Custom/Zone\nBEGIN:STANDARD\nDTSTART:19700101T000000\nTZOFFSETFROM:+0300\n"
    "TZOFFSETTO:+0300\nEND:STANDARD\nEND:VTIMEZONE",
    "BEGIN:VTIMEZONE\nTZID:Broken/Zone\nEND:VTIMEZONE",
]


def pick(options: list[str], byte: int) -> str:
    return options[byte % len(options)]


def calendar_text(recipe: bytes) -> tuple[str, bool, bool]:
    """A calendar from a recipe of bytes (so that a whole calendar costs Hypothesis one draw, and
    shrinks towards the first, plainest pieces): the first byte picks the headers, CRLF and a BOM;
    then each 7 bytes make one event — which of DTSTART, DTEND/DURATION, RRULE, two other
    properties, a nested component and END:VEVENT it has, and which of each."""
    r = recipe + bytes(8 - len(recipe) % 7 if len(recipe) < 8 else 0)
    flags = r[0]
    lines = ["BEGIN:VCALENDAR"] + [pick(HEADERS, r[0] >> k) for k in range(flags % 3)]
    for k in range(1, len(r) - 6, 7):
        f, start, end, rrule, o1, o2, comp = r[k : k + 7]
        lines += ["BEGIN:VEVENT", f"UID:{o1 % 5}@fuzz"]
        if f % 11 != 10:
            lines.append(pick(DTSTARTS, start))
        if f & 0x30:
            lines.append(pick(DTENDS, end))
        if f & 0x40:
            lines.append(pick(RRULES, rrule))
        lines += [pick(OTHERS, o) for o in (o1, o2)[: (f >> 1) % 3]]
        if comp % 9 == 8:
            lines.append(pick(COMPONENTS, comp >> 4))
        if f % 13 != 12:
            lines.append("END:VEVENT")
    if flags % 17 != 16:
        lines.append("END:VCALENDAR")
    return "\n".join(lines) + "\n", bool(flags & 0x40), flags % 7 == 6


PALETTE = [
    b":",
    b";",
    b"=",
    b",",
    b"\r\n",
    b"\n",
    b" ",
    b"\t",
    b"Z",
    b"T",
    b"0",
    b"9",
    b"-",
    b'"',
    b"\\",
    b"BEGIN:VEVENT\n",
    b"END:VEVENT\n",
    b"END:VCALENDAR\n",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3",
    b"\x00",
    b"\xe2\x80\xa8",
    b"RRULE:FREQ=DAILY\n",
    b"TZID=Mars/Olympus",
    b"99999999",
    b"\n ",
]


def mutate(data: bytes, ops: bytes) -> bytes:
    """Byte edits, 4 bytes of `ops` each: insert / delete / swap / replace at a position."""
    buf = bytearray(data)
    for k in range(0, len(ops) - 3, 4):
        kind, pick, hi, lo = ops[k : k + 4]
        n = len(buf)
        at = (hi * 256 + lo) % (n + 1)
        payload = PALETTE[pick % len(PALETTE)]
        if kind % 4 == 0:
            buf[at:at] = payload
        elif kind % 4 == 1 and n:
            del buf[at : at + 1 + pick % 8]
        elif kind % 4 == 2 and n:
            b = (at + 1 + pick) % n
            buf[at % n], buf[b] = buf[b], buf[at % n]
        else:
            buf[at : at + len(payload)] = payload
    return bytes(buf)


@st.composite
def calendars(draw: Any) -> tuple[str, bytes]:
    text, crlf, bom = calendar_text(draw(st.binary(max_size=36)))
    data = (b"\xef\xbb\xbf" if bom else b"") + text.replace("\n", "\r\n" if crlf else "\n").encode()
    edits = draw(st.binary(max_size=13))
    if edits[:1] and edits[0] % 2:  # half of the calendars are byte-mutated
        data = mutate(data, edits[1:])
    name = draw(st.sampled_from(["busy.ics", "martin.ics", "NGUYEN.ICS", "export.ical"]))
    return name, data


# -- oracles ---------------------------------------------------------------------------------------


def check_error(e: BusyError, name: str) -> None:
    assert isinstance(e.message, str) and e.message.strip(), e
    assert name in e.message, e.message  # the file is named (and its line, where known)
    assert SECRET not in e.message and SECRET not in (e.hint or ""), e.message
    assert "Traceback" not in e.message


def check_intervals(found: tuple[BusyInterval, ...]) -> None:
    known = set(practice().practitioners)
    for b in found:
        assert b.start.tzinfo is not None and b.end.tzinfo is not None, b
        assert b.start < b.end, b
        assert b.start < HI and b.end > LO, b
        assert b.practitioner is None or b.practitioner in known, b
        assert SECRET not in b.where, b


def statistic(text: str) -> None:
    """Which stage each example reaches (pytest --hypothesis-show-statistics)."""
    if currently_in_test_context():
        hypothesis_event(text)


def save_crash(name: str, data: bytes) -> None:
    if not currently_in_test_context() or not current_build_context().is_final:
        return
    CRASHES.mkdir(parents=True, exist_ok=True)
    (CRASHES / f"busy-{hashlib.sha1(data).hexdigest()[:8]}-{name}").write_bytes(data)


def read(path: Path) -> None:
    name = str(path)
    try:
        with short_expansion_limit():
            busy = load_busy(name, practice(), LO, HI)
            found = busy.between(LO, HI)
    except BusyError as e:
        check_error(e, name)
        statistic("BusyError: " + re.sub(r"`[^`]*`|[0-9]+", "…", e.message.split(": ", 1)[-1])[:50])
        return
    assert isinstance(busy, Busy)
    check_intervals(found)
    statistic(f"busy times: {min(len(found), 3)}{'+' if len(found) >= 3 else ''}")


@fuzz_settings()
@given(case=calendars())
def test_random_calendars(tmp_path_factory: pytest.TempPathFactory, case: tuple[str, bytes]) -> None:
    name, data = case
    folder = (
        tmp_path_factory.mktemp("ics", numbered=True)
        if not hasattr(test_random_calendars, "dir")
        else test_random_calendars.dir
    )  # type: ignore[attr-defined]
    test_random_calendars.dir = folder  # type: ignore[attr-defined]
    path = folder / name
    path.write_bytes(data)
    try:
        read(path)
    except BaseException:
        save_crash(name, data)
        raise


def saved_crashes() -> list[Path]:
    return sorted(CRASHES.glob("busy-*")) if CRASHES.exists() else []


@pytest.mark.parametrize("saved", saved_crashes(), ids=lambda p: p.name)
def test_saved_busy_crashes_are_fixed(tmp_path: Path, saved: Path) -> None:
    """Every calendar that once crashed the reader now gives busy times or a BusyError."""
    path = tmp_path / saved.name.split("-", 2)[2]
    path.write_bytes(saved.read_bytes())
    name = str(path)
    try:
        load_busy(name, practice(), LO, HI).between(LO, HI)
    except BusyError as e:
        check_error(e, name)


# -- pathological calendars, with the work counted ------------------------------------------------


def ics(*events: str, extra: str = "") -> str:
    body = "".join(f"BEGIN:VEVENT\nUID:{i}@x\n{e.strip()}\nEND:VEVENT\n" for i, e in enumerate(events))
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//fuzz//EN\n{extra}{body}END:VCALENDAR\n"


@pytest.fixture
def expanded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the occurrences busy.py expands: each one passes through `_Ics._interval`."""
    return helpers.count_calls(monkeypatch, busy_module._Ics, "_interval")


TWO_WEEKS = (LO, LO + timedelta(days=14))


def test_rrule_without_count_or_until_is_expanded_only_inside_the_window(expanded: list[int]) -> None:
    """A daily event since 2000 with no end: a two-week search expands two weeks, not 27 years."""
    busy = parse_busy_ics(
        ics(
            "DTSTART:20000101T080000Z\nDTEND:20000101T083000Z\nRRULE:FREQ=DAILY",
            "DTSTART:19000101T080000Z\nDURATION:PT10M\nRRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        ),
        practice(),
        "open-ended.ics",
    )
    found = busy.between(*TWO_WEEKS)
    assert len(found) == 14 + 10
    assert expanded[0] <= 14 + 10 + 4  # what the window holds, give or take its edges


@pytest.fixture
def dateutil_steps(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the occurrences dateutil computes for recurring_ical_events (rrule._iter)."""
    from dateutil import rrule

    count = [0]
    real = rrule.rrule._iter

    def counting(self: Any) -> Iterator[Any]:
        for x in real(self):
            count[0] += 1
            yield x

    monkeypatch.setattr(rrule.rrule, "_iter", counting)
    return count


WEEK = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 8, tzinfo=UTC))


def test_recurrence_expansion_horizon(monkeypatch: pytest.MonkeyPatch, expanded: list[int]) -> None:
    """An event every minute with no end: busy.py stops after MAX_OCCURRENCES occurrences, with a
    message naming the file and the period."""
    monkeypatch.setattr(busy_module, "MAX_OCCURRENCES", 500)
    busy = parse_busy_ics(
        ics("DTSTART:20261201T000000Z\nDURATION:PT1M\nRRULE:FREQ=MINUTELY"), practice(), "every-minute.ics"
    )
    with pytest.raises(BusyError) as info:
        busy.between(*WEEK)
    assert (
        info.value.message
        == "every-minute.ics: more than 500 busy occurrences between 2026-12-01 and 2026-12-08"
    )
    assert info.value.hint and "export a shorter period" in info.value.hint
    assert expanded[0] == 500  # the 501st is refused before it becomes a busy time


YEAR = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 12, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("rule", "window"),
    [
        ("FREQ=MINUTELY", WEEK),
        ("FREQ=MINUTELY", YEAR),  # 525,600 occurrences in the window
        ("FREQ=SECONDLY", YEAR),  # 31 million
        ("FREQ=DAILY;BYHOUR=8,9,10,11,12,13,14,15,16,17;BYMINUTE=0,10,20,30,40,50", YEAR),
    ],
)
def test_expansion_work_is_bounded_by_max_occurrences(
    monkeypatch: pytest.MonkeyPatch, dateutil_steps: list[int], rule: str, window: tuple[datetime, datetime]
) -> None:
    """dateutil computes the occurrences one at a time: busy.py stops at the 501st, however many
    the search window holds (dateutil's own `between` would list them all first)."""
    monkeypatch.setattr(busy_module, "MAX_OCCURRENCES", 500)
    busy = parse_busy_ics(ics(f"DTSTART:20261201T000000Z\nDURATION:PT1M\nRRULE:{rule}"), practice(), "m.ics")
    with pytest.raises(BusyError) as info:
        busy.between(*window)
    assert info.value.message == (
        f"m.ics: more than 500 busy occurrences between 2026-12-01 and {window[1]:%Y-%m-%d}"
    )
    assert info.value.hint and "export a shorter period" in info.value.hint
    assert 500 <= dateutil_steps[0] <= 500 + 10, (  # dateutil computes ten at a time for its cache
        f"dateutil computed {dateutil_steps[0]} occurrences for a limit of 500"
    )


def test_an_rrule_since_long_ago_is_computed_from_just_before_the_window(
    dateutil_steps: list[int],
) -> None:
    """Every minute (every 7 minutes, local time) since 2000 and no end, a one-day search: the
    day's occurrences, computed from just before the day — not the 14 million minutes since 2000."""
    busy = parse_busy_ics(
        ics(
            "DTSTART:20000101T000000Z\nDURATION:PT1M\nRRULE:FREQ=MINUTELY",
            "DTSTART;TZID=Europe/Paris:20000101T000030\nDURATION:PT1M\nRRULE:FREQ=MINUTELY;INTERVAL=7",
        ),
        practice(),
        "old.ics",
    )
    day = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC))
    found = busy.between(*day)
    every_minute = [day[0] + timedelta(minutes=m) for m in range(24 * 60)]
    paris = ZoneInfo("Europe/Paris")
    first = datetime(2000, 1, 1, 0, 0, 30)  # wall-clock steps of 7 minutes: no summer time in December
    local = day[0].astimezone(paris).replace(tzinfo=None)
    skip = -((first - local) // timedelta(minutes=7))  # the first step at or after the day's start
    every_7 = [
        (first + timedelta(minutes=7) * n).replace(tzinfo=paris).astimezone(UTC)
        for n in range(skip - 1, skip + 24 * 60 // 7 + 2)
    ]
    expected = sorted(every_minute + [t for t in every_7 if t < day[1] and t + timedelta(minutes=1) > day[0]])
    assert [b.start for b in found] == expected
    assert len(expected) == 1440 + 206
    # the day's; before it, two periods, the event's minute and, in a zone with summer time, a day;
    # dateutil computes ten at a time for its cache
    assert dateutil_steps[0] <= (1440 + 2 + 1 + 10) + (206 + 2 + 1 + 206 + 10), dateutil_steps[0]


def test_a_rule_computed_from_its_dtstart_is_bounded_by_max_steps(
    monkeypatch: pytest.MonkeyPatch, dateutil_steps: list[int]
) -> None:
    """COUNT counts from DTSTART, so such a rule is computed from there: MAX_STEPS bounds that work,
    and the error names the event's line."""
    monkeypatch.setattr(busy_module, "MAX_STEPS", 5000)
    busy = parse_busy_ics(
        ics(
            "DTSTART:20261201T100000Z\nDTEND:20261201T103000Z\nRRULE:FREQ=WEEKLY",
            "DTSTART:20200101T000000Z\nDURATION:PT1M\nRRULE:FREQ=MINUTELY;COUNT=100000000",
        ),
        practice(),
        "count.ics",
    )
    with pytest.raises(BusyError) as info:
        busy.between(*WEEK)
    assert info.value.message == (
        "count.ics:14: this recurring event repeats more than 5000 times up to 2026-12-08, "
        "counting from its DTSTART"
    )
    assert info.value.hint and "UNTIL" in info.value.hint
    assert dateutil_steps[0] <= 5000 + 10  # dateutil computes ten at a time for its cache


ZONES = [UTC, ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York"), ZoneInfo("Pacific/Apia"),
         ZoneInfo("Australia/Lord_Howe")]  # Apia crossed the date line in 2011; Lord Howe moves 30 minutes


@st.composite
def rules_and_ranges(draw: Any) -> tuple[Any, datetime, datetime, bool]:
    """A dateutil rule of a frequency busy.py may start late (WEEKLY … SECONDLY, no COUNT), and a
    range up to 1,500 periods after its DTSTART, the range's ends in another zone or not."""
    from dateutil import rrule

    freq = draw(st.sampled_from([rrule.WEEKLY, rrule.DAILY, rrule.HOURLY, rrule.MINUTELY, rrule.SECONDLY]))
    unit = {rrule.WEEKLY: timedelta(weeks=1), rrule.DAILY: timedelta(days=1), rrule.HOURLY: timedelta(hours=1),
            rrule.MINUTELY: timedelta(minutes=1), rrule.SECONDLY: timedelta(seconds=1)}[freq]
    interval = draw(st.integers(1, 13))
    zone = draw(st.sampled_from([None, *ZONES]))
    start = datetime(2000, 1, 1) + timedelta(seconds=draw(st.integers(0, 27 * 365 * 86400)))
    start = start.replace(tzinfo=zone)
    parts: dict[str, Any] = {}
    small = st.lists(st.integers(0, 59), min_size=1, max_size=2)
    if draw(st.booleans()):
        parts["byhour"] = [h % 24 for h in draw(small)]
    if draw(st.booleans()):
        parts["byminute"] = draw(small)
    if draw(st.booleans()):
        parts["bysecond"] = draw(small)
    if draw(st.booleans()):
        parts["byweekday"] = draw(st.lists(st.integers(0, 6), min_size=1, max_size=3))
    if draw(st.booleans()):
        parts["bymonth"] = draw(st.lists(st.integers(1, 12), min_size=1, max_size=4))
    if draw(st.booleans()):
        parts["bysetpos"] = draw(st.sampled_from([1, -1, (1, -1)]))
    if draw(st.booleans()):
        parts["wkst"] = draw(st.integers(0, 6))
    period = unit * interval
    if draw(st.booleans()):
        until = start + period * draw(st.integers(0, 2000))
        parts["until"] = until.astimezone(UTC) if zone is not None else until
    assume(can_occur(freq, interval, start, parts))
    try:
        rule = rrule.rrule(freq, dtstart=start, interval=interval, cache=True, **parts)
    except ValueError:  # a BYxxx the interval never reaches
        assume(False)
    after = start + period * draw(st.integers(0, 1500)) + timedelta(hours=12) * draw(st.integers(-3, 3))
    before = after + period * draw(st.integers(0, 40)) + timedelta(seconds=draw(st.integers(0, 3600)))
    if zone is not None:
        other = draw(st.sampled_from(ZONES))
        after, before = after.astimezone(other), before.astimezone(other)
    return rule, after, before, draw(st.booleans())


def can_occur(freq: int, interval: int, start: datetime, parts: dict[str, Any]) -> bool:
    """Whether the rule has occurrences at all — else dateutil searches until the year 9999. Its
    periods fall on the same places of every week; the BYxxx parts coarser than the frequency
    (BYDAY; BYHOUR below HOURLY …) keep some of them; BYMONTH keeps whole weeks."""
    from dateutil import rrule

    if freq == rrule.WEEKLY:
        return True
    unit = {rrule.DAILY: 86_400, rrule.HOURLY: 3600, rrule.MINUTELY: 60, rrule.SECONDLY: 1}[freq]
    slots = 604_800 // unit  # the periods of a week
    g = math.gcd(interval, slots)  # a rule reaches the periods of the week congruent to its start's mod g
    fields = [("byweekday", range(7), 86_400), ("byhour", range(24), 3600), ("byminute", range(60), 60),
              ("bysecond", range(60), 1)]
    reached = {0}
    for name, every, seconds in fields:
        if seconds < unit:
            break
        values = parts.get(name, every)
        reached = {(r + v * seconds // unit) % g for r in reached for v in values}
    at = (start.weekday() * 86_400 + start.hour * 3600 + start.minute * 60 + start.second) // unit
    return at % g in reached


def minutely_across(zone: str, start: datetime, after: datetime) -> tuple[Any, datetime, datetime, bool]:
    from dateutil import rrule

    tz = ZoneInfo(zone)
    rule = rrule.rrule(rrule.MINUTELY, dtstart=start.replace(tzinfo=tz), cache=True)
    after = after.replace(tzinfo=tz).astimezone(UTC)
    return rule, after, after + timedelta(hours=2), True


@fuzz_settings(min(EXAMPLES, 300))
@given(rules_and_ranges())
# dateutil writes the wall-clock minutes that summer time skips (02:00–02:59) in the zone's winter
# offset: in UTC they come after 03:05 summer time, and a rule started two minutes before 03:05
# would miss them
@example(minutely_across("Europe/Paris", datetime(2026, 3, 1), datetime(2026, 3, 29, 3, 5)))
# Samoa skipped 30 December 2011 (UTC-10 to UTC+14): that whole wall-clock day, UTC-10, comes after
# 31 December 00:05
@example(minutely_across("Pacific/Apia", datetime(2011, 12, 1), datetime(2011, 12, 31, 0, 5)))
def test_a_lazy_rule_gives_what_dateutil_gives(case: tuple[Any, datetime, datetime, bool]) -> None:
    """busy.py's `_LazyRule.between` — one occurrence at a time, started just before the range when
    the rule allows it — against dateutil's own `between`, computed from DTSTART."""
    rule, after, before, inc = case

    def outcome(between: Any) -> Any:
        try:
            return list(between())
        except ValueError as e:  # dateutil: "Invalid combination of interval and byhour …"
            return str(e)

    lazy = busy_module._LazyRule(rule, busy_module._Steps(10**9))
    assert outcome(lambda: lazy.between(after, before, inc)) == outcome(lambda: rule.between(after, before, inc))


def test_100000_events(monkeypatch: pytest.MonkeyPatch) -> None:
    """More than MAX_ENTRIES (100,000) events: refused by the line scan at the first event too many
    (its line is in the message), before icalendar parses anything."""
    import icalendar

    def never(*_args: Any, **_kw: Any) -> Any:
        raise AssertionError("icalendar parsed a calendar of too many events")

    monkeypatch.setattr(icalendar.Calendar, "from_ical", never)
    n = busy_module.MAX_ENTRIES + 1
    text = (
        "BEGIN:VCALENDAR\n"
        + "BEGIN:VEVENT\nDTSTART:20261201T100000Z\nEND:VEVENT\n" * (n + 50_000)
        + "END:VCALENDAR\n"
    )
    assert len(text.encode()) < busy_module.MAX_BYTES
    with pytest.raises(BusyError) as info:
        parse_busy_ics(text, practice(), "huge.ics")
    line = 1 + 3 * (n - 1) + 2  # the DTSTART of event n
    assert info.value.message == f"huge.ics:{line}: more than {busy_module.MAX_ENTRIES} events"
    assert info.value.hint == "export a shorter period"


def test_unknown_time_zones() -> None:
    for prop, line in (
        ("DTSTART;TZID=Mars/Olympus:20261201T100000", 6),
        ("DTEND;TZID=Paris:20261201T110000", 7),
    ):
        start = "DTSTART:20261201T100000Z\n" if prop.startswith("DTEND") else ""
        with pytest.raises(BusyError) as info:
            parse_busy_ics(ics(start + prop), practice(), "tz.ics")
        tzid = prop.split("=")[1].split(":")[0]
        assert info.value.message == f"tz.ics:{line}: unknown time zone `{tzid}`", info.value.message
        assert info.value.hint and "IANA" in info.value.hint


def test_events_without_end_dates() -> None:
    """No DTEND and no DURATION: a date is that whole day, a date-time an instant (blocks nothing)."""
    busy = parse_busy_ics(
        ics(
            "DTSTART;VALUE=DATE:20261203",
            "DTSTART:20261204T100000Z",
            "DTSTART:20261201T090000Z\nRRULE:FREQ=DAILY",
        ),
        practice(),
        "no-end.ics",
    )
    found = busy.between(*TWO_WEEKS)
    assert [(b.start, b.end) for b in found] == [
        (datetime(2026, 12, 2, 23, 0, tzinfo=UTC), datetime(2026, 12, 3, 23, 0, tzinfo=UTC))
    ]


def test_an_empty_or_truncated_file_names_the_file(tmp_path: Path) -> None:
    whole = ics("DTSTART:20261201T100000Z\nDTEND:20261201T110000Z").encode()
    for cut in (0, 1, len(whole) // 2, len(whole) - 2):
        path = tmp_path / "cut.ics"
        path.write_bytes(whole[:cut])
        with pytest.raises(BusyError) as info:
            load_busy(str(path), practice(), LO, HI)
        check_error(info.value, str(path))
