"""Stage 5 input — busy times: the appointments already booked, read from a JSON list or from an
`.ics` file exported from a diary tool, so that `slots` never offers a time that is taken.

JSON: a list of objects, one per appointment::

    [{"practitioner": "martin", "start": "2026-12-01T10:00", "end": "2026-12-01T10:20"},
     {"start": "2026-12-24", "end": "2026-12-25"}]

`start` and `end` are ISO 8601 date-times, local to the practice when they carry no offset
(`2026-12-01T10:00`), or with an offset (`2026-12-01T09:00Z`, `…+01:00`); a date alone is local
midnight. `practitioner` is optional: without it the time blocks every practitioner (a staff
meeting, the practice closed). Other keys (`id`, `label` …) are ignored, unless a key looks like
a misspelt `practitioner`, `start` or `end`.

iCalendar: every VEVENT is an appointment. Recurring events (RRULE, RDATE, EXDATE, RECURRENCE-ID)
are expanded with `recurring_ical_events`, only inside the time range the search needs, and at
most 100,000 occurrences: the occurrences are computed one at a time (not the whole range first),
and a rule repeating weekly or more often without COUNT is computed from just before the range, not
from its DTSTART. All-day events block their whole days (local midnight to midnight);
times with a TZID, in UTC or floating (local to the practice) are all understood.
`STATUS:CANCELLED` and `TRANSP:TRANSPARENT` events block nothing. An event belongs to:

1. the practitioner its `X-DIARYRULES-PRACTITIONER` property names (on the event, or on the
   whole calendar), else
2. the practitioner whose id or name the calendar's `X-WR-CALNAME` is, else
3. the practitioner whose id is the file's name (`martin.ics`), else
4. every practitioner.

Bad input raises `BusyError` with `file:line` where the line is known; an event's summary or
description (patient details) is never repeated in a message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

from .diagnostics import did_you_mean

MAX_BYTES = 20 * 1024 * 1024
MAX_ENTRIES = 100_000
MAX_OCCURRENCES = 100_000
MAX_STEPS = 1_000_000  # the recurrences dateutil may compute in one expansion, those before the range
#                        included (a COUNT, MONTHLY or YEARLY rule is computed from its DTSTART on)
EXPAND_SECONDS = 10.0  # an RRULE that never occurs (`FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30`) is searched
#                        until the year 9999 by dateutil: the expansion is stopped after this long
PRACTITIONER_PROPERTY = "X-DIARYRULES-PRACTITIONER"
_LINE_PROPERTY = "X-DIARYRULES-LINE"  # added while reading: the event's line, for messages

__all__ = ["Busy", "BusyError", "BusyInterval", "load_busy", "parse_busy_ics", "parse_busy_json"]


class BusyError(Exception):
    """A busy file that cannot be used; `message` names the file (and line), `hint` says what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class BusyInterval:
    """A busy time. `practitioner` None blocks everyone; times are aware, in UTC; `where` is the
    `file:line` it comes from (never the appointment's text)."""

    practitioner: str | None
    start: datetime
    end: datetime
    where: str


class Busy:
    """Busy times of one file. `between(lo, hi)` gives the intervals that overlap [lo, hi); an
    `.ics` calendar is expanded on demand, for that range only."""

    def __init__(self, source: str, fixed: Sequence[BusyInterval] = (), ics: _Ics | None = None) -> None:
        self.source = source
        self._fixed = tuple(sorted(fixed, key=lambda b: (b.start, b.end)))
        self._ics = ics
        self._cache: tuple[datetime, datetime, tuple[BusyInterval, ...]] | None = None

    @classmethod
    def of(cls, intervals: Sequence[BusyInterval], source: str = "<busy>") -> Busy:
        return cls(source, intervals)

    def between(self, lo: datetime, hi: datetime) -> tuple[BusyInterval, ...]:
        if self._ics is None:
            return tuple(b for b in self._fixed if b.start < hi and b.end > lo)
        cached = self._cache
        if cached is None or not (cached[0] <= lo and hi <= cached[1]):
            cached = (lo, hi, tuple(sorted(self._ics.expand(lo, hi), key=lambda b: (b.start, b.end))))
            self._cache = cached
        return tuple(b for b in cached[2] if b.start < hi and b.end > lo)


