"""Stage 2 — parse: expression strings → CST (Lark, LALR) → AST (`syntax`), DR003 on syntax errors.

One cached parser per grammar (`grammar/*.lark`). Errors are raised as `ExprError` with the
offset inside the string; the caller maps it to a file position. Common mistakes get a message
in plain words through Lark's `match_examples`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time
from functools import cache
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .diagnostics import ExprError, Span, did_you_mean
from .syntax import (
    ACTIONS,
    Always,
    And,
    Cond,
    Duration,
    Name,
    Not,
    Or,
    Outcome,
    Test,
    Value,
    duration_minutes,
)

Locate = Callable[[int, int], Span]  # (offset, length) in the string → span in the file

MAX_EXPR_CHARS = 4000
MAX_DEPTH = 50


@cache
def parser(grammar: str) -> Lark:
    return cached_lark(grammar, lambda: Lark.open_from_package(
        "diaryrules.grammar", f"{grammar}.lark", ("",), parser="lalr", propagate_positions=True,
        lexer=_LEXER.get(grammar, "contextual")))


# the condition grammar needs no parser state to tell its tokens apart: the basic lexer reads it
# a quarter faster (the error tests and grammar fuzzing pin that it reads it the same way)
_LEXER = {"condition": "basic"}


def cached_lark(grammar: str, build: Callable[[], Lark]) -> Lark:
    """A Lark parser, from its serialised form in the cache when the grammar files are unchanged:
    building the LALR tables takes longer than answering a call."""
    import hashlib
    import io
    from importlib import resources

    import lark

    from . import cache as file_cache

    h = hashlib.sha256(f"{lark.__version__}:{grammar}:{_LEXER.get(grammar)}".encode())
    folder = resources.files("diaryrules.grammar")
    for name in sorted(p.name for p in folder.iterdir() if p.name.endswith(".lark")):
        h.update(name.encode() + b"\0" + folder.joinpath(name).read_bytes())
    entry = f"lark-{grammar}-{h.hexdigest()[:24]}.bin"
    blob = file_cache.read_blob(entry)
    if blob is not None:
        try:
            return Lark.load(io.BytesIO(blob))
        except Exception:  # a damaged entry is rebuilt
            pass
    built = build()
    buf = io.BytesIO()
    built.save(buf)
    file_cache.write_blob(entry, buf.getvalue())
    return built


# -- plain-words expectations ------------------------------------------------------------------

_TERMINAL_WORDS = {
    "NAME": "a name", "INT": "a number", "DATE": "a date like 2026-12-24", "TIME": "a time like 08:30",
    "DURATION": "a duration like 15min, 1h30 or 2d", "STRING": 'a message in double quotes',
    "LBRACE": "`{`", "RBRACE": "`}`", "LPAR": "`(`", "RPAR": "`)`", "COMMA": "`,`",
    "COMPARE": "`<`, `<=`, `>` or `>=`", "QUANT": "`any`, `all` or `none`", "__ANON_0": "`..`",
    "$END": "the end",
}

_CONDITION_EXAMPLES: dict[str, list[str]] = {
    "expected a value after `is`": ["reason is", "reason is not", "a == ", "a != "],
    "expected a value after the comparison": ["age <", "age >=", "age <=", "age >"],
    "expected `{` or a value after `in`": ["reason in", "reason not in"],
    "expected a value after `..`": ["age in 1..", "age not in 1.."],
    "expected a value after `has`": ["symptoms has", "symptoms has any", "symptoms has all"],
    "expected `and`, `or` or the end of the condition": [
        "reason is a b", "reason is a patient is known", "a b", "age < 3 b", "(a) b",
        "age in 1..3 b", "a in {b} c", "reason is a (b)"],
    "expected a test like `reason is renewal` after `and`/`or`": [
        "a and", "a or", "a and and", "a or or", "a and or", "a and )"],
    "expected a test after `not`": ["not", "not not", "a and not"],
    "the `{` is not closed: expected `,` or `}`": ["reason in {a", "reason in {a b}", "reason in {a,"],
    "expected a value in the `{…}`": ["reason in {}", "reason in {,"],
    "a `(` is not closed": ["(a", "(a and b", "((a) or b", "(a is b", "a and (b is c", "(a in {b}",
                            "(a < 3", "(a in 1..2", "(a has b", "(not a", "(a or b is c"],
    "a `)` has no matching `(`": ["a)", "a and b)"],
    "expected a condition": ["", ")", "and"],
}

_OUTCOME_EXAMPLES: dict[str, list[str]] = {
    "expected a duration like 2d or 1h30 after `within`": ["book within", "callback within", "book within x"],
    "expected a duration like 2h after `notice`": ["book notice", "book notice x"],
    "expected a duration like 20min after `duration`": ["book duration", "book duration x"],
    "expected a practitioner after `with`": ["book with", "book with ,", "book with a,"],
    "expected a site after `at`": ["book at", "book at a,"],
    "expected a window name after `in`": ["book in", "book not in", "book not"],
    "expected a practitioner after `by`": ["validate by"],
    "expected a target after `redirect` (emergency, a practitioner, a site, or a word)": ["redirect", 'redirect "x"'],
    "expected an outcome after `else`": ["book else", "book else x"],
    "expected an option (with, at, within, notice, duration, in, not in), `else` or the end": [
        "book x", "book with a b", "book within 2d x", "validate by a b", "book with a x"],
    "a message must be in double quotes": ["refuse x", "transfer x", "callback x", "redirect a b",
                                           "callback within 1h x", "refuse x y"],
    "a message must come last, in double quotes": ['refuse "a" b', 'callback "a" within 1h', 'transfer "a" "b"',
                                                  'redirect a "b" c', 'callback within 1h "a" b'],
    "expected an action: book, validate, callback, redirect, refuse or transfer": ["", "within 2d", '"a"'],
}


@cache
def _compiled_examples(grammar: str) -> dict[str, list[str]]:
    return _CONDITION_EXAMPLES if grammar == "condition" else _OUTCOME_EXAMPLES


def _plain_expected(expected: set[str]) -> str:
    words = sorted({_TERMINAL_WORDS.get(e, f"`{e.lower()}`" if e.isalpha() else e) for e in expected})
    if len(words) > 5:
        words = words[:5] + ["…"]
    return ", ".join(words)


def _raise_syntax(grammar: str, text: str, e: UnexpectedInput) -> None:
    offset = _error_offset(text, e)
    # specific lexical mistakes first: they say what to write instead
    specific = _lexical_hint(grammar, text, offset)
    if specific:
        raise ExprError(specific[0], offset, hint=specific[1], length=specific[2]) from None
    label = None
    try:
        label = e.match_examples(parser(grammar).parse, _compiled_examples(grammar), use_accepts=True)
    except Exception:  # match_examples re-parses examples; a surprise there must not hide the real error
        label = None
    if isinstance(e, UnexpectedToken):
        found = "the end" if e.token.type == "$END" else f"`{e.token}`"
        expected = _plain_expected(set(e.accepts or e.expected))
    elif isinstance(e, UnexpectedCharacters):
        found = f"`{text[offset]}`" if offset < len(text) else "the end"
        expected = _plain_expected(set(e.allowed or ()))
    else:
        found = "the end"
        expected = _plain_expected(set(getattr(e, "expected", ()) or ()))
    if label:
        message = f"{label} (found {found})"
    else:
        message = f"unexpected {found.replace('the end', 'end of text')}: expected {expected}"
    raise ExprError(message, offset) from None


def _error_offset(text: str, e: UnexpectedInput) -> int:
    if isinstance(e, UnexpectedEOF):
        return len(text.rstrip())
    if isinstance(e, UnexpectedToken) and e.token.type == "$END":
        return len(text.rstrip())
    pos = getattr(e, "pos_in_stream", None)
    if pos is None and isinstance(e, UnexpectedToken):
        pos = e.token.start_pos
    return int(pos or 0)


_DURATION_WORDS = re.compile(r"([0-9]+)\s*(minutes?|mins?|m|hours?|heures?|h|days?|jours?|j|weeks?|semaines?|s)\b",
                             re.IGNORECASE)


def _lexical_hint(grammar: str, text: str, offset: int) -> tuple[str, str | None, int] | None:
    rest = text[offset:]
    if rest and ord(rest[0]) > 127:
        from .schema import id_hint  # only on this error path: it loads jsonschema

        start = offset
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_-"):
            start -= 1
        end = offset
        while end < len(text) and (text[end].isalnum() or text[end] in "_-"):
            end += 1
        word = text[start:end] or rest[0]
        return (f"`{rest[0]}` is not allowed in names", id_hint(word), 1)
    if rest.startswith('"') and grammar == "condition":
        end = rest.find('"', 1)
        word = rest[1:end] if end > 0 else rest[1:]
        return ("values in conditions are not quoted", f"write {word} without the quotes", max(1, end + 1))
    if rest.startswith("'"):
        return ("use double quotes for a message", 'write "…"', 1)
    if rest.startswith("=") and not rest.startswith("=="):
        return ("`=` is not an operator", "write `is` (or `==`)", 1)
    if rest.startswith("&&") or rest.startswith("||"):
        return (f"`{rest[:2]}` is not an operator", "write `and` / `or`", 2)
    if grammar == "outcome":
        m = re.match(r"[0-9]+\s*[A-Za-z]+", rest)
        if m:
            dm = _DURATION_WORDS.match(rest)
            return (f"`{m.group(0)}` is not a duration", _duration_hint(dm), len(m.group(0)))
    m = re.match(r"[0-9]{1,2}h[0-9]{0,2}\b", rest)
    if m:
        return (f"`{m.group(0)}` is not a time", "write times as HH:MM, e.g. 08:30", len(m.group(0)))
    return None


def _duration_hint(m: re.Match[str] | None) -> str:
    if not m:
        return "write durations as 15min, 1h, 1h30, 2d or 3w"
    n, unit = m.group(1), m.group(2).lower()
    if unit.startswith(("min", "m")) and not unit.startswith("mo"):
        return f"write {n}min"
    if unit.startswith(("h", "heure")):
        return f"write {n}h"
    if unit.startswith(("d", "j")):
        return f"write {n}d"
    if unit.startswith(("w", "s")):
        return f"write {n}w"
    return "write durations as 15min, 1h, 1h30, 2d or 3w"


def _check_limits(text: str) -> None:
    """The limits every expression is held to before a parser sees it (each a DR003)."""
    if len(text) > MAX_EXPR_CHARS:
        raise ExprError(f"the expression is longer than {MAX_EXPR_CHARS} characters", MAX_EXPR_CHARS)
    if text.count("(") + text.count("{") > MAX_DEPTH:  # else it cannot nest that deep: no walk
        depth = 0
        for i, ch in enumerate(text):  # LALR is iterative, but our tree walks are recursive
            if ch in "({":
                depth += 1
                if depth > MAX_DEPTH:
                    raise ExprError(f"the expression nests deeper than {MAX_DEPTH} parentheses", i)
            elif ch in ")}":
                depth -= 1
    if "not" in text and len(re.findall(r"\bnot\b", text)) > MAX_DEPTH:  # `not not not …` nests as deeply
        raise ExprError(f"the expression uses `not` more than {MAX_DEPTH} times", 0)
    if "else" in text and len(re.findall(r"\belse\b", text)) > MAX_DEPTH:  # each `else` nests a fallback
        raise ExprError(f"the outcome chains more than {MAX_DEPTH} `else` fallbacks", 0)


def _parse(grammar: str, text: str) -> Tree[Token]:
    _check_limits(text)
    return _lark_parse(grammar, text)


def _lark_parse(grammar: str, text: str) -> Tree[Token]:
    try:
        return parser(grammar).parse(text)
    except UnexpectedInput as e:
        _raise_syntax(grammar, text, e)
        raise  # unreachable: _raise_syntax always raises


# -- re-use within one load ----------------------------------------------------------------------
#
# A rule file repeats itself: the same outcome text on many rules, the same condition on a rule and
# a reserved window, and conditions that differ only in their names and numbers. While a `reuse()`
# block is open (one file's model building), each distinct text is parsed once, and each distinct
# sequence of condition tokens once: the LALR parse of a condition depends on its tokens' types
# only, so a parse tree's shape serves every condition lexed into the same types. The AST is always
# built afresh for each occurrence, with that occurrence's own spans. Nothing outlives the block.


class _Memo:
    __slots__ = ("conditions", "shapes", "outcomes", "words")

    def __init__(self) -> None:
        # text → (shape, tokens), (None, Lark's tree) or the error it gives
        self.conditions: dict[str, tuple[Any, Any] | ExprError] = {}
        self.shapes: dict[tuple[str, ...], Any] = {}  # token types → shape (None: no shape, use Lark's tree)
        self.outcomes: dict[str, Tree[Token] | ExprError] = {}
        self.words: dict[str, str] = {}  # a name's text → its token type (a keyword's, or the name's)


_MEMO: ContextVar[_Memo | None] = ContextVar("diaryrules_parse_memo", default=None)


@contextmanager
def reuse() -> Iterator[None]:
    """Parse each distinct expression text once while the block runs (one file's model)."""
    token = _MEMO.set(_Memo())
    try:
        yield
    finally:
        _MEMO.reset(token)


def _again(e: ExprError) -> ExprError:
    return ExprError(e.message, e.offset, hint=e.hint, length=e.length, code=e.code)


# -- CST → AST ---------------------------------------------------------------------------------

class _Span:
    def __init__(self, locate: Locate) -> None:
        self.locate = locate

    def tok(self, t: Token) -> Span:
        return self.locate(t.start_pos or 0, len(t))

    def tree(self, meta: Any) -> Span:
        if getattr(meta, "empty", True):
            return self.locate(0, 1)
        return self.locate(meta.start_pos, max(1, meta.end_pos - meta.start_pos))


_NEGATE = {"is": "is not", "in": "not in", "range": "not range"}


class _CondBuilder:
    """CST → AST for conditions: one method per grammar rule, called bottom-up with the rule's
    meta (positions) and its built children. A plain recursive walk: lark's Transformer wraps
    every method call, which cost a fifth of reading a large file. Used for the trees the shapes
    below do not describe (none the grammar gives today)."""

    def __init__(self, sp: _Span) -> None:
        self.sp = sp

    def transform(self, tree: Tree[Token]) -> Any:
        children = [self.transform(c) if isinstance(c, Tree) else c for c in tree.children]
        method = getattr(self, str(tree.data), None) if not str(tree.data).startswith("_") else None
        if method is None:  # a rule with no method (a value list) stays a tree for its parent
            return Tree(tree.data, children, tree.meta)
        return method(tree.meta, children)

    def _value(self, t: Token) -> Value:
        kind = _VALUE_KINDS[t.type]
        return Value(kind, str(t), self.sp.tok(t))

    def _test(self, meta: Any, name: Token, op: str, values: list[Token]) -> Test:
        return Test(str(name), self.sp.tok(name), op, tuple(self._value(v) for v in values), self.sp.tree(meta))

    def or_(self, meta: Any, items: list[Cond]) -> Cond:
        return Or(tuple(items), self.sp.tree(meta))

    def and_(self, meta: Any, items: list[Cond]) -> Cond:
        return And(tuple(items), self.sp.tree(meta))

    def not_(self, meta: Any, items: list[Cond]) -> Cond:
        return Not(items[0], self.sp.tree(meta))

    def always(self, meta: Any, items: list[Any]) -> Cond:
        return Always(self.sp.tree(meta))

    def is_(self, meta: Any, c: list[Token]) -> Cond:
        return self._test(meta, c[0], "is", [c[1]])

    def is_not(self, meta: Any, c: list[Token]) -> Cond:
        return self._test(meta, c[0], "is not", [c[1]])

    def in_set(self, meta: Any, c: list[Any]) -> Cond:
        return self._test(meta, c[0], "in", list(c[1].children))

    def not_in_set(self, meta: Any, c: list[Any]) -> Cond:
        return self._test(meta, c[0], "not in", list(c[1].children))

    def in_range(self, meta: Any, c: list[Token]) -> Cond:
        return self._test(meta, c[0], "range", [c[1], c[2]])

    def not_in_range(self, meta: Any, c: list[Token]) -> Cond:
        return self._test(meta, c[0], "not range", [c[1], c[2]])

    def compare(self, meta: Any, c: list[Token]) -> Cond:
        return self._test(meta, c[0], str(c[1]), [c[2]])

    def has(self, meta: Any, c: list[Token]) -> Cond:
        return self._test(meta, c[0], "has", [c[1]])

    def has_any(self, meta: Any, c: list[Any]) -> Cond:
        return self._test(meta, c[0], "has any", list(c[1].children))

    def has_all(self, meta: Any, c: list[Any]) -> Cond:
        return self._test(meta, c[0], "has all", list(c[1].children))

    def has_none(self, meta: Any, c: list[Any]) -> Cond:
        return self._test(meta, c[0], "has none", list(c[1].children))

    def truthy(self, meta: Any, c: list[Token]) -> Cond:
        return self._test(meta, c[0], "true", [])


_VALUE_KINDS = {"NAME": "name", "INT": "int", "DATE": "date", "TIME": "time"}


def _cond_from_tree(tree: Tree[Token], locate: Locate) -> Cond:
    try:
        result = _CondBuilder(_Span(locate)).transform(tree)
    except (TypeError, IndexError, AttributeError) as e:  # pragma: no cover - every rule has its method
        raise ExprError(f"cannot read the condition: {e}", 0) from None
    if isinstance(result, Token):  # a lone NAME comes back untransformed from `?atom`
        sp = _Span(locate)
        return Test(str(result), sp.tok(result), "true", (), sp.tok(result))
    return result  # type: ignore[no-any-return]


# -- condition shapes ----------------------------------------------------------------------------
#
# A shape is the parse tree of a condition with every token replaced by its index in the token
# list and every position (a rule's meta) by the indices of its first and last token: the same
# AST `_CondBuilder` builds, for any condition lexed into the same token types. Shapes:
#   (_LOGIC, cls, first, last, children)   Or / And
#   (_NOT, first, last, child)
#   (_ALWAYS, first, last)
#   (_TEST, first, last, name, op, op_token, values)   op None: the text of token op_token (<, >=…)
#   (_LONE, index)                         a lone NAME
# first = -1 marks an empty meta (no position: the start of the string).

_Tok = tuple[str, str, int, int]  # type, text, start, end (offsets in the string)
_LOGIC, _NOT, _ALWAYS, _TEST, _LONE = range(5)
_TEST_OPS: dict[str, tuple[str | None, str]] = {  # rule → (op, what follows the name)
    "is_": ("is", "value"), "is_not": ("is not", "value"), "has": ("has", "value"),
    "in_set": ("in", "set"), "not_in_set": ("not in", "set"), "has_any": ("has any", "set"),
    "has_all": ("has all", "set"), "has_none": ("has none", "set"),
    "in_range": ("range", "range"), "not_in_range": ("not range", "range"),
    "compare": (None, "compare"), "truthy": ("true", "none"),
}


class _NoShape(Exception):
    """A tree the shapes do not describe: it is built from Lark's tree, as it always was."""


def _shape(tree: Tree[Token] | Token, starts: dict[int, int], ends: dict[int, int]) -> Any:
    if isinstance(tree, Token):
        raise _NoShape
    data = str(tree.data)
    meta = tree.meta
    if getattr(meta, "empty", True):
        first = last = -1
    else:
        first, last = starts[meta.start_pos], ends[meta.end_pos]
    kids = tree.children
    if data in ("or_", "and_"):
        return (_LOGIC, Or if data == "or_" else And, first, last, tuple(_shape(k, starts, ends) for k in kids))
    if data == "not_":
        return (_NOT, first, last, _shape(kids[0], starts, ends))
    if data == "always":
        return (_ALWAYS, first, last)
    rule = _TEST_OPS.get(data)
    if rule is None or not kids or not isinstance(kids[0], Token):
        raise _NoShape
    op, form = rule
    name = starts[kids[0].start_pos or 0]
    op_token = -1
    values: list[Token | Tree[Token]]
    if form == "value":
        values = [kids[1]]
    elif form == "range":
        values = [kids[1], kids[2]]
    elif form == "compare":
        if not isinstance(kids[1], Token):
            raise _NoShape
        op_token = starts[kids[1].start_pos or 0]
        values = [kids[2]]
    elif form == "set":
        vset = kids[1]
        if not isinstance(vset, Tree) or str(vset.data) != "value_set":  # the rule with no method
            raise _NoShape
        values = list(vset.children)
    else:
        values = []
    if not all(isinstance(v, Token) and v.type in _VALUE_KINDS for v in values):
        raise _NoShape
    return (_TEST, first, last, name, op, op_token, tuple(starts[v.start_pos or 0] for v in values))  # type: ignore[union-attr]


def _build(shape: Any, toks: list[_Tok], locate: Locate) -> Cond:
    kind = shape[0]
    if kind == _TEST:
        _, first, last, name, op, op_token, values = shape
        ntype, ntext, nstart, _ = toks[name]
        vals = []
        for i in values:
            vtype, vtext, vstart, _ = toks[i]
            vals.append(Value(_VALUE_KINDS[vtype], vtext, locate(vstart, len(vtext))))
        return Test(ntext, locate(nstart, len(ntext)), op if op is not None else toks[op_token][1], tuple(vals),
                    _meta_span(first, last, toks, locate))
    if kind == _LOGIC:
        _, cls, first, last, kids = shape
        return cls(tuple(_build(k, toks, locate) for k in kids), _meta_span(first, last, toks, locate))  # type: ignore[no-any-return]
    if kind == _NOT:
        _, first, last, kid = shape
        return Not(_build(kid, toks, locate), _meta_span(first, last, toks, locate))
    if kind == _ALWAYS:
        return Always(_meta_span(shape[1], shape[2], toks, locate))
    _, i = shape  # _LONE
    span = locate(toks[i][2], len(toks[i][1]))
    return Test(toks[i][1], span, "true", (), span)


def _meta_span(first: int, last: int, toks: list[_Tok], locate: Locate) -> Span:
    if first < 0:
        return locate(0, 1)
    start = toks[first][2]
    return locate(start, max(1, toks[last][3] - start))


def _shape_of(tree: Tree[Token] | Token, toks: list[_Tok]) -> Any:
    """The shape of Lark's `tree` for the condition lexed into `toks`; None when it has none."""
    starts = {t[2]: i for i, t in enumerate(toks)}
    ends = {t[3]: i for i, t in enumerate(toks)}
    try:
        if isinstance(tree, Token):
            return (_LONE, starts[tree.start_pos or 0])
        return _shape(tree, starts, ends)
    except (_NoShape, KeyError, IndexError):
        return None


@cache
def _condition_lexer() -> Any:
    """What the condition grammar's (basic) lexer matches with: its terminals' regular expression(s),
    the keyword check on names, and the ignored terminals. None when Lark's lexer is not one we can
    read like that: then every condition goes through Lark alone."""
    from lark.lexer import BasicLexer, UnlessCallback

    lexer = getattr(getattr(parser("condition"), "parser", None), "lexer", None)
    if not isinstance(lexer, BasicLexer) or lexer.user_callbacks:
        return None
    scanner = lexer.scanner  # built on first use, with the callbacks
    keywords = {}
    for name, callback in lexer.callback.items():
        if not isinstance(callback, UnlessCallback):
            return None
        keywords[str(name)] = callback.scanner.fullmatch  # a name that is a keyword takes its type
    return tuple(scanner._mres), keywords, frozenset(str(t) for t in lexer.ignore_types)


def _lex_condition(text: str, words: dict[str, str]) -> list[_Tok] | None:
    """The tokens Lark's basic lexer gives for `text`, as (type, text, start, end): the same
    regular expressions tried the same way, without a Token object and a line count per token.
    None when the text does not lex (Lark then reports the error) or the lexer is not readable.
    `words` remembers which type each name text takes (its own, or a keyword's)."""
    lexer = _condition_lexer()
    if lexer is None:
        return None
    mres, keywords, ignore = lexer
    out: list[_Tok] = []
    pos = 0
    if len(mres) == 1 and len(keywords) == 1:  # one expression for all terminals, one that keywords share
        (named, keyword), = keywords.items()
        # each search from the last token's end finds the match `match` finds there, or a gap
        for m in mres[0].finditer(text):
            if m.start() != pos:  # a character no terminal matches
                return None
            type_, end = m.lastgroup, m.end()
            if type_ not in ignore:
                value = m.group()
                if type_ == named:
                    known = words.get(value)
                    if known is None:
                        known = words[value] = keyword(value) or type_  # type: ignore[assignment]
                    type_ = known
                out.append((type_, value, pos, end))  # type: ignore[arg-type]
            pos = end
        return out if pos == len(text) else None
    n = len(text)
    while pos < n:
        for mre in mres:
            m = mre.match(text, pos)
            if m:
                break
        else:
            return None
        value = m.group(0)
        type_ = m.lastgroup
        end = pos + len(value)
        if type_ not in ignore:
            check = keywords.get(type_)  # type: ignore[arg-type]
            if check is not None:
                type_ = check(value) or type_
            out.append((type_, value, pos, end))  # type: ignore[arg-type]
        pos = end
    return out


def _feed(toks: list[_Tok], text: str) -> Tree[Token]:
    """Lark's parse of the condition `text`, lexed into `toks`: Lark's LALR parser and tree builder
    fed the tokens its lexer would give. An error is Lark's own parse's, in plain words."""
    lines = "\n" in text
    try:
        ip = parser("condition").parse_interactive()
        last: Token | None = None
        for type_, value, start, end in toks:
            if lines:
                line, column = text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)
                end_line, end_column = text.count("\n", 0, end) + 1, end - text.rfind("\n", 0, end)
            else:
                line, column, end_line, end_column = 1, start + 1, 1, end + 1
            last = Token(type_, value, start, line, column, end_line, end_column, end)
            ip.feed_token(last)
        return ip.feed_eof(last)  # type: ignore[no-any-return]
    except UnexpectedInput:
        return _lark_parse("condition", text)


