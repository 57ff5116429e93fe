"""Parse + time engine: the parser of hours expressions (text → the AST of `diaryrules.hours`).

A scan for what the grammar cannot explain well (French day names, `8h30`, unsupported
opening_hours features), then Lark's LALR parser on `grammar/hours.lark`, then the value checks
opening_hours.js makes. Kept apart from `hours.py` so that evaluating a practice read from the
compiled cache (`query`, `slots`) loads neither Lark nor these tables; `hours.parse_hours` imports it.

Errors are `ExprError`s with the offset of the offending character, in plain words.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Iterable
from dataclasses import dataclass

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from diaryrules.diagnostics import ExprError, did_you_mean
from diaryrules.hours import (
    _FIRST_YEAR,
    _LAST_YEAR,
    _MONTH_LENGTH,
    DAY_MINUTES,
    MONTHS,
    WEEKDAYS,
    DateItem,
    DateRange,
    DayItem,
    Holiday,
    HoursExpr,
    MonthDays,
    MonthRange,
    NthWeekday,
    Rule,
    RuleState,
    TimeSpan,
    WeekdayRange,
    WeekRange,
    YearRange,
    _clamp_date,
    _end_date,
    _is_leap,
)

# --------------------------------------------------------------------------------------------------
# Parsing: a scan for what the grammar cannot explain well, then Lark, then value checks.


@functools.cache
def _parser() -> Lark:
    from diaryrules.parse import cached_lark  # the serialised tables load faster than they build

    grammar = (importlib.resources.files("diaryrules.grammar") / "hours.lark").read_text(encoding="utf-8")
    return cached_lark("hours", lambda: Lark(grammar, parser="lalr", propagate_positions=True))


_KNOWN_WORDS = frozenset((*WEEKDAYS, *MONTHS, "PH", "SH", "week", "open", "off", "closed"))
_UNSUPPORTED_WORDS = {
    "sunrise": "variable times (sunrise, sunset, dawn, dusk)",
    "sunset": "variable times (sunrise, sunset, dawn, dusk)",
    "dawn": "variable times (sunrise, sunset, dawn, dusk)",
    "dusk": "variable times (sunrise, sunset, dawn, dusk)",
    "easter": "`easter` and dates computed from it",
    "unknown": "the `unknown` state",
    "day": "day offsets like `PH +1 day`",
    "days": "day offsets like `PH +1 day`",
}
# Words people write for weekdays, months and states, in French and English.
_WORD_HINTS = {
    **{w: "Mo" for w in ("lundi", "lun", "monday", "mon")},
    **{w: "Tu" for w in ("mardi", "mar", "tuesday", "tue", "tues")},
    **{w: "We" for w in ("mercredi", "mer", "wednesday", "wed")},
    **{w: "Th" for w in ("jeudi", "jeu", "thursday", "thu", "thur", "thurs")},
    **{w: "Fr" for w in ("vendredi", "ven", "friday", "fri")},
    **{w: "Sa" for w in ("samedi", "sam", "saturday", "sat")},
    **{w: "Su" for w in ("dimanche", "dim", "sunday", "sun")},
    **{w: "Jan" for w in ("janvier", "janv", "january")},
    **{w: "Feb" for w in ("février", "fevrier", "févr", "fevr", "fév", "fev", "february")},
    **{w: "Mar" for w in ("mars", "march")},
    **{w: "Apr" for w in ("avril", "avr", "april")},
    **{w: "May" for w in ("mai",)},
    **{w: "Jun" for w in ("juin", "june")},
    **{w: "Jul" for w in ("juillet", "juil", "july")},
    **{w: "Aug" for w in ("août", "aout", "august")},
    **{w: "Sep" for w in ("septembre", "sept", "september")},
    **{w: "Oct" for w in ("octobre", "october")},
    **{w: "Nov" for w in ("novembre", "november")},
    **{w: "Dec" for w in ("décembre", "decembre", "déc", "december")},
    **{w: "off" for w in ("fermé", "ferme", "fermée", "fermee")},
    **{w: "open" for w in ("ouvert", "ouverte")},
    **{w: "PH" for w in ("férié", "ferie", "fériés", "feries", "holiday", "holidays")},
    **{w: "SH" for w in ("vacances",)},
    **{w: "week" for w in ("semaine", "sem", "wk")},
}
_CHAR_MESSAGES = {
    "+": ("not supported in diaryrules: open ends and open-ended years with `+`", "give an end, e.g. 18:00-20:00"),
    "|": ("not supported in diaryrules: fallback rules with `||`", "separate rules with `;`"),
    "(": ("not supported in diaryrules: variable times like (sunrise+01:00)", "write fixed times like 08:30"),
    ")": ("not supported in diaryrules: variable times like (sunrise+01:00)", "write fixed times like 08:30"),
    ":": ("`:` is only used inside times like 08:30", "remove the `:` after the selector"),
    "'": ("comments are written in double quotes", 'write "comment"'),
    "–": ("`–` is not a dash", "write `-`"),
    "—": ("`—` is not a dash", "write `-`"),
    ".": ("`.` is not used in hours expressions", None),
}
_SCAN = re.compile(
    r'(?P<comment>"[^"]*"?)|(?P<word>[^\W\d_]+)|(?P<num>\d+(?:[:.hH]\d*)*)|(?P<space>\s+)|(?P<other>.)',
    re.DOTALL,
)
_TIMEISH = re.compile(r"(\d{1,2})(?:[hH:.](\d{1,2})?)?[hH]?")
_STRICT_TIME = re.compile(r"\d\d:\d\d")


def _as_time(text: str) -> str | None:
    """`8h` -> 08:00, `8h30`/`8:30`/`8.30` -> 08:30; None when it is not a plausible time."""
    m = _TIMEISH.fullmatch(text)
    if not m:
        return None
    hours, minutes = int(m.group(1)), int(m.group(2) or 0)
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        return None
    return f"{hours:02d}:{minutes:02d}"


def _time_hint(text: str, offset: int) -> str:
    """For a bad time at `offset`, the whole span written right, when the span can be read."""
    m = re.compile(r"(\d+(?:[:.hH]\d*)*)\s*-\s*(\d+(?:[:.hH]\d*)*)").match(text, offset)
    if m:
        start, end = _as_time(m.group(1)), _as_time(m.group(2))
        if start and end:
            return f"write {start}-{end}"
    single = re.compile(r"\d+(?:[:.hH]\d*)*").match(text, offset)
    fixed = _as_time(single.group(0)) if single else None
    return f"write {fixed}" if fixed else "write times as HH:MM, e.g. 08:30"


def _scan(text: str) -> None:
    """Reject, with a precise message, what the grammar would only call "unexpected"."""
    for m in _SCAN.finditer(text):
        kind, chunk, at = m.lastgroup, m.group(0), m.start()
        if kind == "comment":
            if len(chunk) < 2 or not chunk.endswith('"'):
                raise ExprError("this comment is not closed", at, hint='end it with `"`', length=len(chunk))
            if chunk == '""':
                raise ExprError("empty comment", at, hint="write some text between the quotes or remove them",
                                length=2)
        elif kind == "word":
            _check_word(chunk, at)
        elif kind == "num":
            _check_number(chunk, at, text)
        elif kind == "space" and chunk.strip(" \t"):
            odd = next(i for i, c in enumerate(chunk) if c not in " \t")
            raise ExprError("unexpected invisible character (a non-breaking space?)", at + odd,
                            hint="retype the spaces")
        elif kind == "other" and chunk not in "-,;[]/":
            message, hint = _CHAR_MESSAGES.get(chunk, (f"unexpected character `{chunk}`", None))
            if chunk == "+" and re.compile(r"\+\s*\d+\s*days?\b").match(text, at):
                message, hint = f"not supported in diaryrules: {_UNSUPPORTED_WORDS['day']}", None
            if chunk == "|" and text.startswith("||", at):
                raise ExprError(message, at, hint=hint, length=2)
            raise ExprError(message, at, hint=hint)


def _check_word(word: str, at: int) -> None:
    if word in _KNOWN_WORDS:
        return
    lower = word.lower()
    if lower in _UNSUPPORTED_WORDS:
        raise ExprError(f"not supported in diaryrules: {_UNSUPPORTED_WORDS[lower]}", at, length=len(word))
    if lower in {"am", "pm"}:
        raise ExprError("`am`/`pm` times are not supported", at, hint="write 24-hour times like 14:00",
                        length=len(word))
    for known in _KNOWN_WORDS:
        if known.lower() == lower:
            raise ExprError(f"`{word}` is written `{known}`", at, hint=f"write {known}", length=len(word))
    if lower in _WORD_HINTS:
        code = _WORD_HINTS[lower]
        raise ExprError(f"`{word}` is not a word of hours expressions", at, hint=f"write {code}",
                        length=len(word))
    near = did_you_mean(word, _KNOWN_WORDS)
    raise ExprError(f"unknown word `{word}`", at, hint=f"did you mean {near}?" if near else
                    "use weekdays (Mo-Su), months (Jan-Dec), PH, SH, week, off", length=len(word))


def _check_number(chunk: str, at: int, text: str) -> None:
    if chunk.isdigit():
        return  # days, weeks and years: the grammar and the value checks handle them
    if ":" in chunk and "." not in chunk and "h" not in chunk.lower() and _STRICT_TIME.fullmatch(chunk):
        hours, minutes = int(chunk[:2]), int(chunk[3:])
        if minutes > 59:
            raise ExprError(f"`{chunk}` is not a time: minutes go from 00 to 59", at, length=len(chunk))
        if hours > 24 or (hours == 24 and minutes):
            raise ExprError(f"`{chunk}` is not a time: hours go from 00 to 24 (24:00 only as an end)", at,
                            hint="a span past midnight is written 22:00-02:00", length=len(chunk))
        return
    fixed = _as_time(chunk)
    message = f"`{chunk}` is not a time: write {fixed}" if fixed else f"`{chunk}` is not a time"
    raise ExprError(message, at, hint=_time_hint(text, at), length=len(chunk))


_EXPECTED_NAMES = (
    ("TIME", "a time like 08:30"),
    ("WEEKDAY", "a weekday like Mo"),
    ("HOLIDAY", "PH or SH"),
    ("MONTH", "a month like Jan"),
    ("INT", "a number"),
    ("YEAR", "a year like 2027"),
    ("WEEK", "`week`"),
    ("DASH", "`-`"),
    ("RSQB", "`]`"),
    ("STATE", "`off`"),
    ("COMMENT", 'a "comment"'),
    ("ALWAYS", "`24/7`"),
    ("SEMI", "`;`"),
)


def _expected_words(expected: Iterable[str]) -> str:
    names = [label for name, label in _EXPECTED_NAMES if name in set(expected)]
    if not names:
        return "something else"
    names = names[:4]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _previous_chunk(text: str, offset: int) -> str | None:
    m = re.search(r"\S+$", text[:offset].rstrip())
    return m.group(0) if m else None


def _syntax_error(text: str, err: UnexpectedInput) -> ExprError:
    expected: set[str]
    kind = ""
    if isinstance(err, UnexpectedToken):
        expected, kind = set(err.expected), err.token.type
        end = err.token.type == "$END" or err.token.start_pos is None
        offset = len(text) if end else int(err.token.start_pos or 0)
        found = "" if end else str(err.token)
    elif isinstance(err, UnexpectedCharacters):
        expected, offset = set(err.allowed or ()), int(err.pos_in_stream or 0)
        found = text[offset] if offset < len(text) else ""
    elif isinstance(err, UnexpectedEOF):
        expected, offset, found = set(err.expected), len(text), ""
    else:  # Lark raises only the three above with LALR; keep a plain message for anything else
        return ExprError("this hours expression cannot be read", 0)
    before = _previous_chunk(text, offset)
    after = f" after `{before}`" if before else ""
    wanted = _expected_words(expected)
    if not found:
        hint = "remove the `;` at the end" if text.rstrip().endswith(";") else None
        return ExprError(f"the expression ends too early: expected {wanted}{after}", max(0, len(text) - 1),
                         hint=hint)
    if found[:1].isdigit() and len(found) == 4 and "YEAR" not in expected:
        return ExprError(f"expected {wanted}{after}, not `{found}`", offset,
                         hint="a year comes first in a rule: 2026 Dec 24", length=4)
    if found == "/":
        return ExprError("not supported in diaryrules: a step `/` here (only week and year ranges take one)",
                         offset, hint="week 01-53/2, 2026-2030/2")
    if "TIME" in expected and found[:1].isdigit():
        # Mo-Fr 9-17: hours without minutes.
        return ExprError(f"`{found}` is not a time: write {_as_time(found) or 'HH:MM'}", offset,
                         hint=_time_hint(text, offset), length=len(found))
    hint = None
    if kind in ("WEEKDAY", "HOLIDAY") and "TIME" in expected:
        hint = "list weekdays and holidays with `,` (Mo,We,PH); `PH Mo-Fr` means a public holiday on Mo-Fr"
    elif kind in ("MONTH", "YEAR", "WEEK") and "TIME" in expected:
        hint = "selectors come in this order: year, months and dates, week, weekdays"
    elif kind in ("WEEKDAY", "HOLIDAY", "MONTH", "YEAR", "WEEK", "TIME") and "SEMI" in expected:
        hint = "separate rules with `;`"
    elif found == "," and "COMMA" not in expected:
        hint = "only a rule ending with times, `off` or a comment can be followed by `,`; separate rules with `;`"
    return ExprError(f"expected {wanted}{after}, not `{found}`", offset, hint=hint, length=len(found))


def parse_hours(text: str) -> HoursExpr:
    """Parse an hours expression; raises ExprError (with the offset of the problem) when it is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ExprError("empty hours expression", 0, hint="write e.g. Mo-Fr 08:30-12:30,14:00-19:00")
    if "\n" in text or "\r" in text:
        at = min(i for i in (text.find("\n"), text.find("\r")) if i >= 0)
        raise ExprError("an hours expression is written on one line", at, hint="separate rules with `;`")
    _scan(text)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as err:
        raise _syntax_error(text, err) from None
    rules = _Builder(text).build(tree)
    return HoursExpr(source=text, rules=rules)