def load_busy(path: str, practice: Any, lo: datetime | None = None, hi: datetime | None = None) -> Busy:
    """Read a busy file (`.ics`/`.ical` as iCalendar, anything else as JSON). With `lo`/`hi`, an
    iCalendar file is expanded over that range at once, so that its errors surface here."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise BusyError(f"{path}: cannot read the busy file: {e.strerror or e}") from None
    if len(data) > MAX_BYTES:
        raise BusyError(f"{path}: the busy file is larger than {MAX_BYTES // (1024 * 1024)} MB",
                        "export a shorter period from the diary tool")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise BusyError(f"{path}:{line}: the busy file is not valid UTF-8 (byte 0x{data[e.start]:02x})",
                        "export it again as UTF-8") from None
    if p.suffix.lower() in (".ics", ".ical", ".ifb", ".icalendar"):
        busy = parse_busy_ics(text, practice, path)
        if lo is not None and hi is not None:
            busy.between(lo, hi)
        return busy
    return parse_busy_json(text, practice, path)


# -- JSON -----------------------------------------------------------------------------------------

_JSON_KEYS = ("practitioner", "start", "end")


def parse_busy_json(text: str, practice: Any, name: str = "<busy>") -> Busy:
    stripped = text.lstrip()
    if not stripped:
        raise BusyError(f"{name}: the busy file is empty", 'write a JSON list: [{"start": …, "end": …}]')
    if not stripped.startswith("["):
        hint = "an .ics file must be named *.ics" if stripped.startswith("BEGIN:") else \
            'write a JSON list: [{"practitioner": "martin", "start": "2026-12-01T10:00", "end": …}]'
        line = text[: len(text) - len(stripped)].count("\n") + 1
        raise BusyError(f"{name}:{line}: busy times are a JSON list of appointments", hint)
    decoder = json.JSONDecoder()
    items: list[tuple[int, Any]] = []
    i = len(text) - len(stripped) + 1
    ws = re.compile(r"\s*")

    def fail(pos: int, message: str, hint: str | None = None) -> BusyError:
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        return BusyError(f"{name}:{line}:{col}: {message}", hint)

    i = ws.match(text, i).end()  # type: ignore[union-attr]
    if text.startswith("]", i):
        i += 1
    else:
        while True:
            try:
                value, end = decoder.raw_decode(text, i)
            except json.JSONDecodeError as e:
                raise fail(e.pos, f"not valid JSON: {e.msg}") from None
            except RecursionError:
                raise fail(i, "the JSON is nested too deeply") from None
            items.append((i, value))
            if len(items) > MAX_ENTRIES:
                raise fail(i, f"more than {MAX_ENTRIES} busy times", "export a shorter period")
            i = ws.match(text, end).end()  # type: ignore[union-attr]
            if text.startswith(",", i):
                i = ws.match(text, i + 1).end()  # type: ignore[union-attr]
                continue
            if text.startswith("]", i):
                i += 1
                break
            raise fail(i, "not valid JSON: expected `,` or `]` after an appointment")
    if text[i:].strip():
        raise fail(ws.match(text, i).end(), "not valid JSON: extra data after the list")  # type: ignore[union-attr]
    out: list[BusyInterval] = []
    zone = practice.zone
    for pos, item in items:
        line = text.count("\n", 0, pos) + 1
        where = f"{name}:{line}"
        out.append(_json_item(item, where, practice, zone))
    return Busy(name, out)


def _json_item(item: Any, where: str, practice: Any, zone: tzinfo) -> BusyInterval:
    if not isinstance(item, dict):
        raise BusyError(f"{where}: each busy time is an object with `start` and `end`",
                        'e.g. {"practitioner": "martin", "start": "2026-12-01T10:00", '
                        '"end": "2026-12-01T10:20"}')
    for key in item:
        if key not in _JSON_KEYS:
            near = did_you_mean(str(key), _JSON_KEYS)
            if near is not None and near not in item:
                raise BusyError(f"{where}: unknown key `{key}`", f"did you mean `{near}`?")
    for key in ("start", "end"):
        if key not in item:
            raise BusyError(f"{where}: the busy time has no `{key}`", "give both `start` and `end`")
    start = _json_time(item["start"], "start", where, zone)
    end = _json_time(item["end"], "end", where, zone)
    if end <= start:
        raise BusyError(f"{where}: the busy time ends before it starts ({item['start']} → {item['end']})")
    who = item.get("practitioner")
    if who is not None:
        if not isinstance(who, str):
            raise BusyError(f"{where}: `practitioner` is a practitioner id such as `martin`")
        who = _known_practitioner(who, practice, where)
    return BusyInterval(who, start, end, where)


def _json_time(value: Any, key: str, where: str, zone: tzinfo) -> datetime:
    if not isinstance(value, str):
        raise BusyError(f"{where}: `{key}` is a date-time string such as 2026-12-01T10:00")
    text = value.strip()
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise BusyError(f"{where}: `{key}` `{value}` is not a date-time",
                        "write it as 2026-12-01T10:00 (local time of the practice) or with an offset"
                        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone)
    return dt.astimezone(UTC)


def _known_practitioner(who: str, practice: Any, where: str) -> str:
    if who in practice.practitioners:
        return who
    near = did_you_mean(who, practice.practitioners)
    known = ", ".join(sorted(practice.practitioners))
    raise BusyError(f"{where}: unknown practitioner `{who}`",
                    f"did you mean `{near}`?" if near else f"known practitioners: {known}")


# -- iCalendar ------------------------------------------------------------------------------------

_CONTENT_LINE = re.compile(
    r'[A-Za-z0-9-]+(?:;[A-Za-z0-9-]+=(?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)*:')
_DATE_PROPERTIES = ("DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "EXDATE", "RDATE")


@dataclass
class _Event:
    line: int  # of BEGIN:VEVENT
    props: dict[str, tuple[int, str]]  # property name → (line, value as written) of its first occurrence

    def at(self, prop: str) -> int:
        return self.props[prop][0] if prop in self.props else self.line


def _scan_ics(text: str, name: str) -> list[_Event]:
    """Content lines, BEGIN/END nesting and the VEVENTs with their lines — what icalendar parses
    leniently or reports without a position."""
    events: list[_Event] = []
    stack: list[tuple[str, int]] = []
    logical: list[tuple[int, str]] = []
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if raw[:1] in (" ", "\t") and logical:
            logical[-1] = (logical[-1][0], logical[-1][1] + raw[1:])
        elif raw.strip():
            logical.append((number, raw))
    if not logical:
        raise BusyError(f"{name}: the calendar file is empty", "export the diary again as .ics")
    current: _Event | None = None
    seen_calendar = False
    for number, line in logical:
        if not _CONTENT_LINE.match(line):  # its text is not repeated: it may hold patient details
            raise BusyError(f"{name}:{number}: not an iCalendar line",
                            "each line is NAME:VALUE or NAME;PARAM=…:VALUE (a long value continues on lines "
                            "that start with a space); is this really an .ics export?")
        prop, _, written = line.partition(":")
        prop_name = prop.split(";", 1)[0].upper()
        value = written.strip().upper()
        if prop_name == "BEGIN":
            if not stack and value != "VCALENDAR":
                raise BusyError(f"{name}:{number}: the file must start with BEGIN:VCALENDAR, "
                                f"not BEGIN:{value}")
            if not stack and seen_calendar:
                raise BusyError(f"{name}:{number}: a second calendar in the same file",
                                "export one calendar per file")
            stack.append((value, number))
            if value == "VCALENDAR":
                seen_calendar = True
            if value == "VEVENT":
                if current is not None:
                    raise BusyError(f"{name}:{number}: an event inside an event (line {current.line})")
                current = _Event(number, {})
                events.append(current)
            continue
        if prop_name == "END":
            if not stack:
                raise BusyError(f"{name}:{number}: END:{value} without a BEGIN")
            opened, at = stack.pop()
            if opened != value:
                raise BusyError(f"{name}:{number}: END:{value} closes BEGIN:{opened} of line {at}",
                                f"add END:{opened} before it")
            if value == "VEVENT":
                current = None
            continue
        if not stack:
            raise BusyError(f"{name}:{number}: `{prop_name}` outside BEGIN:VCALENDAR … END:VCALENDAR")
        if current is not None and len(stack) and stack[-1][0] == "VEVENT":
            current.props.setdefault(prop_name, (number, written.strip()))
        if len(events) > MAX_ENTRIES:
            raise BusyError(f"{name}:{number}: more than {MAX_ENTRIES} events", "export a shorter period")
    if stack:
        opened, at = stack[-1]
        raise BusyError(f"{name}:{at}: BEGIN:{opened} is never closed",
                        f"the file should end with END:{opened}")
    return events


class _TooSlow(BaseException):
    """Raised by the expansion's alarm; a BaseException so that no library's `except Exception`
    swallows it."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise _TooSlow after `seconds` — in the main thread of a Unix process (the CLI); elsewhere the
    expansion is not timed."""
    import signal
    import threading

    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def alarm(_signum: int, _frame: Any) -> None:
        raise _TooSlow()

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _TooManySteps(Exception):
    """More than MAX_STEPS recurrences computed in one expansion."""


class _Steps:
    """The recurrences dateutil computed in one expansion, shared by all its rules."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0