def parse_condition(text: str, locate: Locate) -> Cond:
    memo = _MEMO.get()
    if memo is None:
        memo = _Memo()
    known = memo.conditions.get(text)
    if known is None:
        try:
            known = memo.conditions[text] = _condition_shape(text, memo)
        except ExprError as e:
            memo.conditions[text] = e
            raise
    if isinstance(known, ExprError):
        raise _again(known)
    shape, toks = known
    if shape is None:  # no shape: Lark's tree, built as it always was
        return _cond_from_tree(toks, locate)
    return _build(shape, toks, locate)


def _condition_shape(text: str, memo: _Memo) -> tuple[Any, Any]:
    """(shape, tokens) of a condition, or (None, Lark's tree) when it has no shape."""
    _check_limits(text)
    toks = _lex_condition(text, memo.words)
    if toks is None:  # Lark reports the error in plain words (or reads a text our lexing does not)
        return None, _lark_parse("condition", text)
    key = tuple(t[0] for t in toks)
    if key in memo.shapes:
        shape = memo.shapes[key]
        return (shape, toks) if shape is not None else (None, _feed(toks, text))
    tree = _feed(toks, text)
    shape = memo.shapes[key] = _shape_of(tree, toks)
    return (shape, toks) if shape is not None else (None, tree)


