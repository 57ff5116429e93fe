"""Grammar-driven fuzzing of every expression parser: conditions, outcomes, durations, dates/spans, hours.

Acceptance (issue "Hostile and broken input"): strings generated from each Lark grammar with
`hypothesis.extra.lark` — from the grammar objects our parsers use, `diaryrules.parse.parser(name)` and
`diaryrules.hours._parser()` — plus mutations of those strings (insert / delete / swap / replace
characters, with confusables, control characters, quotes, brackets …) never give a traceback or a
hang: every outcome is a value or an `ExprError` with a plain message and an offset inside the string.

Each test runs 5,000 derandomized examples (fixed seeds, no example database; FUZZ_EXAMPLES changes
the number) and checks, on every example:
  * the generated string, then a mutation of it, through the public parser: a value or ExprError;
  * an ExprError's offset lies inside the string (0..len), its code is DR003 (DR005 for a date
    outside the years handled) and its message is plain text;
  * the grammar and our parser agree: what Lark accepts, we accept, unless a value or limit check
    refuses it with an ExprError (a date that does not exist, `1h75`, more than 50 nested `(` …);
  * conditions and outcomes survive a round trip: printing the AST and parsing it again gives the
    same AST (positions aside);
  * a parsed hours expression can be evaluated on a few tricky days (leap day, ISO week 53, DST).

Generation. Durations go through `from_lark` itself. The recursive grammars go through
`BoundedLark`, a subclass of `from_lark`'s own strategy class (`LarkStrategy`: the same compiled
grammar, the same draw per nonterminal) with a budget of nonterminal expansions, after which every
nonterminal takes its shortest way out: plain `from_lark` draws strings of thousands of symbols and
cost 150-250 ms per example here, which 5,000 examples per grammar cannot afford. Two flavours per
grammar: terminals from pools drawn once from the grammar's own regular expressions, and "tuned"
terminals (keywords padded with spaces, mostly realistic names, numbers, dates and times) so that
most strings parse and the later stages are reached. Mutations are encoded as one byte string
(one draw for all edits of an example).
"""

from __future__ import annotations

import functools
import os
import random
import re
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.lark import LarkStrategy, from_lark
from lark import Lark
from lark.exceptions import LarkError
from lark.grammar import Terminal

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
from diaryrules.syntax import Always, And, Cond, Not, Or, Outcome
from diaryrules.syntax import Test as CondTest
from tests import helpers

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5000"))


def fuzz_settings(n: int = EXAMPLES) -> Any:
    return helpers.fuzz_settings(n)


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
    fresh = Lark.open_from_package(
        "diaryrules.grammar",
        f"{name}.lark",
        ("",),
        parser="lalr",
        propagate_positions=True,
    )
    assert sorted((t.name, t.pattern.value) for t in fresh.terminals) == sorted(
        (t.name, t.pattern.value) for t in used.terminals
    )
    return fresh


class BoundedLark(LarkStrategy):
    """`from_lark`'s own strategy, with a budget: the first `budget` nonterminals of a string expand
    as `from_lark` expands them (a drawn alternative); after that, each takes its alternative of
    least height, so that strings stay short and an example costs a few dozen draws instead of
    thousands. Terminals come from `explicit` (pools drawn once from the grammar's own regular
    expressions, or realistic values); ignored whitespace only when `ignore`."""

    def __init__(
        self, grammar: Lark, explicit: dict[str, st.SearchStrategy[str]], budget: int, ignore: bool = True
    ) -> None:
        super().__init__(grammar, None, explicit, st.characters(codec="utf-8"))
        self.budget = budget
        self.ignore = ignore
        self.left = budget
        expansions = {k: list(v.elements) for k, v in self.nonterminal_strategies.items()}  # type: ignore
        height: dict[str, float] = {name: 0 for name in self.terminal_strategies}
        closing: dict[str, tuple[Any, ...]] = {}
        changed = True
        while changed:
            changed = False
            for name, options in expansions.items():
                for option in options:
                    h = 1 + max((height.get(sym.name, float("inf")) for sym in option), default=0)
                    if h < height.get(name, float("inf")):
                        height[name], closing[name] = h, option
                        changed = True
        self.closing = closing

    def do_draw(self, data: Any) -> str:
        self.left = self.budget
        return super().do_draw(data)

    def draw_symbol(self, data: Any, symbol: Any, draw_state: list[str]) -> None:
        if isinstance(symbol, Terminal):
            draw_state.append(data.draw(self.terminal_strategies[symbol.name]))
            return
        self.left -= 1
        if self.left >= 0:
            expansion = data.draw(self.nonterminal_strategies[symbol.name])
        else:
            expansion = self.closing[symbol.name]
        for e in expansion:
            self.draw_symbol(data, e, draw_state)
            if self.ignore:
                self.gen_ignore(data, draw_state)


