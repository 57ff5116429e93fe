"""Re-use while loading a file (`parse.reuse`): each distinct expression text is parsed once, each
distinct sequence of condition token types once, and the `$ref`s of the schema are looked up once.

None of it may change what a load gives: every AST node keeps the span of its own occurrence (the
same as a fresh parse gives), errors repeat at each place they occur, and DR002 findings are the
plain validator's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from jsonschema import Draft202012Validator

from diaryrules import parse as parse_module
from diaryrules.diagnostics import ExprError, Span
from diaryrules.linter import load_practice
from diaryrules.loader import Node, load_file, load_text
from diaryrules.schema import _validator, check_structure, schema
from tests import helpers
from tests.test_fuzz_grammars import generated

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "examples").glob("*.diary.yaml")) + sorted((ROOT / "examples" / "broken").glob("*.yaml")) \
    + sorted((ROOT / "tests" / "fixtures").rglob("*.yaml"))


def locate_at(line: int, column: int) -> Any:
    """Positions on one line, as a plain scalar at `line:column` gives them."""
    return lambda offset, length: Span("f", line, column + offset, line, column + offset + max(1, length))


def fresh_condition(text: str, locate: Any) -> Any:
    """The condition as Lark's tree gives it, without shapes or re-use."""
    return parse_module._cond_from_tree(parse_module._parse("condition", text), locate)


def expressions(node: Node | None, keys: tuple[str, ...]) -> list[Node]:
    """Every scalar under one of `keys` (any depth)."""
    out: list[Node] = []
    stack = [node] if node is not None else []
    while stack:
        n = stack.pop()
        if n.kind == "map":
            for k, v in n.value.items():
                if k in keys and v.kind == "scalar" and isinstance(v.value, str):
                    out.append(v)
                else:
                    stack.append(v)
        elif n.kind == "seq":
            stack.extend(n.value)
    return out


RULE_FILE = """\
diaryrules: 1
practice: {{name: Test, timezone: Europe/Paris}}
diaries:
  d: {{tool: doctolib}}
practitioners:
  a: {{diary: d, hours: "Mo-Fr 08:00-12:00"}}
  b: {{diary: d, hours: "Mo-Fr 14:00-18:00"}}
attributes:
  patient: {{values: [new, known]}}
  age: {{range: 0..120}}
  red_flag: {{type: bool}}
reasons:
  consultation: {{duration: 20min}}
  renewal: {{duration: 15min}}
rules:
{rules}
default: transfer "Je vous passe le cabinet."
"""


def rule_file(rules: list[tuple[str, str]]) -> str:
    lines = []
    for i, (when, then) in enumerate(rules):
        lines += [f"  - id: r{i}", f"    when: {when}", f"    then: {then}"]
    return RULE_FILE.format(rules="\n".join(lines))


# -- conditions ------------------------------------------------------------------------------------

CONDITIONS = [
    "a", "always", "not a", "not not a", "(a)", "((a))", "a and b", "a or b and c", "(a or b) and c",
    "not (a and b) or c", "reason is renewal", "reason is not renewal", "reason == x", "reason != x",
    "reason in {a}", "reason in {a, b}", "reason in {a, b,}", "reason not in {a, b}", "age in 1..3",
    "age not in 1..3", "age < 3", "age <= 3", "age > 3", "age >= 3", "s has x", "s has any {x, y}",
    "s has all {x}", "s has none {x, y, z}", "call.time in 08:00..12:00", "call.date < 2026-12-24",
    "andy and notice", "always_x or nota", "x-and-y is a-or-b", "a\nand\tb", "  a  ", "age < 3 and patient is known",
    "age >= 65 and reason is renewal", "red_flag and not (age < 16 or patient is new)",
]


def test_lexing_is_larks() -> None:
    """The condition tokens read without Lark's lexer loop are exactly the ones it gives."""
    lark = parse_module.parser("condition")
    texts = CONDITIONS + ["a ! b", "a = b", "é", "reason is 'x'", "", "   ", "1..2", "12:30..13:00 1h",
                          "a and\n  (b or\n c)\n", "x in {\n a,\n b }"]
    words: dict[str, str] = {}
    for text in texts + texts:  # the second time with the words known
        mine = parse_module._lex_condition(text, words)
        try:
            theirs = [(t.type, str(t), t.start_pos, t.end_pos) for t in lark.lex(text)]
        except Exception:
            assert mine is None, text
            continue
        assert mine == theirs, text
        assert mine is not None
        try:
            want = lark.parse(text)
        except Exception:
            with pytest.raises(ExprError):
                parse_module._feed(mine, text)
            continue
        tree = parse_module._feed(mine, text)  # and fed to Lark's parser, they make its tree
        assert tree == want, text
        assert metas(tree) == metas(want), text