def parse_outcome(text: str, locate: Locate) -> Outcome:
    memo = _MEMO.get()
    known = memo.outcomes.get(text) if memo is not None else None
    if known is None:
        try:
            known = _outcome_tree(text)
        except ExprError as e:
            if memo is not None:
                memo.outcomes[text] = e
            raise
        if memo is not None:
            memo.outcomes[text] = known
    if isinstance(known, ExprError):
        raise _again(known)
    return _outcome(known, _Span(locate))


def _outcome_tree(text: str) -> Tree[Token]:
    stripped = text.strip()
    first = stripped.split(None, 1)[0] if stripped else ""
    if first and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]*", first) and first not in ACTIONS:
        offset = text.index(first)
        near = did_you_mean(first, ACTIONS)
        raise ExprError(f"unknown action `{first}`", offset, length=len(first),
                        hint=f"did you mean `{near}`?" if near else
                        "an outcome starts with book, validate, callback, redirect, refuse or transfer")
    return _parse("outcome", text)


def _unquote(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s[1:-1])


def _outcome(tree: Tree[Token], sp: _Span) -> Outcome:
    action = str(tree.data)
    fields: dict[str, Any] = {}
    for child in tree.children:
        if isinstance(child, Token):
            if child.type == "STRING":
                fields["message"] = _unquote(str(child))
            elif child.type == "DURATION":  # callback within
                fields["within"] = _duration_token(child, sp)
            elif child.type == "NAME":
                key = "by" if action == "validate" else "target"
                fields[key] = Name(str(child), sp.tok(child))
            continue
        kind = str(child.data)
        if kind == "fallback":
            fields["fallback"] = _outcome(child.children[0], sp)  # type: ignore[arg-type]
            continue
        tok = child.children[0]
        key = "at" if kind == "at_" else kind  # the Outcome field the clause fills
        if key in fields:  # every clause at most once: a second one would silently replace the first
            word = {"in_window": "in", "not_in_window": "not in"}.get(kind, kind.rstrip("_"))
            start, end = child.meta.start_pos, child.meta.end_pos  # the whole second clause
            raise ExprError(f"`{word}` is given twice", start, length=end - start,
                            hint=f"give all of them in one: `{word} a, b`" if kind in ("with_", "at_")
                            else f"keep one `{word}`")
        if kind in ("with_", "at_"):
            fields[key] = tuple(Name(str(t), sp.tok(t)) for t in tok.children if isinstance(t, Token))  # type: ignore[union-attr]
        elif kind in ("within", "notice", "duration"):
            fields[kind] = _duration_token(tok, sp)  # type: ignore[arg-type]
        elif kind in ("in_window", "not_in_window"):
            fields[kind] = Name(str(tok), sp.tok(tok))  # type: ignore[arg-type]
    return Outcome(action, sp.tree(tree.meta), **fields)