class _LazyRule:
    """One dateutil rule of a recurring_ical_events series, which reads only its `between` and
    `until`. dateutil's own `between` computes every occurrence of the range, and every one before
    it from DTSTART on, into a list before the first is returned, so the MAX_OCCURRENCES count came
    too late: this one gives them one at a time, counts each computed one against the expansion's
    `_Steps`, and starts the rule just before the range when that keeps its occurrences."""

    def __init__(self, rule: Any, steps: _Steps) -> None:
        self.rule = rule
        self.until = getattr(rule, "until", None)
        self.steps = steps

    def between(self, after: datetime, before: datetime, inc: bool = False) -> Iterator[datetime]:
        """As dateutil's `rrulebase.between`, lazily: the same comparisons (not `==`, which is
        always false across zones for a time that summer time skips or repeats), the same order."""
        steps = self.steps
        started = False
        for i in _started_near(self.rule, after):
            steps.count += 1
            if steps.count > steps.limit:
                raise _TooManySteps()
            if (i > before) if inc else (i >= before):
                return
            if started or ((i >= after) if inc else (i > after)):
                started = True
                yield i


def _lazy_rules(series: Any, steps: _Steps) -> None:
    """Give a series lazy rules (see `_LazyRule`); a series without rules is left as it is."""
    recurrence: Any = getattr(series, "recurrence", None)
    rules = getattr(recurrence, "rrules", None)
    if isinstance(rules, list):
        recurrence.rrules = [r if isinstance(r, _LazyRule) else _LazyRule(r, steps) for r in rules]


