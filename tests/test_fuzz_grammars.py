"""Grammar-driven fuzzing of every expression parser: conditions, outcomes, durations, dates/spans, hours.

Acceptance (issue "Hostile and broken input"): strings generated from each Lark grammar with
`hypothesis.extra.lark.from_lark` — the grammar objects our parsers use, `diaryrules.parse.parser(name)`
and `diaryrules.hours._parser()` — plus mutations of those strings (insert / delete / swap / replace
characters, with confusables, control characters, quotes, brackets …) never give a traceback or a
hang: every outcome is a value or an `ExprError` with a plain message and an offset inside the string.

Each test runs 5,000 derandomized examples (fixed seeds, no example database) and checks, on every
example:
  * the generated string, then each mutation of it, through the public parser: a value or ExprError;
  * an ExprError's offset lies inside the string (0..len) and its message is one line of text;
  * the grammar and our parser agree: what Lark accepts, we accept, unless a value or limit check
    refuses it with an ExprError (a date that does not exist, `1h75`, more than 50 nested `(` …);
  * conditions and outcomes survive a round trip: printing the AST and parsing it again gives the
    same AST (positions aside);
  * a parsed hours expression can be evaluated on a few tricky days (leap day, ISO week 53, DST).
Generation uses two flavours per grammar: the raw `from_lark` strategy (terminals drawn from the
grammar's own regular expressions, whitespace only now and then), and a "tuned" one whose
keywords are padded with spaces and whose names, numbers and times are mostly realistic, so that
most strings parse and the later stages are reached.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark
from lark.exceptions import LarkError

from diaryrules import hours as hours_mod
from diaryrules.diagnostics import ExprError, Span
from diaryrules.hours import HoursExpr, parse_hours
from diaryrules.parse import (
    MAX_DEPTH,
    MAX_EXPR_CHARS,
    parse_condition,
    parse_date,
    parse_duration,
    parse_outcome,
    parse_span,
    parse_time,
    parser,
)
from diaryrules.syntax import And, Always, Cond, Not, Or, Outcome
from diaryrules.syntax import Test as CondTest

EXAMPLES = int(__import__("os").environ.get("FUZZ_N", "5000"))


def fuzz_settings(n: int = EXAMPLES) -> Any:
    return settings(max_examples=n, derandomize=True, deadline=None, database=None, print_blob=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much, HealthCheck.large_base_example])


def locate(offset: int, length: int) -> Span:
    return Span("expr", 1, offset + 1, 1, offset + max(1, length) + 1)


# -- the grammars, as our parsers load them --------------------------------------------------------

@functools.cache
def grammar_of(name: str) -> Lark:
    """The Lark object our parser uses for `name`; when it came from the serialised-parser cache
    (which keeps the tables, not the grammar that `from_lark` reads), the same grammar file is
    compiled again with the same options and checked to have the very same terminals."""
    used = hours_mod._parser() if name == "hours" else parser(name)
    if hasattr(used, "grammar"):
        return used
    fresh = Lark.open_from_package("diaryrules.grammar", f"{name}.lark", ("",), parser="lalr",
                                   propagate_positions=True, maybe_placeholders=False)
    assert sorted((t.name, t.pattern.value) for t in fresh.terminals) == \
        sorted((t.name, t.pattern.value) for t in used.terminals)
    return fresh


def keyword_padding(lark: Lark) -> dict[str, st.SearchStrategy[str]]:
    """Keywords (`is`, `and`, `book`, `within` …) surrounded by spaces, so that neighbouring names
    do not glue onto them."""
    out: dict[str, st.SearchStrategy[str]] = {}
    for t in lark.terminals:
        value = t.pattern.value
        if type(t.pattern).__name__ == "PatternStr" and value.isalpha():
            out[t.name] = st.sampled_from([f" {value} ", f"  {value}\t", f" {value} "])
    return out


def grammar_terminal(lark: Lark, name: str) -> st.SearchStrategy[str]:
    pattern = next(t.pattern.to_regexp() for t in lark.terminals if t.name == name)
    return st.from_regex(pattern, fullmatch=True)


KEYWORDS = {"or", "and", "not", "always", "is", "in", "has", "any", "all", "none", "book", "by", "validate",
            "within", "callback", "redirect", "refuse", "transfer", "else", "with", "at", "notice",
            "duration"}
NAMES = ["reason", "patient", "age", "pregnant", "symptoms", "urgency", "practitioner", "site", "call.day",
         "call.time", "call.date", "call.holiday", "call.school-holiday", "consultation", "renewal",
         "first-visit", "known", "new", "martin", "nguyen", "chest_pain", "emergency", "centre", "_x",
         "a-b-c", "Mo", "yes", "no", "x" * 60]


def names(lark: Lark) -> st.SearchStrategy[str]:
    raw = grammar_terminal(lark, "NAME").filter(lambda s: s not in KEYWORDS)
    return st.one_of(st.sampled_from(NAMES), raw).map(lambda s: f" {s} ")


def small_ints() -> st.SearchStrategy[str]:
    return st.one_of(st.integers(0, 200).map(str), st.integers(0, 10**30).map(str), st.just("0" * 12))


def dates() -> st.SearchStrategy[str]:
    return st.one_of(st.dates(date(1900, 1, 1), date(2100, 12, 31)).map(date.isoformat),
                     st.sampled_from(["9999-12-31", "0001-01-01", "2026-02-29", "2028-02-29", "2026-13-01",
                                      "2026-00-10", "0000-00-00"]))


def times() -> st.SearchStrategy[str]:
    return st.one_of(st.tuples(st.integers(0, 24), st.integers(0, 59)).map(lambda t: f"{t[0]:02d}:{t[1]:02d}"),
                     st.sampled_from(["24:00", "24:01", "25:00", "7:30", "99:99", "00:60"]))


def durations() -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(st.integers(0, 600), st.sampled_from(["min", "h", "d", "w"])).map(lambda t: f"{t[0]}{t[1]}"),
        st.tuples(st.integers(0, 30), st.integers(0, 99)).map(lambda t: f"{t[0]}h{t[1]:02d}"),
        st.sampled_from(["0min", "401d", "400d", "58w", "9600h", "1h60", "99999999999999999999d"]))


def messages() -> st.SearchStrategy[str]:
    text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20)
    return text.map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"')


def tuned(name: str) -> st.SearchStrategy[str]:
    lark = grammar_of(name)
    if name == "condition":
        explicit = {**keyword_padding(lark), "NAME": names(lark), "INT": small_ints(), "DATE": dates(),
                    "TIME": times()}
    elif name == "outcome":
        explicit = {**keyword_padding(lark), "NAME": names(lark), "DURATION": durations().map(lambda s: f" {s} "),
                    "STRING": messages(), "__ANON_0": st.just(" duration ")}
    elif name == "when":
        explicit = {"DATE": dates().map(lambda s: f" {s} "), "TIME": times()}
    elif name == "duration":
        explicit = {"DURATION": durations()}
    else:
        explicit = {
            "TIME": st.one_of(times(), grammar_terminal(lark, "TIME")),
            "YEAR": st.one_of(st.integers(2024, 2030).map(str), st.sampled_from(["1900", "2100", "9999"])),
            "INT": st.one_of(st.integers(0, 60).map(lambda n: f"{n:02d}"), st.integers(0, 10**6).map(str)),
            "WEEKDAY": st.sampled_from(["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]).map(lambda s: f" {s}"),
            "MONTH": st.sampled_from(hours_mod.MONTHS).map(lambda s: f" {s} "),
            "HOLIDAY": st.sampled_from([" PH ", " SH "]),
            "STATE": st.sampled_from([" off", " closed", " open"]),
            "WEEK": st.just(" week "),
            "COMMENT": st.sampled_from(['"sur rendez-vous"', '"x"', '" "']),
        }
    return from_lark(lark, explicit=explicit)


def generated(name: str) -> st.SearchStrategy[str]:
    return st.one_of(from_lark(grammar_of(name)), tuned(name))


# -- mutations -------------------------------------------------------------------------------------

PALETTE = ["(", ")", "{", "}", ",", ".", "..", '"', "'", "\\", "=", "==", "<", ">=", "-", ":", ";", "/", "[",
           "]", "0", "9", "99999", "x", " ", "  ", "\t", "\n", "\r\n", "\x00", "\x0b", "\ufeff", "\u00a0",
           "\u200b", "\u202e", "а", "о", "é", "ß", "\u0301", "１", "٣", "😀", "not ", "and ", "or ", "is ",
           "in ", "has any ", "else book ", "within ", "2026-12-24", "08:30", "15min", "1h30", "24/7", "PH",
           "Mo-Fr", "week ", "off", '"c"', "sunrise", "+", "||", "&&", "(" * 60, "not " * 60, "9" * 400]

op_st = st.tuples(st.sampled_from(["insert", "delete", "swap", "replace"]), st.integers(0, 2**16),
                  st.integers(0, 2**16), st.one_of(st.sampled_from(PALETTE), st.characters(codec="utf-8",
                                                                                          exclude_categories=["Cs"])))


def mutate(text: str, ops: list[tuple[str, int, int, str]]) -> str:
    s = list(text)
    for kind, i, j, payload in ops:
        n = len(s)
        at = i % (n + 1)
        if kind == "insert":
            s[at:at] = list(payload)
        elif kind == "delete" and n:
            del s[at:at + 1 + j % 4]
        elif kind == "swap" and n:
            a, b = i % n, j % n
            s[a], s[b] = s[b], s[a]
        elif kind == "replace":
            s[at:at + 1] = list(payload)
    return "".join(s)


# -- oracles ---------------------------------------------------------------------------------------

LIMIT_MESSAGES = re.compile(r"the expression (is longer than|nests deeper than|uses `not` more than)")


def check_error(e: ExprError, text: str) -> None:
    assert isinstance(e.message, str) and e.message.strip(), e
    assert "Traceback" not in e.message and "Token(" not in e.message, e.message
    assert 0 <= e.offset <= len(text), (e.offset, len(text), e.message)
    assert e.length >= 1
    assert e.code == "DR003"
    assert e.hint is None or (isinstance(e.hint, str) and e.hint.strip())


def attempt(fn: Any, text: str) -> Any:
    """Run a parser: its value, or None after checking the ExprError. Anything else propagates."""
    try:
        return fn(text)
    except ExprError as e:
        check_error(e, text)
        return None


def lark_accepts(name: str, text: str) -> bool:
    try:
        grammar_of(name).parse(text)
    except LarkError:
        return False
    return True


def shape(x: Any) -> Any:
    """An AST without positions."""
    if isinstance(x, CondTest):
        return ("test", x.attr, x.op, tuple(v.text for v in x.values))
    if isinstance(x, (And, Or)):
        return (type(x).__name__, tuple(shape(i) for i in x.items))
    if isinstance(x, Not):
        return ("not", shape(x.item))
    if isinstance(x, Always):
        return ("always",)
    if isinstance(x, Outcome):
        return x.key()
    raise AssertionError(f"not an AST node: {x!r}")


def within_limits(text: str) -> bool:
    depth = top = 0
    for ch in text:
        depth += ch in "({"
        depth -= ch in ")}"
        top = max(top, depth)
    return len(text) <= MAX_EXPR_CHARS and top <= MAX_DEPTH and len(re.findall(r"\bnot\b", text)) <= MAX_DEPTH


def cond(text: str) -> Cond:
    return parse_condition(text, locate)


def outcome(text: str) -> Outcome:
    return parse_outcome(text, locate)


# -- conditions ------------------------------------------------------------------------------------

@fuzz_settings()
@given(text=generated("condition"), ops=st.lists(op_st, max_size=4))
def test_conditions(text: str, ops: list[tuple[str, int, int, str]]) -> None:
    got = attempt(cond, text)
    if lark_accepts("condition", text) and within_limits(text):
        assert got is not None, f"the grammar accepts {text!r} but parse_condition refuses it"
    if got is not None:
        printed = str(got)
        if within_limits(printed):
            assert shape(cond(printed)) == shape(got), (text, printed)
    attempt(cond, mutate(text, ops))


# -- outcomes --------------------------------------------------------------------------------------

DUPLICATE_OPTION = re.compile(r"`\w+` is given twice|minutes after `h`|longer than 400 days|unknown action")


@fuzz_settings()
@given(text=generated("outcome"), ops=st.lists(op_st, max_size=4))
def test_outcomes(text: str, ops: list[tuple[str, int, int, str]]) -> None:
    try:
        got = outcome(text)
    except ExprError as e:
        check_error(e, text)
        if lark_accepts("outcome", text) and within_limits(text):  # only value checks may refuse
            assert DUPLICATE_OPTION.search(e.message), (text, e.message)
        got = None
    if got is not None:
        printed = str(got)
        if within_limits(printed):
            assert shape(outcome(printed)) == shape(got), (text, printed)
    attempt(outcome, mutate(text, ops))


# -- durations: the grammar against the parser (which reads them with a regular expression) -------

VALUE_CHECKS = re.compile(r"minutes after `h` must be below 60|is longer than 400 days")


@fuzz_settings()
@given(text=generated("duration"), ops=st.lists(op_st, max_size=3))
def test_durations(text: str, ops: list[tuple[str, int, int, str]]) -> None:
    try:
        got = parse_duration(text, locate)
        assert got.minutes >= 0
    except ExprError as e:
        check_error(e, text)
        assert not lark_accepts("duration", text) or VALUE_CHECKS.search(e.message), (text, e.message)
    attempt(lambda s: parse_duration(s, locate), mutate(text, ops))


# -- dates, times and spans (absences, `from:`, tests' `at`) ---------------------------------------

@fuzz_settings()
@given(text=generated("when"), ops=st.lists(op_st, max_size=3))
def test_dates_and_spans(text: str, ops: list[tuple[str, int, int, str]]) -> None:
    got = attempt(parse_span, text)
    if got is not None:
        start, end, whole = got
        assert isinstance(start, datetime) and isinstance(end, datetime) and start < end
        assert isinstance(whole, bool)
    attempt(parse_span, mutate(text, ops))
    for word in re.findall(r"\S+", text)[:4]:  # the date and time readers on their own
        for piece in word.split(".."):
            attempt(parse_date, piece)
            attempt(parse_time, piece)


# -- hours -----------------------------------------------------------------------------------------

DAYS = [date(2026, 12, 24), date(2026, 12, 31), date(2027, 1, 1), date(2028, 2, 29), date(2026, 3, 29),
        date(2026, 10, 25), date(2099, 12, 31), date(1901, 1, 1)]
CALENDAR = hours_mod._FreeHolidays(public=frozenset({date(2027, 1, 1)}), school=frozenset({date(2026, 12, 24)}))


def check_hours(expr: HoursExpr) -> None:
    for day in DAYS:
        for a, b in expr.day_intervals(day, CALENDAR):
            assert 0 <= a < b <= 2 * 24 * 60, (expr.source, day, a, b)


@fuzz_settings()
@given(text=generated("hours"), ops=st.lists(op_st, max_size=4))
def test_hours(text: str, ops: list[tuple[str, int, int, str]]) -> None:
    got = attempt(parse_hours, text)
    if got is not None:
        check_hours(got)
    mutated = attempt(parse_hours, mutate(text, ops))
    if mutated is not None:
        check_hours(mutated)