def _duration_token(t: Token, sp: _Span) -> Duration:
    minutes = duration_minutes(str(t))
    if minutes is None:  # pragma: no cover - the DURATION token only matches valid forms
        raise ExprError(f"`{t}` is not a duration", t.start_pos or 0)
    _check_duration(str(t), minutes, t.start_pos or 0)
    return Duration(minutes, sp.tok(t))


MAX_DURATION_MIN = 400 * 1440


def _check_duration(text: str, minutes: int, offset: int) -> None:
    if "h" in text and text.split("h")[1] and int(text.split("h")[1]) >= 60:
        raise ExprError(f"`{text}`: minutes after `h` must be below 60", offset, length=len(text))
    if minutes > MAX_DURATION_MIN:
        raise ExprError(f"`{text}` is longer than 400 days", offset, length=len(text))


def parse_duration(text: str, locate: Locate) -> Duration:
    s = text.strip()
    offset = text.index(s) if s else 0
    minutes = duration_minutes(s)
    if minutes is None:
        m = _DURATION_WORDS.fullmatch(s)
        raise ExprError(f"`{s}` is not a duration", offset, hint=_duration_hint(m), length=len(s) or 1)
    _check_duration(s, minutes, offset)
    return Duration(minutes, locate(offset, len(s)))