def metas(tree: Any) -> list[Any]:
    """Every position Lark's tree holds, in order."""
    out: list[Any] = []
    for sub in tree.iter_subtrees_topdown():
        m = sub.meta
        out.append((sub.data, None if getattr(m, "empty", True) else (m.line, m.column, m.end_line, m.end_column,
                                                                       m.start_pos, m.end_pos)))
        for t in sub.children:
            if not hasattr(t, "children"):
                out.append((t.type, t.line, t.column, t.end_line, t.end_column, t.start_pos, t.end_pos))
    return out


@pytest.mark.parametrize("text", CONDITIONS)
def test_condition_shapes_give_larks_tree(text: str) -> None:
    """Through a shape, inside and outside a re-use block, a condition is what Lark's tree gives."""
    locate = locate_at(7, 11)
    want = fresh_condition(text, locate)
    assert parse_module.parse_condition(text, locate) == want
    with parse_module.reuse():
        assert parse_module.parse_condition(text, locate) == want
        assert parse_module.parse_condition(text, locate) == want  # from the text's entry


def test_one_shape_serves_other_texts_with_their_own_spans() -> None:
    """Conditions lexed into the same token types share a shape: each keeps its own words and spans."""
    texts = ["age < 3 and patient is known", "age >= 65 and reason is renewal",
             "x_long_name > 100 and p is some-value", "(a is b)", "(cc is dd)"]
    with parse_module.reuse():
        got = [parse_module.parse_condition(t, locate_at(3 + i, 5 + i)) for i, t in enumerate(texts)]
    assert got == [fresh_condition(t, locate_at(3 + i, 5 + i)) for i, t in enumerate(texts)]
    assert got[0] != got[1]


def test_same_condition_at_two_places() -> None:
    with parse_module.reuse():
        one = parse_module.parse_condition("patient is known and age < 16", locate_at(10, 11))
        two = parse_module.parse_condition("patient is known and age < 16", locate_at(20, 3))
    assert one == fresh_condition("patient is known and age < 16", locate_at(10, 11))
    assert two == fresh_condition("patient is known and age < 16", locate_at(20, 3))
    assert one.span.line == 10 and two.span.line == 20


@pytest.mark.parametrize("text", ["reason is", "a and", "(a", "a)", "reason = x", "reason is 'x'", "é",
                                  "(" * 60 + "a" + ")" * 60, "not " * 60 + "a", "a " + "b" * 5000])
def test_condition_errors_repeat(text: str) -> None:
    """A condition's error is the same each time the text comes, inside a re-use block or not."""
    with pytest.raises(ExprError) as fresh:
        parse_module._parse("condition", text)
    for _ in range(2):
        with parse_module.reuse():
            for _ in range(2):
                with pytest.raises(ExprError) as again:
                    parse_module.parse_condition(text, locate_at(1, 1))
                e, f = again.value, fresh.value
                assert (e.message, e.offset, e.hint, e.length, e.code) == (f.message, f.offset, f.hint, f.length,
                                                                           f.code)


def test_every_condition_of_the_examples_and_fixtures() -> None:
    """Each `when:`/`for:` of the bundled files, read in one block per file, as Lark's tree gives it."""
    seen = 0
    for path in FILES:
        src = load_file(str(path))
        nodes = expressions(src.root, ("when", "for"))
        with parse_module.reuse():
            for node in nodes:
                text = str(node.value)
                try:
                    want = fresh_condition(text, node.offset_span)
                except ExprError as e:
                    with pytest.raises(ExprError) as got:
                        parse_module.parse_condition(text, node.offset_span)
                    assert (got.value.message, got.value.offset) == (e.message, e.offset)
                    continue
                assert parse_module.parse_condition(text, node.offset_span) == want, (path, text)
                seen += 1
    assert seen > 50


# -- outcomes --------------------------------------------------------------------------------------


