"""Stage 5 input — requests: what a caller said, typed and checked against the practice's domains.

A request comes as a JSON object, as `KEY=VALUE` words from the command line, or from a
`tests:` case. Values are checked against their attribute's domain (with a did-you-mean);
`call.*` attributes are derived from the call moment `at`. Patient details are never logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .diagnostics import did_you_mean

MAX_VALUE_CHARS = 200


class RequestError(Exception):
    def __init__(self, key: str | None, message: str, hint: str | None = None, unknown: bool = False) -> None:
        super().__init__(message)
        self.key = key
        self.message = message
        self.hint = hint
        self.unknown = unknown


@dataclass(frozen=True)
class Request:
    values: Mapping[str, Any]  # attribute → typed value (str, int, bool, frozenset, date, minutes)
    at: datetime | None  # aware, in the practice's zone; None while only checking a request's shape
    given: Mapping[str, Any]  # what the caller said, as given (for JSON output and witnesses)

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def known(self, name: str) -> bool:
        return name in self.values


def parse_at(text: str, zone: Any) -> datetime:
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        raise RequestError("at", f"`{text}` is not a date-time",
                           "write it as 2026-12-01T10:00 (local time of the practice)") from None
    if not 1900 <= dt.year <= 2199:  # the years the engine reasons over
        raise RequestError("at", f"`{text}` is outside the years diaryrules handles (1900–2199)")
    if zone is None:
        return dt
    if dt.tzinfo is None:
        return dt.replace(tzinfo=zone)
    return dt.astimezone(zone)


def _bool(key: str, v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, int) and v in (0, 1):  # JSON from other programs often says 1/0
        return bool(v)
    if isinstance(v, str) and v.lower() in ("yes", "true", "oui", "1"):
        return True
    if isinstance(v, str) and v.lower() in ("no", "false", "non", "0"):
        return False
    raise RequestError(key, f"`{key}` is yes or no; got `{_shown(v)}`")


def _shown(v: Any) -> str:
    """A value as the user would have typed it (JSON spelling)."""
    import json

    if isinstance(v, str):
        return v
    if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > 64:
        return "a number too large"
    try:
        return json.dumps(v, ensure_ascii=False)
    except (TypeError, ValueError):  # a Python value JSON has no spelling for (set, bytes …)
        return type(v).__name__


def _check_value(attr: Any, key: str, v: Any) -> Any:
    kind = attr.kind
    if isinstance(v, int) and v.bit_length() > 13_000:  # ≈ 4,000 digits: str() and json refuse 4,300+
        raise RequestError(key, f"the value of `{key}` is a number of more than 4,000 digits")
    if isinstance(v, str) and len(v) > MAX_VALUE_CHARS:
        raise RequestError(key, f"the value of `{key}` is longer than {MAX_VALUE_CHARS} characters")
    if isinstance(v, str) and not v.strip() and kind != "set":
        raise RequestError(key, f"`{key}` is empty", f"give {attr.describe()}, or leave `{key}` out")
    if kind == "enum":
        s = str(v) if not isinstance(v, bool) else ("yes" if v else "no")
        if s not in attr.values:
            near = did_you_mean(s, attr.values)
            shown = ", ".join(attr.values[:20])
            raise RequestError(key, f"`{s}` is not a known {key}: {key} is one of {shown}",
                               f"did you mean `{near}`?" if near else None)
        return s
    if kind == "int":
        if isinstance(v, bool):
            raise RequestError(key, f"`{key}` is a whole number in {attr.lo}..{attr.hi}; got `{_shown(v)}`")
        try:
            n = int(str(v).strip())
        except ValueError:
            raise RequestError(key, f"`{key}` is a whole number in {attr.lo}..{attr.hi}; got `{_shown(v)}`") from None
        if not attr.lo <= n <= attr.hi:
            raise RequestError(key, f"{n} is outside the range of `{key}` ({attr.lo}..{attr.hi})")
        return n
    if kind == "bool":
        return _bool(key, v)
    if kind == "set":
        items = v if isinstance(v, list) else [x for x in str(v).split(",") if x.strip()] if v != "" else []
        out = set()
        for item in items:
            s = _shown(item).strip() if not isinstance(item, str) else item.strip()
            if s not in attr.values:
                near = did_you_mean(s, attr.values)
                raise RequestError(key, f"`{s}` is not a known value of `{key}`: {attr.describe()}",
                                   f"did you mean `{near}`?" if near else None)
            out.add(s)
        return frozenset(out)
    raise RequestError(key, f"`{key}` cannot be given in a request", "give the call moment as `at`")


def build_request(attrs: Mapping[str, Any], given: Mapping[str, Any], at_text: str | None, zone: Any,
                  calendar: Any = None, needed: frozenset[str] | None = None) -> Request:
    """Typed request from what was given. `zone` None only checks the values (rule-file tests).
    `needed`: the attributes the rules test; holiday look-ups are skipped when none tests them."""
    if not isinstance(given, Mapping):
        raise RequestError(None, "a request is an object of attribute → value")
    values: dict[str, Any] = {}
    clean: dict[str, Any] = {}
    for key, raw in given.items():
        key = str(key)
        if key == "at":
            at_text = str(raw)
            continue
        if key.startswith("call."):
            raise RequestError(key, f"`{key}` comes from the call moment", "give `at` instead, e.g. "
                               "at=2026-12-01T10:00", unknown=False)
        if len(key) > MAX_VALUE_CHARS:  # no attribute is named so: neither a did-you-mean nor an echo
            raise RequestError(None, f"an attribute name is longer than {MAX_VALUE_CHARS} characters",
                               unknown=True)
        attr = attrs.get(key)
        if attr is None or attr.kind in ("date", "time"):
            names = [n for n in attrs if not n.startswith("call.")]
            near = did_you_mean(key, names)
            raise RequestError(key, f"unknown attribute `{key}`",
                               f"did you mean `{near}`?" if near else "known: " + ", ".join(sorted(names)),
                               unknown=True)
        if raw is None:
            continue  # null means the caller did not say: unknown
        if isinstance(raw, (dict, list)) and attr.kind != "set":
            raise RequestError(key, f"`{key}` takes a single value: {attr.describe()}")
        values[key] = _check_value(attr, key, raw)
        clean[key] = raw
    for builtin in ("practitioner", "site"):
        values.setdefault(builtin, "none")
    at: datetime | None = None
    if at_text is not None:
        at = parse_at(at_text, zone)
        clean["at"] = at_text
    if zone is not None:
        if at is None:
            at = datetime.now(zone)
        values.update(call_values(at, calendar, "call.school-holiday" in attrs, needed))
    return Request(values, at, clean)


def call_values(at: datetime, calendar: Any, school: bool, needed: frozenset[str] | None = None) -> dict[str, Any]:
    from .model import DAYS

    d: date = at.date()
    out: dict[str, Any] = {
        "call.day": DAYS[d.weekday()],
        "call.time": at.hour * 60 + at.minute,
        "call.date": d,
    }
    if needed is None or "call.holiday" in needed:  # the holiday calendars are slow to load
        # no `holidays:` in the file: no day is a public holiday for it
        out["call.holiday"] = bool(calendar.is_public_holiday(d)) if getattr(calendar, "country", None) else False
    if school and calendar is not None and (needed is None or "call.school-holiday" in needed):
        from .calendar import CalendarError

        try:
            out["call.school-holiday"] = bool(calendar.is_school_holiday(d))
        except CalendarError as e:
            raise RequestError("at", str(e)) from None
    return out


def parse_words(words: list[str]) -> dict[str, Any]:
    """`KEY=VALUE` words from the command line → a request mapping (values stay strings)."""
    out: dict[str, Any] = {}
    for w in words:
        if "=" not in w:
            raise RequestError(None, f"`{w}` is not KEY=VALUE", "e.g. reason=renewal patient=known age=54")
        k, v = w.split("=", 1)
        k = k.strip()
        if not k:
            raise RequestError(None, f"`{w}` has no key before `=`")
        if k in out:
            raise RequestError(k, f"`{k}` is given twice")
        out[k] = v
    return out