# -- dates and date-time spans -----------------------------------------------------------------

FIRST_YEAR, LAST_YEAR = 1900, 2199  # the calendar the engine reasons over (compile.DATE_MIN/MAX)


def parse_date(text: str, offset: int = 0) -> date:
    try:
        d = date.fromisoformat(text)
    except ValueError:
        raise ExprError(f"`{text}` is not a date", offset, hint="write dates as YYYY-MM-DD, e.g. 2026-12-24",
                        length=len(text)) from None
    if not FIRST_YEAR <= d.year <= LAST_YEAR:
        raise ExprError(f"`{text}` is outside the years diaryrules handles ({FIRST_YEAR}–{LAST_YEAR})", offset,
                        hint="check the year", length=len(text), code="DR005")
    return d


def parse_time(text: str, offset: int = 0, allow_24: bool = True) -> int:
    """Minutes after midnight of `HH:MM` (24:00 allowed as the end of a day)."""
    m = re.fullmatch(r"([0-9]{1,2}):([0-9]{2})", text)
    if m:
        h, mi = int(m.group(1)), int(m.group(2))
        if (h < 24 and mi < 60) or (allow_24 and h == 24 and mi == 0):
            return h * 60 + mi
    raise ExprError(f"`{text}` is not a time", offset, hint="write times as HH:MM between 00:00 and 24:00",
                    length=len(text))