SAMPLE_ALPHABET = [chr(i) for i in range(32, 127)] + list("\t\n\r\x0c\x0b\x00\x85\xa0\u00e9\u0430\u200b😀")


@functools.cache
def regex_pool(pattern: str, n: int = 40) -> st.SearchStrategy[str]:
    """Strings of one terminal, drawn once and deterministically from its regular expression (a
    small sampler over Python's own regex parser: instant, where `st.from_regex` took seconds per
    terminal on a loaded machine), kept when the lexer would read them whole, as `from_lark` does.
    Lookarounds (`,` followed by a time) only constrain the context: they emit nothing."""
    from re import _constants as c
    from re import _parser as sre

    rng = random.Random(pattern)
    compiled = re.compile(pattern)
    categories = {av[0][1]: src for src, (op, av) in sre.CATEGORIES.items() if op is c.IN}
    classes: dict[int, list[str]] = {}

    def in_class(ch: str, items: list[tuple[Any, Any]]) -> bool:
        negate = hit = False
        for op, av in items:
            if op is c.NEGATE:
                negate = True
            elif op is c.LITERAL:
                hit = hit or ord(ch) == av
            elif op is c.RANGE:
                hit = hit or av[0] <= ord(ch) <= av[1]
            elif op is c.CATEGORY:
                hit = hit or bool(re.fullmatch(categories.get(av, "."), ch))
        return hit != negate

    def gen(items: Any) -> str:
        out: list[str] = []
        for op, av in items:
            if op is c.LITERAL:
                out.append(chr(av))
            elif op is c.NOT_LITERAL:
                out.append(rng.choice([ch for ch in SAMPLE_ALPHABET if ord(ch) != av]))
            elif op is c.ANY:
                out.append(rng.choice([ch for ch in SAMPLE_ALPHABET if ch != "\n"]))
            elif op is c.IN:
                key = id(av)
                if key not in classes:
                    classes[key] = [ch for ch in SAMPLE_ALPHABET if in_class(ch, av)] or [""]
                out.append(rng.choice(classes[key]))
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
                lo, hi, sub = av
                k = rng.randint(lo, min(hi, lo + rng.choice([0, 1, 2, 3, 5, 12, 40])))
                out.extend(gen(sub) for _ in range(k))
            elif op is c.SUBPATTERN:
                out.append(gen(av[-1]))
            elif op is c.BRANCH:
                out.append(gen(rng.choice(av[1])))
        return "".join(out)

    parsed = sre.parse(pattern)
    drawn = [gen(parsed) for _ in range(5 * n)]
    whole = [x for x in drawn if (m := compiled.match(x)) is not None and m.end() == len(x)]
    pool = sorted(set(whole or drawn), key=lambda x: (len(x), x))[: 4 * n]
    return st.sampled_from(sorted(rng.sample(pool, min(n, len(pool))), key=lambda x: (len(x), x)))