def _started_near(rule: Any, after: datetime) -> Any:
    """`rule`, or the same rule started a whole number of periods later but still at least two
    periods before `after`: the same occurrences from `after` on, without computing the years of
    them between DTSTART and `after`. Only for rules whose periods are a fixed length of wall-clock
    time (WEEKLY, DAILY, HOURLY, MINUTELY, SECONDLY: dateutil steps through the wall-clock fields,
    and the BYxxx parts it derives from DTSTART — its weekday, hour, minute, second — are the same
    a whole number of periods later) and without COUNT (which counts from DTSTART)."""
    from dateutil.rrule import DAILY, HOURLY, MINUTELY, SECONDLY, WEEKLY, rrule

    units = {WEEKLY: timedelta(weeks=1), DAILY: timedelta(days=1), HOURLY: timedelta(hours=1),
             MINUTELY: timedelta(minutes=1), SECONDLY: timedelta(seconds=1)}
    if type(rule) is not rrule or rule._count is not None or rule._freq not in units:
        return rule
    start: datetime = rule._dtstart
    zone = start.tzinfo
    if (zone is None) != (after.tzinfo is None):
        return rule
    try:
        wall = after.astimezone(zone).replace(tzinfo=None) if zone is not None else after
        period = units[rule._freq] * rule._interval
        # A wall-clock time and `after` compare in UTC when their zones differ: a day more covers
        # any change of UTC offset (summer time, a country crossing the date line, pytz's LMT).
        margin = 2 * period + (timedelta(0) if _fixed_offset(zone) else timedelta(days=1))
        periods = (wall - margin - start.replace(tzinfo=None)) // period
        if periods <= 0:
            return rule
        return rule.replace(dtstart=(start.replace(tzinfo=None) + periods * period).replace(tzinfo=zone))
    except (ArithmeticError, ValueError, TypeError):  # near year 1 or 9999, an odd zone: from DTSTART
        return rule


def _fixed_offset(zone: tzinfo | None) -> bool:
    if zone is None or isinstance(zone, timezone):
        return True
    try:
        return zone.utcoffset(None) is not None
    except Exception:  # a zone that needs a date-time to say its offset
        return False