# --------------------------------------------------------------------------------------------------
# Tree -> AST, with the value checks opening_hours.js makes (and a few it does not make).


def _tokens(tree: Tree[Token]) -> list[Token]:
    return [c for c in tree.children if isinstance(c, Token)]


def _trees(tree: Tree[Token], name: str | None = None) -> list[Tree[Token]]:
    return [c for c in tree.children if isinstance(c, Tree) and (name is None or c.data == name)]


def _start(node: Tree[Token] | Token) -> int:
    if isinstance(node, Token):
        return node.start_pos or 0
    return node.meta.start_pos


def _end(node: Tree[Token] | Token) -> int:
    if isinstance(node, Token):
        return node.end_pos or 0
    return node.meta.end_pos


@dataclass
class _Sel:
    years: tuple[YearRange, ...] = ()
    dates: tuple[DateItem, ...] = ()
    weeks: tuple[WeekRange, ...] = ()
    holiday: Holiday | None = None
    days: tuple[DayItem, ...] = ()


def _starts_with_nth(day_list: Tree[Token]) -> bool:
    first = _trees(_trees(day_list)[0])
    return bool(first) and first[0].data == "weekday_item" and any(
        t.type == "LSQB" for t in _tokens(first[0]))


def _check_list_order(tree: Tree[Token], nth_follows: bool) -> None:
    """Refuse the lists of months and dates that opening_hours.js silently reads as two selectors that
    must both hold (`Dec 24,Jan,Feb 03` matches no day there).

    opening_hours.js parses a list with two routines, one for months and one for dates, that hand the
    list to each other and file the items into one of two selector groups depending on which routine
    started; this replays that filing.
    """
    items = [_trees(w)[0] for w in _trees(tree)]
    if len(items) < 2:
        return
    in_dates = items[0].data != "month_item"
    flipped = False
    targets: list[str] = []
    for position, item in enumerate(items):
        is_month = item.data == "month_item"
        # A single month right before `Tu[1]` is first read as a date (`Nov Tu[1]`), then as a month.
        nth_month = is_month and nth_follows and position == len(items) - 1 and len(_tokens(item)) == 1
        if in_dates and not is_month:
            targets.append("month" if flipped else "day")
        elif in_dates:
            targets.append("month" if nth_month else "day")
            in_dates, flipped = False, not nth_month
        elif is_month:
            targets.append("day" if flipped else "month")
        else:
            targets.append("month")
            in_dates, flipped = True, True
        if targets[-1] != targets[0]:
            hint = ("put the months first (Nov,Feb 01 Tu[1]) or write two rules" if nth_month else
                    "write the dates first and the months after them (Dec 24,Feb 03,Jan), or write two rules")
            raise ExprError("this list mixes months and dates in an order opening_hours.js reads as "
                            "two conditions that must both hold", _start(item), hint=hint,
                            length=_end(item) - _start(item))