def raw_terminals(lark: Lark) -> dict[str, st.SearchStrategy[str]]:
    """Each terminal from its own regular expression, followed now and then by a piece of the
    grammar's ignored whitespace (decided when the pool is made: no draw per symbol)."""
    ignored = [t for t in lark.terminals if t.name in lark.ignore_tokens]
    spaces = ["", "", ""] + (
        list(regex_pool(ignored[0].pattern.to_regexp()).elements)[:6]  # type: ignore
        if ignored
        else [" "]
    )
    out: dict[str, st.SearchStrategy[str]] = {}
    for t in lark.terminals:
        if type(t.pattern).__name__ == "PatternStr":
            words = [t.pattern.value]
        else:
            words = list(regex_pool(t.pattern.to_regexp()).elements)  # type: ignore[attr-defined]
        out[t.name] = st.sampled_from([w + spaces[i % len(spaces)] for i, w in enumerate(words * 3)])
    return out


KEYWORDS = {
    "or",
    "and",
    "not",
    "always",
    "is",
    "in",
    "has",
    "any",
    "all",
    "none",
    "book",
    "by",
    "validate",
    "within",
    "callback",
    "redirect",
    "refuse",
    "transfer",
    "else",
    "with",
    "at",
    "notice",
    "duration",
}
NAMES = [
    "reason",
    "patient",
    "age",
    "pregnant",
    "symptoms",
    "urgency",
    "practitioner",
    "site",
    "call.day",
    "call.time",
    "call.date",
    "call.holiday",
    "call.school-holiday",
    "consultation",
    "renewal",
    "first-visit",
    "known",
    "new",
    "martin",
    "nguyen",
    "chest_pain",
    "emergency",
    "centre",
    "_x",
    "a-b-c",
    "Mo",
    "yes",
    "no",
    "x" * 60,
    "is_",
    "and-",
    "notice2",
    "a.b.c",
]
INTS = ["0", "1", "5", "16", "18", "65", "120", "121", "007", "99999", "1" + "0" * 30, "9" * 400]
DATES = [
    "2026-12-24",
    "2027-01-02",
    "2026-02-29",
    "2028-02-29",
    "2026-13-01",
    "2026-00-10",
    "0000-00-00",
    "9999-12-31",
    "0001-01-01",
    "1900-01-01",
    "2100-12-31",
]
TIMES = ["00:00", "08:30", "12:00", "18:59", "23:59", "24:00", "24:01", "25:00", "7:30", "99:99", "00:60"]
DURATIONS = [
    "0min",
    "5min",
    "15min",
    "90min",
    "1h",
    "1h30",
    "1h59",
    "1h60",
    "2d",
    "3w",
    "400d",
    "401d",
    "58w",
    "9600h",
    "99999999999999999999d",
]
MESSAGES = [
    '"Je vous passe le cabinet."',
    '""',
    '"a \\"quoted\\" word"',
    '"\\\\"',
    '"é😀\u202e"',
    '"line\nbreak"',
    '"' + "x" * 300 + '"',
]