class _Ics:
    def __init__(self, calendar: Any, events: list[_Event], name: str, practice: Any,
                 owner: str | None) -> None:
        self.calendar = calendar
        self.events = events
        self.name = name
        self.practice = practice
        self.owner = owner

    def expand(self, lo: datetime, hi: datetime) -> list[BusyInterval]:
        import recurring_ical_events

        zone = self.practice.zone
        qlo, qhi = lo.astimezone(zone), hi.astimezone(zone)
        try:
            query = recurring_ical_events.of(self.calendar)
        except Exception:  # a broken series: find which event it is
            raise self._locate() from None
        out: list[BusyInterval] = []
        count = 0
        steps = _Steps(MAX_STEPS)
        series: Any = None
        try:
            with _time_limit(EXPAND_SECONDS):
                for series in query.series:
                    _lazy_rules(series, steps)
                    for occurrence in series.between(qlo, qhi):
                        count += 1
                        if count > MAX_OCCURRENCES:
                            raise BusyError(
                                f"{self.name}: more than {MAX_OCCURRENCES} busy occurrences between "
                                f"{qlo:%Y-%m-%d} and {qhi:%Y-%m-%d}",
                                "a recurring event repeats too often (every minute?); "
                                "export a shorter period")
                        interval = self._interval(occurrence, zone)
                        if interval is not None:
                            out.append(interval)
        except _TooSlow:
            line = self._line_of(series)
            where = f"{self.name}:{line}" if line else self.name
            raise BusyError(f"{where}: expanding this recurring event takes more than {EXPAND_SECONDS:g} s",
                            "its RRULE may never occur (e.g. BYMONTH=2;BYMONTHDAY=30) or repeat too often"
                            ) from None
        except _TooManySteps:
            line = self._line_of(series)
            where = f"{self.name}:{line}" if line else self.name
            raise BusyError(f"{where}: this recurring event repeats more than {steps.limit} times up to "
                            f"{qhi:%Y-%m-%d}, counting from its DTSTART",
                            "its RRULE repeats too often (every second?) for too long; give it a later "
                            "DTSTART or an UNTIL, or export a shorter period") from None
        except BusyError:
            raise
        except Exception:
            raise self._locate() from None
        return out

    def _line_of(self, series: Any) -> int | None:
        uid = str(getattr(series, "uid", "") or "")
        for meta in self.events:
            if meta.props.get("UID", (0, ""))[1] == uid:
                return meta.at("RRULE")
        return None

    def _interval(self, occurrence: Any, zone: tzinfo) -> BusyInterval | None:
        component = occurrence.as_component(False)
        line = str(component.get(_LINE_PROPERTY, "")) or "?"
        where = f"{self.name}:{line}"
        if str(component.get("STATUS", "")).upper() == "CANCELLED":
            return None
        if str(component.get("TRANSP", "")).upper() == "TRANSPARENT":
            return None
        start = _instant(occurrence.start, zone, where)
        end = _instant(occurrence.end, zone, where) if occurrence.end is not None else start
        if end <= start:
            return None
        who = component.get(PRACTITIONER_PROPERTY)
        owner = _known_practitioner(str(who).strip(), self.practice, where) if who is not None else self.owner
        return BusyInterval(owner, start, end, where)

    def _locate(self) -> BusyError:
        """The event an expansion error comes from: each event is expanded alone until one fails.
        The library's message is not repeated: it may quote the event (patient details)."""
        import icalendar
        import recurring_ical_events

        timezones = list(self.calendar.walk("VTIMEZONE"))
        hint = "check its RRULE, RDATE, EXDATE and RECURRENCE-ID"
        for event, meta in zip(self.calendar.walk("VEVENT"), self.events, strict=False):
            alone = icalendar.Calendar()
            for tz in timezones:
                alone.add_component(tz)
            alone.add_component(event)
            try:
                with _time_limit(1.0):
                    for series in recurring_ical_events.of(alone).series:
                        for _occurrence in series.between(datetime(2000, 1, 1), datetime(2000, 1, 2)):
                            break
            except _TooSlow:
                continue
            except Exception as e:
                return BusyError(f"{self.name}:{meta.at('RRULE')}: this event cannot be expanded "
                                 f"({type(e).__name__})", hint)
        return BusyError(f"{self.name}: the calendar's recurring events cannot be expanded", hint)


def _plain(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text if len(text) <= 160 else text[:157] + "…"


def _instant(value: Any, zone: tzinfo, where: str = "") -> datetime:
    if isinstance(value, date) and not 1900 <= value.year <= 2199:  # the years the engine reasons over
        raise BusyError(f"{where}: a date in year {value.year} is outside the years diaryrules handles "
                        "(1900–2199)", "check the event's dates")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=zone).astimezone(UTC)
    raise BusyError(f"not a date or a date-time: {value!r}")