class _Builder:
    def __init__(self, text: str) -> None:
        self.text = text
        self.rules: list[Rule] = []

    def build(self, tree: Tree[Token]) -> tuple[Rule, ...]:
        for group in _trees(tree, "group"):
            for position, node in enumerate(_trees(group)):
                closed = node if node.data == "closed_rule" else None
                if node.data == "rule":
                    inner = _trees(node, "closed_rule")
                    closed = inner[0] if inner else None
                self._rule(node, closed, additional=position > 0)
        return tuple(self.rules)

    def _rule(self, node: Tree[Token], closed: Tree[Token] | None, additional: bool) -> None:
        body = closed if closed is not None else node
        sel_trees = _trees(body, "selectors")
        sel = self._selectors(sel_trees[0]) if sel_trees else _Sel()
        times: tuple[TimeSpan, ...] = ()
        state: RuleState = "open"
        comment: str | None = None
        explicit_state = False
        for child in body.children:
            if isinstance(child, Token) and child.type == "ALWAYS":
                times = (TimeSpan(0, DAY_MINUTES, _start(child)),)
            elif isinstance(child, Tree) and child.data == "time_list":
                times = tuple(self._time_span(t) for t in _trees(child, "time_span"))
            elif isinstance(child, Tree) and child.data == "state":
                word = str(_tokens(child)[0])
                state = "open" if word == "open" else "closed"
                explicit_state = True
            elif isinstance(child, Tree) and child.data == "comment":
                comment = str(_tokens(child)[0])[1:-1]
        if comment is not None and not explicit_state:
            state = "unknown"  # opening_hours.js: a comment without a state leaves the state unknown
        self.rules.append(Rule(
            index=len(self.rules), offset=_start(node), end_offset=_end(node), years=sel.years,
            dates=sel.dates, weeks=sel.weeks, holiday=sel.holiday, days=sel.days, times=times,
            state=state, comment=comment, additional=additional,
        ))

    # -- selectors ----------------------------------------------------------------------------------

    def _selectors(self, tree: Tree[Token]) -> _Sel:
        sel = _Sel()
        year_trees = _trees(tree, "year_list")
        date_trees = _trees(tree, "date_list")
        years = [self._year_item(t) for t in _trees(year_trees[0], "year_item")] if year_trees else []
        dates: list[DateItem] = []
        if date_trees:
            bind = None
            # `2026 Dec 24`: a lone year right before the first date belongs to that date only, as in
            # opening_hours.js (`2026 Dec 24,Jan 02` is Dec 24 2026 and every Jan 2).
            first = _trees(_trees(date_trees[0], "first_date")[0])[0]
            year_items = _trees(year_trees[0], "year_item") if year_trees else []
            if (len(year_items) == 1 and len(_tokens(year_items[0])) == 1
                    and first.data in ("monthday_item", "date_range")):
                bind = years[0]
                years = []
            day_trees = _trees(tree, "day_sel")
            nth_follows = (not _trees(tree, "week_sel") and bool(day_trees)
                           and _starts_with_nth(_trees(day_trees[0], "day_list")[0]))
            dates = self._date_list(date_trees[0], bind)
            _check_list_order(date_trees[0], nth_follows)
        sel.years = tuple(years)
        sel.dates = tuple(dates)
        week_trees = _trees(tree, "week_sel")
        if week_trees:
            sel.weeks = tuple(self._week_item(t) for t in _trees(week_trees[0], "week_item"))
        for day_tree in _trees(tree, "day_sel") + _trees(tree, "holiday_and_days"):
            if day_tree.data == "holiday_and_days":
                sel.holiday = self._holiday(_tokens(day_tree)[0])
                sel.days = self._day_list(_trees(day_tree, "weekday_first_list")[0])
            else:
                sel.days = self._day_list(_trees(day_tree, "day_list")[0])
        return sel

    def _int(self, token: Token, what: str, low: int, high: int) -> int:
        value = int(str(token))
        if not low <= value <= high:
            raise ExprError(f"`{token}` is not a {what}: use {low:02d} to {high:02d}", _start(token),
                            length=len(str(token)))
        return value

    def _year(self, token: Token) -> int:
        value = int(str(token))
        if not _FIRST_YEAR <= value <= _LAST_YEAR:
            raise ExprError(f"`{token}` is not a year diaryrules accepts ({_FIRST_YEAR}-{_LAST_YEAR})",
                            _start(token), length=len(str(token)))
        return value

    def _year_item(self, tree: Tree[Token]) -> YearRange:
        toks = _tokens(tree)
        first = self._year(toks[0])
        if len(toks) == 1:
            return YearRange(first, first, 1, _start(tree))
        last = self._year(toks[2])
        if last <= first:
            raise ExprError(f"the year range `{first}-{last}` must go forward",
                            _start(toks[0]), hint=f"write {first}" if last == first else f"write {last}-{first}",
                            length=_end(toks[2]) - _start(toks[0]))
        step = 1
        if len(toks) == 5:
            step = int(str(toks[4]))
            if step < 1:
                raise ExprError("a year step must be at least 1", _start(toks[4]), length=len(str(toks[4])))
        return YearRange(first, last, step, _start(tree))

    def _month(self, token: Token) -> int:
        return MONTHS.index(str(token)) + 1

    def _day(self, month: int, token: Token, year: int | None) -> int:
        day = int(str(token))
        at = _start(token)
        if not 1 <= day <= 31:
            raise ExprError(f"`{token}` is not a day of the month", at, length=len(str(token)))
        if day > _MONTH_LENGTH[month - 1]:
            raise ExprError(f"`{MONTHS[month - 1]} {day}` does not exist", at, length=len(str(token)))
        if year is not None and month == 2 and day == 29 and not _is_leap(year):
            raise ExprError(f"{year} has no Feb 29", at, length=len(str(token)))
        return day

    def _date_list(self, tree: Tree[Token], bind: YearRange | None) -> list[DateItem]:
        out: list[DateItem] = []
        previous_is_month = False
        for position, wrapper in enumerate(_trees(tree)):
            item = _trees(wrapper)[0]
            kind = item.data
            if kind in ("dated_monthday", "dated_range") and previous_is_month:
                # opening_hours.js reads a year after a month list as a syntax error.
                raise ExprError("a date with a year cannot follow a month in a list", _start(item),
                                hint="start a new rule with `;`", length=4)
            year = bind.first if (position == 0 and bind is not None) else None
            if kind == "month_item":
                toks = _tokens(item)
                first = self._month(toks[0])
                last = self._month(toks[2]) if len(toks) == 3 else first
                out.append(MonthRange(first, last, _start(item)))
            elif kind in ("monthday_item", "dated_monthday"):
                toks = _tokens(item)
                if kind == "dated_monthday":
                    year = self._year(toks[0])
                    month_token = toks[1]
                else:
                    month_token = toks[0]
                month = self._month(month_token)
                spans = _trees(_trees(item, "day_spans")[0], "day_span")
                if year is not None and len(spans) > 1:
                    # opening_hours.js cannot read `2026 Dec 24,26`; and is the 26th in 2026 or every year?
                    name = MONTHS[month - 1]
                    raise ExprError("a year applies to one day or one range of days", _start(spans[1]),
                                    hint=f"repeat the date: {year} {name} {_tokens(spans[0])[0]},"
                                         f"{year} {name} {_tokens(spans[1])[0]}",
                                    length=_end(spans[-1]) - _start(spans[1]))
                for span in spans:
                    out.append(self._day_span(span, month, year, _start(item)))
            else:
                out.append(self._date_range(item, year))
            previous_is_month = kind == "month_item"
        return out

    def _day_span(self, span: Tree[Token], month: int, year: int | None, offset: int) -> MonthDays:
        toks = _tokens(span)
        first = self._day(month, toks[0], year)
        last = self._day(month, toks[2], year) if len(toks) == 3 else first
        if last < first:
            name = MONTHS[month - 1]
            raise ExprError(f"the day range `{name} {first}-{last}` must go forward", _start(toks[0]),
                            hint=f"write {name} {last:02d}-{first:02d}", length=_end(toks[2]) - _start(toks[0]))
        return MonthDays(year, month, first, last, offset)

    def _date_range(self, item: Tree[Token], bound_year: int | None) -> DateRange:
        toks = _tokens(item)
        if item.data == "dated_range":
            start_year: int | None = self._year(toks[0])
            toks = toks[1:]
        else:
            start_year = bound_year
        start_month = self._month(toks[0])
        start_day = self._day(start_month, toks[1], start_year)
        rest = toks[3:]  # after the dash
        end_year: int | None = None
        if rest[0].type == "YEAR":
            end_year = self._year(rest[0])
            rest = rest[1:]
        end_month = self._month(rest[0])
        end_day = self._day(end_month, rest[1], end_year)
        if (start_year is None) != (end_year is None):
            example = "2026 Dec 24-2027 Jan 02"
            raise ExprError("a date range with a year needs the year on both ends", _start(item),
                            hint=f"write e.g. {example}", length=_end(item) - _start(item))
        if start_year is not None and end_year is not None and \
                (end_year, end_month, end_day) < (start_year, start_month, start_day):
            raise ExprError("this date range ends before it starts", _start(item),
                            length=_end(item) - _start(item))
        if start_year is None and any(
                _clamp_date(y, start_month, start_day) == _end_date(y, end_month, end_day) for y in (2027, 2028)):
            # `Jan 02-Jan 01` wraps around to cover every day; opening_hours.js then matches no day at all.
            raise ExprError("this date range covers the whole year", _start(item),
                            hint=f"remove it, or check the order: {MONTHS[end_month - 1]} {end_day:02d}-"
                                 f"{MONTHS[start_month - 1]} {start_day:02d}", length=_end(item) - _start(item))
        return DateRange(start_year, start_month, start_day, end_year, end_month, end_day, _start(item))

    def _week_item(self, tree: Tree[Token]) -> WeekRange:
        toks = _tokens(tree)
        first = self._int(toks[0], "week number", 1, 53)
        if len(toks) == 1:
            return WeekRange(first, first, 1, _start(tree))
        last = self._int(toks[2], "week number", 1, 53)
        if last < first:
            raise ExprError(f"the week range `{toks[0]}-{toks[2]}` must go forward", _start(toks[0]),
                            length=_end(toks[2]) - _start(toks[0]))
        step = 1
        if len(toks) == 5:
            step = int(str(toks[4]))
            if not 2 <= step <= 26:
                raise ExprError("a week step goes from 2 to 26", _start(toks[4]), length=len(str(toks[4])))
        return WeekRange(first, last, step, _start(tree))

    def _holiday(self, token: Token) -> Holiday:
        return Holiday("PH" if str(token) == "PH" else "SH", _start(token))

    def _day_list(self, tree: Tree[Token]) -> tuple[DayItem, ...]:
        out: list[DayItem] = []
        for child in _trees(tree):
            item = child if child.data == "weekday_item" else None
            if child.data == "day_item":
                inner = _trees(child, "weekday_item")
                if not inner:
                    out.append(self._holiday(_tokens(child)[0]))
                    continue
                item = inner[0]
            assert item is not None  # day_item or weekday_item, by the grammar
            out.extend(self._weekday_item(item))
        return tuple(out)

    def _weekday_item(self, tree: Tree[Token]) -> list[DayItem]:
        toks = _tokens(tree)
        first = WEEKDAYS.index(str(toks[0]))
        if len(toks) == 1:
            return [WeekdayRange(first, first, _start(tree))]
        if toks[1].type == "DASH":
            return [WeekdayRange(first, WEEKDAYS.index(str(toks[2])), _start(tree))]
        out: list[DayItem] = []
        for nth in _trees(tree, "nth"):
            nt = _tokens(nth)
            if nt[0].type == "DASH":
                numbers = [-self._nth(nt[1])]
            elif len(nt) == 1:
                numbers = [self._nth(nt[0])]
            else:
                low, high = self._nth(nt[0]), self._nth(nt[2])
                if high < low:
                    raise ExprError(f"the range `{nt[0]}-{nt[2]}` must go forward", _start(nt[0]),
                                    length=_end(nt[2]) - _start(nt[0]))
                numbers = list(range(low, high + 1))
            out.extend(NthWeekday(first, n, _start(tree)) for n in numbers)
        return out

    def _nth(self, token: Token) -> int:
        value = int(str(token))
        if not 1 <= value <= 5:
            raise ExprError(f"`{token}` is not a week of the month: use 1 to 5, or -1 to -5 from the end",
                            _start(token), hint="Mo[1] is the first Monday, Fr[-1] the last Friday",
                            length=len(str(token)))
        return value

    def _time_span(self, tree: Tree[Token]) -> TimeSpan:
        toks = _tokens(tree)
        start, end = self._minutes(toks[0]), self._minutes(toks[2])
        if start == DAY_MINUTES:
            raise ExprError("a span cannot start at 24:00", _start(toks[0]), hint="write 00:00", length=5)
        if start == end:
            raise ExprError(f"the span `{toks[0]}-{toks[2]}` starts and ends at the same time", _start(toks[0]),
                            hint="for a whole day write 00:00-24:00", length=_end(toks[2]) - _start(toks[0]))
        return TimeSpan(start, end, _start(tree))

    def _minutes(self, token: Token) -> int:
        text = str(token)
        if not _STRICT_TIME.fullmatch(text):  # the scan already rejected these; keep the check local
            raise ExprError(f"`{text}` is not a time", _start(token), hint=_time_hint(self.text, _start(token)),
                            length=len(text))
        return int(text[:2]) * 60 + int(text[3:])