def padded(words: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(words).map(lambda s: f" {s} ")


def tuned_terminals(name: str, lark: Lark) -> dict[str, st.SearchStrategy[str]]:
    """Keywords padded with spaces, realistic names and values: most strings parse."""
    out: dict[str, st.SearchStrategy[str]] = {}
    for t in lark.terminals:
        if type(t.pattern).__name__ == "PatternStr":
            out[t.name] = st.just(f" {t.pattern.value} ")
    if name == "hours":
        return {
            **out,
            "TIME": st.sampled_from(TIMES),
            "YEAR": st.sampled_from(["2026", "2027", "2099", "1900"]),
            "INT": st.sampled_from(["01", "5", "24", "31", "53", "54", "0", "99999"]),
            "WEEKDAY": padded(list(hours_mod.WEEKDAYS)),
            "MONTH": padded(list(hours_mod.MONTHS)),
            "HOLIDAY": padded(["PH", "SH"]),
            "STATE": padded(["off", "closed", "open"]),
            "WEEK": padded(["week"]),
            "COMMENT": st.sampled_from(['"sur rendez-vous"', '"x"']),
            "TCOMMA": st.just(","),
            "DCOMMA": st.just(","),
        }
    values = {
        "NAME": padded(NAMES),
        "INT": padded(INTS),
        "DATE": padded(DATES),
        "TIME": padded(TIMES),
        "DURATION": padded(DURATIONS),
        "STRING": padded(MESSAGES),
    }
    names = {t.name for t in lark.terminals}
    return {**out, **{k: v for k, v in values.items() if k in names}}


BUDGET = {"condition": 10, "outcome": 8, "hours": 12, "when": 6}


def generated(name: str) -> st.SearchStrategy[str]:
    """Strings of grammar `name`: half from the grammar's own terminals, half tuned. Durations (one
    token) go through `from_lark` itself; the other grammars through its budgeted subclass."""
    lark = grammar_of(name)
    if name == "duration":
        return st.one_of(
            from_lark(lark, explicit=raw_terminals(lark)),
            from_lark(lark, explicit=tuned_terminals(name, lark)),
        )
    return st.one_of(
        BoundedLark(lark, raw_terminals(lark), BUDGET[name], ignore=False),
        BoundedLark(lark, tuned_terminals(name, lark), BUDGET[name], ignore=False),
    )


# -- mutations -------------------------------------------------------------------------------------

PALETTE = [
    "(",
    ")",
    "{",
    "}",
    ",",
    ".",
    "..",
    '"',
    "'",
    "\\",
    "=",
    "==",
    "<",
    ">=",
    "-",
    ":",
    ";",
    "/",
    "[",
    "]",
    "0",
    "9",
    "99999",
    "x",
    "_",
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "\x00",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x7f",
    "\x85",
    "\ufeff",
    "\u00a0",
    "\u200b",
    "\u2028",
    "\u202e",
    "а",
    "о",
    "е",
    "é",
    "ß",
    "\u0301",
    "１",
    "٣",
    "😀",
    "\U0010ffff",
    "not ",
    "and ",
    "or ",
    "is ",
    "in ",
    "has any ",
    "always",
    "else book ",
    "with ",
    "within ",
    "book ",
    "2026-12-24",
    "08:30",
    "24:00",
    "15min",
    "1h30",
    "3w",
    "24/7",
    "PH",
    "SH",
    "Mo-Fr",
    "Sa",
    "Dec 24",
    "week ",
    "off",
    '"c"',
    "sunrise",
    "+",
    "||",
    "&&",
    "(" * 60,
    "not " * 60,
    "9" * 400,
    "{" * 60,
    "else book " * 60,
]


def mutate(text: str, ops: bytes) -> str:
    """Insert / delete / swap / replace characters: each 4 bytes of `ops` are one edit (the kind, a
    palette entry, a position), so that a whole list of edits costs Hypothesis one draw."""
    s = list(text)
    for k in range(0, len(ops) - 3, 4):
        kind, pick, hi, lo = ops[k : k + 4]
        n = len(s)
        at = (hi * 256 + lo) % (n + 1)
        payload = PALETTE[pick % len(PALETTE)] if pick < 200 else chr(0x80 + pick * 97 % 0x2F00)
        if kind % 4 == 0:
            s[at:at] = list(payload)
        elif kind % 4 == 1 and n:
            del s[at : at + 1 + pick % 4]
        elif kind % 4 == 2 and n:
            b = (at + 1 + pick) % n
            s[at % n], s[b] = s[b], s[at % n]
        else:
            s[at : at + 1] = list(payload)
    return "".join(s)


edits = st.binary(max_size=16)


# -- oracles ---------------------------------------------------------------------------------------

LIMIT_MESSAGES = re.compile(r"the expression (is longer than|nests deeper than|uses `not` more than)")


def check_error(e: ExprError, text: str) -> None:
    assert isinstance(e.message, str) and e.message.strip(), e
    assert "Traceback" not in e.message and "Token(" not in e.message, e.message
    assert 0 <= e.offset <= len(text), (e.offset, len(text), e.message)
    assert e.length >= 1
    assert e.code in ("DR003", "DR005")  # DR005: a date outside the years handled
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
@given(text=generated("condition"), ops=edits)
def test_conditions(text: str, ops: bytes) -> None:
    got = attempt(cond, text)
    if got is None and within_limits(text):
        assert not lark_accepts("condition", text), (
            f"the grammar accepts {text!r} but parse_condition refuses it"
        )
    if got is not None:
        printed = str(got)
        if within_limits(printed):
            assert shape(cond(printed)) == shape(got), (text, printed)
    attempt(cond, mutate(text, ops))


# -- outcomes --------------------------------------------------------------------------------------

DUPLICATE_OPTION = re.compile(r"`[\w ]+` is given twice|minutes after `h`|longer than 400 days|unknown action")


@fuzz_settings()
@given(text=generated("outcome"), ops=edits)
def test_outcomes(text: str, ops: bytes) -> None:
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


# -- durations and dates: two small grammars, one example each per Hypothesis example -------------

VALUE_CHECKS = re.compile(r"minutes after `h` must be below 60|is longer than 400 days")


def check_duration(text: str) -> None:
    """The duration grammar against `parse_duration` (which reads durations with a regular
    expression): what the grammar accepts parses, unless a value check refuses it."""
    try:
        got = parse_duration(text, locate)
        assert got.minutes >= 0
    except ExprError as e:
        check_error(e, text)
        assert not lark_accepts("duration", text) or VALUE_CHECKS.search(e.message), (text, e.message)


def check_span(text: str) -> None:
    """Absences, `from:` and tests' `at`: a span (start < end) or an ExprError; the date and time
    readers on their own."""
    got = attempt(parse_span, text)
    if got is not None:
        start, end, whole = got
        assert isinstance(start, datetime) and isinstance(end, datetime) and start < end
        assert isinstance(whole, bool)
    for word in re.findall(r"\S+", text)[:4]:
        for piece in word.split(".."):
            attempt(parse_date, piece)
            attempt(parse_time, piece)


@fuzz_settings()
@given(duration=generated("duration"), span=generated("when"), ops=edits)
def test_durations_and_dates(duration: str, span: str, ops: bytes) -> None:
    check_duration(duration)
    attempt(lambda s: parse_duration(s, locate), mutate(duration, ops))
    check_span(span)
    check_span(mutate(span, ops))


# -- hours -----------------------------------------------------------------------------------------

DAYS = [
    date(2026, 12, 24),
    date(2026, 12, 31),
    date(2027, 1, 1),
    date(2028, 2, 29),
    date(2026, 3, 29),
    date(2026, 10, 25),
    date(2099, 12, 31),
    date(1901, 1, 1),
]
CALENDAR = hours_mod._FreeHolidays(
    public=frozenset({date(2027, 1, 1)}), school=frozenset({date(2026, 12, 24)})
)


def check_hours(expr: HoursExpr) -> None:
    for day in DAYS:
        for a, b in expr.day_intervals(day, CALENDAR):
            assert 0 <= a < b <= 2 * 24 * 60, (expr.source, day, a, b)


@fuzz_settings()
@given(text=generated("hours"), ops=edits)
def test_hours(text: str, ops: bytes) -> None:
    got = attempt(parse_hours, text)
    if got is not None:
        check_hours(got)
    mutated = attempt(parse_hours, mutate(text, ops))
    if mutated is not None:
        check_hours(mutated)


# -- expressions that once crashed a parser (tests/fuzz/run_atheris.py saves them) -------------------

CRASHES = Path(__file__).parent / "fixtures" / "crashes"


def test_saved_expression_crashes() -> None:
    """`GRAMMAR\\nTEXT`: the parser of that grammar gives a value or an ExprError."""
    sys.path.insert(0, str(Path(__file__).parent / "fuzz"))
    import run_atheris

    for saved in sorted(CRASHES.glob("atheris-expressions-*.txt")) if CRASHES.exists() else []:
        run_atheris.check_expression(saved.read_bytes())