def test_same_outcome_at_two_places_keeps_its_own_spans() -> None:
    """One outcome text on two rules: parsed once, each rule's outcome pointing at its own line."""
    then = '"book with a, b within 2d duration 20min else callback within 1h \\"Rappel.\\""'
    text = rule_file([("patient is known", then), ("patient is new", then), ("age < 3", "book within 1d")])
    path_lines = text.split("\n")
    loaded = load_practice("f.diary.yaml", text=text)
    assert loaded.practice is not None, loaded.diagnostics
    r0, r1 = loaded.practice.rules[0], loaded.practice.rules[1]
    assert r0.outcome.key() == r1.outcome.key()
    for rule in (r0, r1):
        line = rule.then_span.line
        assert path_lines[line - 1].lstrip().startswith("then:")
        spans = [rule.outcome.span, rule.outcome.with_[0].span, rule.outcome.with_[1].span,
                 rule.outcome.within.span if rule.outcome.within else None,
                 rule.outcome.duration.span if rule.outcome.duration else None]
        assert rule.outcome.fallback is not None and rule.outcome.fallback.within is not None
        spans.append(rule.outcome.fallback.within.span)
        assert all(s is not None and s.line == line for s in spans)
        # as a fresh parse of that one scalar gives them
        src = load_text(text, "f.diary.yaml")
        assert src.root is not None
        node = src.root.get("rules").value[rule.index].get("then")  # type: ignore[union-attr]
        assert rule.outcome == parse_module._outcome(parse_module._parse("outcome", str(node.value)),
                                                      parse_module._Span(node.offset_span))
    assert r0.outcome.with_[0].span != r1.outcome.with_[0].span


def test_same_outcome_error_at_two_places() -> None:
    """A wrong outcome on two rules: one DR003 at each."""
    text = rule_file([("patient is known", "book within 2d within 3d"), ("patient is new", "book within 2d within 3d"),
                      ("age < 3", "bok within 1d"), ("age > 90", "bok within 1d")])
    loaded = load_practice("f.diary.yaml", text=text)
    found = sorted((d.code, d.span.line, d.span.column, d.span.end_column, d.message, d.hint)
                   for d in loaded.diagnostics)
    lines = text.split("\n")
    then_lines = [i + 1 for i, line in enumerate(lines) if line.lstrip().startswith("then:")]
    assert [f[1] for f in found] == then_lines
    assert found[0][2:] == found[1][2:] and found[2][2:] == found[3][2:]
    assert found[0][4] == "`within` is given twice" and found[2][4] == "unknown action `bok`"


# -- the schema --------------------------------------------------------------------------------------


def error_facts(errors: Any) -> list[Any]:
    out = []
    for e in errors:
        out.append((e.message, e.validator, repr(e.validator_value), list(e.path), list(e.schema_path),
                    list(e.relative_schema_path), repr(e.instance), error_facts(e.context)))
    return sorted(out, key=repr)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_schema_errors_are_the_plain_validators(path: Path) -> None:
    src = load_file(str(path))
    if src.root is None:
        return
    instance = src.root.to_python()
    plain = Draft202012Validator(schema())
    assert error_facts(_validator().iter_errors(instance)) == error_facts(plain.iter_errors(instance))
    check_structure(src.root, str(path))  # and it explains them


# -- the shapes against Lark's own tree, on generated conditions ---------------------------------------

def _outcome_of(fn: Any) -> Any:
    try:
        return ("ok", fn())
    except ExprError as e:
        return ("error", e.message, e.offset, e.hint, e.code)


@given(text=generated("condition"))
@helpers.fuzz_settings(2000)
def test_generated_conditions_through_shapes_are_larks(text: str) -> None:
    """Any condition the grammar can produce (and its errors) comes out of the shapes and the fast
    lexer exactly as from Lark's tree: the first parse in a block makes the shape, the second reads
    it back, and a text of the same token types reuses it."""
    locate = locate_at(3, 9)
    want = _outcome_of(lambda: parse_module.parse_condition(text, locate))
    if want[0] == "ok":
        assert want == _outcome_of(lambda: fresh_condition(text, locate))
    with parse_module.reuse():
        assert _outcome_of(lambda: parse_module.parse_condition(text, locate)) == want
        assert _outcome_of(lambda: parse_module.parse_condition(text, locate)) == want
        spaced = f" {text}"  # the same token types, every position one further
        assert _outcome_of(lambda: parse_module.parse_condition(spaced, locate)) == \
            _outcome_of(lambda: fresh_condition(spaced, locate))