def parse_span(text: str) -> tuple[datetime, datetime, bool]:
    """An absence-like span → (start, end, whole_days). Whole days are inclusive: the end is the
    midnight after the last day. `2026-12-10 14:00..18:00` takes the first date for the end."""
    tree = _parse("when", text)
    points = tree.children
    parsed: list[tuple[date | None, int | None, int]] = []
    for p in points:
        assert isinstance(p, Tree)
        toks = [t for t in p.children if isinstance(t, Token)]
        d: date | None = None
        t: int | None = None
        for tok in toks:
            if tok.type == "DATE":
                d = parse_date(str(tok), tok.start_pos or 0)
            else:
                t = parse_time(str(tok), tok.start_pos or 0)
        parsed.append((d, t, toks[0].start_pos or 0))
    first = parsed[0]
    if first[0] is None:
        raise ExprError("a span must start with a date", first[2], hint="e.g. 2026-12-10 14:00..18:00")
    last = parsed[-1]
    whole = first[1] is None and last[1] is None
    if (first[1] is None) != (last[1] is None):
        raise ExprError("give a time on both ends of the span, or on neither", last[2])
    start_d = first[0]
    end_d = last[0] or start_d
    if whole:
        start = datetime.combine(start_d, time())
        end = datetime.combine(end_d, time()) + _one_day()
    else:
        start = datetime.combine(start_d, time()) + _minutes(first[1] or 0)
        end = datetime.combine(end_d, time()) + _minutes(last[1] or 0)
    if end <= start:
        raise ExprError("the span ends before it starts", last[2])
    return start, end, whole


def _one_day() -> Any:
    from datetime import timedelta

    return timedelta(days=1)


def _minutes(n: int) -> Any:
    from datetime import timedelta

    return timedelta(minutes=n)