def parse_busy_ics(text: str, practice: Any, name: str = "<busy.ics>") -> Busy:
    import icalendar

    events = _scan_ics(text, name)
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except Exception as e:  # the library's message may quote the file: only its kind is said
        raise BusyError(f"{name}: not a valid iCalendar file ({type(e).__name__})",
                        "export the diary again as .ics") from None
    if not isinstance(calendar, icalendar.Calendar):
        raise BusyError(f"{name}: not a valid iCalendar file: no VCALENDAR")
    components = list(calendar.walk("VEVENT"))
    if len(components) != len(events):  # the scan and icalendar disagree: trust the scan's positions less
        raise BusyError(f"{name}: not a valid iCalendar file: {len(events)} events written, "
                        f"{len(components)} readable")
    for component, meta in zip(components, events, strict=True):
        _check_event(component, meta, name, practice)
        component.add(_LINE_PROPERTY, str(meta.line))
    owner = _calendar_owner(calendar, practice, name)
    return Busy(name, ics=_Ics(calendar, events, name, practice, owner))


def _check_event(component: Any, meta: _Event, name: str, practice: Any) -> None:
    if "DTSTART" not in component:
        raise BusyError(f"{name}:{meta.line}: this event has no DTSTART", "every event needs a start")
    values: dict[str, Any] = {}
    for prop in _DATE_PROPERTIES:
        if prop not in component:
            continue
        line = meta.at(prop)
        raw = component[prop]
        for item in raw if isinstance(raw, list) else [raw]:
            try:
                value = [d.dt for d in item.dts] if prop in ("EXDATE", "RDATE") else item.dt
            except Exception:
                shown = _shorten(meta.props[prop][1] if prop in meta.props else str(item))
                raise BusyError(f"{name}:{line}: {prop} `{shown}` is not a date or a date-time",
                                "write it as 20261201T100000 (with ;TZID=… or a final Z) or 20261201"
                                ) from None
            params = getattr(item, "params", None)
            tzid = params.get("TZID") if params is not None else None
            first = value[0] if isinstance(value, list) and value else value
            if tzid and isinstance(first, datetime) and first.tzinfo is None:
                raise BusyError(f"{name}:{line}: unknown time zone `{tzid}`",
                                "use an IANA name such as Europe/Paris, or add its VTIMEZONE")
            values.setdefault(prop, value)
    start, end = values.get("DTSTART"), values.get("DTEND")
    if isinstance(start, date) and isinstance(end, date) and type(start) is type(end):
        where = f"{name}:{meta.at('DTSTART')}"
        if _instant(end, practice.zone, where) < _instant(start, practice.zone, where):
            raise BusyError(f"{name}:{meta.at('DTEND')}: this event ends before it starts")
    if "RRULE" in meta.props:
        from dateutil.rrule import rrulestr

        text = meta.props["RRULE"][1]
        interval = re.search(r"(?:^|;)INTERVAL=([^;]*)", text.upper())
        if interval and not (interval.group(1).isdigit() and int(interval.group(1)) >= 1):
            raise BusyError(f"{name}:{meta.at('RRULE')}: RRULE `{_shorten(text)}`: INTERVAL must be 1 "
                            "or more", "INTERVAL=2 is every other time; leave it out for every time")
        try:
            rrulestr(text, dtstart=datetime(2000, 1, 1), ignoretz=True)
        except Exception as e:
            raise BusyError(f"{name}:{meta.at('RRULE')}: RRULE `{_shorten(text)}` cannot be read: "
                            f"{_plain(e)}", "e.g. RRULE:FREQ=WEEKLY;BYDAY=TU;UNTIL=20270630T000000Z"
                            ) from None
    who = component.get(PRACTITIONER_PROPERTY)
    if who is not None:
        _known_practitioner(str(who).strip(), practice, f"{name}:{meta.at(PRACTITIONER_PROPERTY)}")


def _shorten(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "…"


def _calendar_owner(calendar: Any, practice: Any, name: str) -> str | None:
    """Whose busy times a whole calendar holds, or None for everyone's."""
    explicit = calendar.get(PRACTITIONER_PROPERTY)
    if explicit is not None:
        return _known_practitioner(str(explicit).strip(), practice, name)
    calname = calendar.get("X-WR-CALNAME")
    if calname is not None:
        found = _match_practitioner(str(calname), practice.practitioners)
        if found is not None:
            return found
    return _match_practitioner(Path(name).stem, practice.practitioners, by_name=False)


def _match_practitioner(text: str, practitioners: Mapping[str, Any], by_name: bool = True) -> str | None:
    wanted = text.strip().casefold()
    for pid, p in practitioners.items():
        if pid.casefold() == wanted or (by_name and str(p.name).casefold() == wanted):
            return pid
    return None
