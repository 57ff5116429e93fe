"""The zen-engine peer: the rules of a practice as a GoRules JDM decision table (zen-engine, Rust core).

The translation, one row per rule, in tier order (triage, exceptions, rules, then the default as a
last row with every cell empty), hit policy `first`:

- one input column per attribute the rules test (field = the attribute's name with `.` and `-` made
  `_`: `call.date` → `call_date`), and one column with no field for the parts of a condition that
  are not a conjunction of tests (an `or`, a `not (…)`): its cells are full zen expressions;
- a conjunction `a and b and …` puts each test in its attribute's column, in zen's unary-test
  syntax: `"known"`, `"cmu", "ame"`, `[3..15]`, `< 16`, `[08:30..12:00)` as minutes, `true`,
  `$ != "new"`, `$ not in ["a", "b"]`, `contains($, "rash")`, `some(["a", "b"], # in $)`,
  `none([…], # in $)`; two tests of one attribute in one rule are joined with `and`;
- values: enums and reasons as strings, numbers as numbers, booleans, a set as a list of strings,
  `call.date` as the integer yyyymmdd (so that zen's numeric intervals apply: its date functions
  would parse a string per test, slower), `call.time` as minutes since midnight;
- output columns: `rule` (the deciding rule's id) and `then` (its outcome as written).

What a first-hit table cannot say, and how the comparison deals with it:

- tiers: expressible, by row order (every triage row before every exception row …);
- `overrides`: a first-hit table has only row order. Rows are put in a stable topological order
  (a rule before the rules it overrides, file order otherwise). That is exact when no other rule
  of the tier falls between an overriding rule and the rule it overrides and overlaps either,
  which holds for the generated files; in general it is not (a tie between an unrelated earlier
  rule and the overridden one changes winner);
- ties (`ambiguous: true` with both rule ids): not expressible, first hit just returns the first;
- `ask` (an attribute the answer depends on is missing): not expressible; zen evaluates a missing
  field as null. The comparison uses complete requests only;
- the answer itself: zen returns the rule id and the outcome text, where `decide` also builds the
  practitioners, durations, sites, motifs and what to say (a `Decision`).

`agreement` reports, on the benchmark's own requests, how often zen's rule equals `decide`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from diaryrules.model import Practice, Rule
from diaryrules.request import Request
from diaryrules.syntax import Always, And, Cond, Not, Or, Test

__all__ = ["available", "context_of", "translate", "version"]

EXPR_COLUMN = "c__expr"


def available() -> str | None:
    """None when zen-engine can be imported, else why not."""
    try:
        import zen  # noqa: F401
    except Exception as e:  # ImportError, or a broken native extension
        return f"zen-engine not importable: {type(e).__name__}: {e}"
    return None


def version() -> str | None:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as v

    try:
        return v("zen-engine")
    except PackageNotFoundError:
        return None


def field_of(attr: str) -> str:
    return attr.replace(".", "_").replace("-", "_")


def _string(text: str) -> str:
    """A zen string literal: zen's lexer has no backslash escapes, so pick a quote the text lacks."""
    for q in ("'", '"', "`"):
        if q not in text:
            return f"{q}{text}{q}"
    raise ValueError(f"no zen string literal can hold {text!r}")


def _lit(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, date):
        return str(v.year * 10000 + v.month * 100 + v.day)
    if isinstance(v, int):
        return str(v)
    return _string(str(v))


def _explicit(t: Test, kind: str, s: str) -> str:
    """A test as a boolean zen expression about subject `s` (`$` in a unary cell, else a field)."""
    vals = [_lit(x.py) for x in t.values]
    op = t.op
    if kind == "set":
        lst = "[" + ", ".join(vals) + "]"
        if op == "has":
            return f"contains({s}, {vals[0]})"
        fn = {"has all": "all", "has any": "some", "has none": "none"}[op]
        return f"{fn}({lst}, # in {s})"
    if op == "true":
        return f"{s} == true"
    if op == "is":
        return f"{s} == {vals[0]}"
    if op == "is not":
        return f"{s} != {vals[0]}"
    if op in ("in", "not in"):
        return f"{s} {op} [{', '.join(vals)}]"
    if op in ("range", "not range"):
        close = ")" if kind == "time" else "]"
        word = "in" if op == "range" else "not in"
        return f"{s} {word} [{vals[0]}..{vals[1]}{close}"
    return f"{s} {op} {vals[0]}"


def _unary(t: Test, kind: str) -> str:
    """The idiomatic unary cell for a single test of a column."""
    vals = [_lit(x.py) for x in t.values]
    op = t.op
    if kind != "set":
        if op == "true":
            return "true"
        if op in ("is", "in"):
            return ", ".join(vals)
        if op == "range":
            return f"[{vals[0]}..{vals[1]}{')' if kind == 'time' else ']'}"
        if op in ("<", "<=", ">", ">="):
            return f"{op} {vals[0]}"
    return _explicit(t, kind, "$")


def _expr(c: Cond, kinds: Mapping[str, str]) -> str:
    c = _unwrap(c)
    if isinstance(c, Test):
        return _explicit(c, kinds[c.attr], field_of(c.attr))
    if isinstance(c, And):
        return " and ".join(f"({_expr(i, kinds)})" for i in c.items)
    if isinstance(c, Or):
        return " or ".join(f"({_expr(i, kinds)})" for i in c.items)
    if isinstance(c, Not):
        return f"not ({_expr(c.item, kinds)})"
    return "true"


def _unwrap(c: Cond) -> Cond:
    """The parser wraps a lone operand in a one-item `Or` / `And`."""
    while isinstance(c, (And, Or)) and len(c.items) == 1:
        c = c.items[0]
    return c


def _conjuncts(c: Cond) -> list[Cond]:
    c = _unwrap(c)
    if isinstance(c, And):
        return [x for i in c.items for x in _conjuncts(i)]
    if isinstance(c, Always):
        return []
    return [c]


def _cell_test(c: Cond) -> tuple[str, Test, bool] | None:
    """(attribute, test, negated) when c is a test or `not` a test: it goes in its attribute's column."""
    if isinstance(c, Test):
        return c.attr, c, False
    if isinstance(c, Not):
        inner = _unwrap(c.item)
        if isinstance(inner, Test):
            return inner.attr, inner, True
    return None


def row_order(rules: Sequence[Rule]) -> list[Rule]:
    """Tier order; inside a tier, a rule before the rules it overrides, file order otherwise."""
    out: list[Rule] = []
    for tier in ("triage", "exceptions", "rules", "default"):
        rs = [r for r in rules if r.tier == tier]
        index = {r.id: k for k, r in enumerate(rs)}
        before: dict[int, set[int]] = {k: set() for k in range(len(rs))}  # k must come after these
        for k, r in enumerate(rs):
            for o in r.overrides:
                j = index.get(o.text)
                if j is not None and j != k:
                    before[j].add(k)
        _place_tier(rs, before, out)
    return out


def _place_tier(rs: Sequence[Rule], before: Mapping[int, set[int]], out: list[Rule]) -> None:
    placed: set[int] = set()

    def place(k: int, path: frozenset[int]) -> None:
        if k in placed or k in path:  # a cycle of overrides: keep file order
            return
        for j in sorted(before[k]):
            place(j, path | {k})
        placed.add(k)
        out.append(rs[k])

    for k in range(len(rs)):
        place(k, frozenset())


def translate(practice: Practice) -> dict[str, Any]:
    """The practice's rules as a JDM graph: input → decision table (first hit) → output."""
    kinds = {name: a.kind for name, a in practice.attributes.items()}
    used: list[str] = []
    for r in practice.rules:
        for t in _tests(r.cond):
            if t.attr not in used:
                used.append(t.attr)
    inputs = [{"id": f"c_{field_of(a)}", "name": a, "field": field_of(a)} for a in used]
    inputs.append({"id": EXPR_COLUMN, "name": "condition"})
    rows = []
    for r in row_order(practice.rules):
        cells: dict[str, list[tuple[Test, bool]]] = {}
        exprs: list[str] = []
        for part in _conjuncts(r.cond):
            cell = _cell_test(part)
            if cell is not None:
                cells.setdefault(cell[0], []).append((cell[1], cell[2]))
            else:
                exprs.append(_expr(part, kinds))
        row: dict[str, str] = {"_id": r.id}
        for a in used:
            ts = cells.get(a, [])
            if len(ts) == 1 and not ts[0][1]:
                row[f"c_{field_of(a)}"] = _unary(ts[0][0], kinds[a])
            else:
                row[f"c_{field_of(a)}"] = " and ".join(
                    f"{'not ' if neg else ''}({_explicit(t, kinds[a], '$')})" for t, neg in ts)
        row[EXPR_COLUMN] = " and ".join(f"({e})" for e in exprs)
        row["o_rule"] = _string(r.id)
        row["o_then"] = _string(str(r.outcome))
        rows.append(row)
    table = {"hitPolicy": "first", "inputs": inputs,
             "outputs": [{"id": "o_rule", "name": "rule", "field": "rule"},
                         {"id": "o_then", "name": "then", "field": "then"}],
             "rules": rows}
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "request", "type": "inputNode", "name": "request", "position": {"x": 0, "y": 0}},
            {"id": "rules", "type": "decisionTableNode", "name": "rules", "position": {"x": 300, "y": 0},
             "content": table},
            {"id": "response", "type": "outputNode", "name": "response", "position": {"x": 600, "y": 0}},
        ],
        "edges": [{"id": "e1", "sourceId": "request", "targetId": "rules", "type": "edge"},
                  {"id": "e2", "sourceId": "rules", "targetId": "response", "type": "edge"}],
    }


def _tests(c: Cond) -> Iterable[Test]:
    if isinstance(c, Test):
        yield c
    elif isinstance(c, (And, Or)):
        for i in c.items:
            yield from _tests(i)
    elif isinstance(c, Not):
        yield from _tests(c.item)


def context_of(req: Request) -> dict[str, Any]:
    """A typed request as zen's input: the same values, in the representation the table expects."""
    out: dict[str, Any] = {}
    for name, v in req.values.items():
        if isinstance(v, frozenset):
            v = sorted(v)
        elif isinstance(v, date):
            v = v.year * 10000 + v.month * 100 + v.day
        out[field_of(name)] = v
    return out


class ZenPeer:
    """zen-engine on one practice's table, for single calls and batches.

    zen's fastest paths are used: a *static* loader (the engine parses and caches the decision once)
    and `engine.evaluate(key, …)` / `engine.evaluate_batch`. Measured on this machine, the other
    ways are far slower and would flatter diaryrules: a loader callback that returns the JSON text
    is called and parsed again for every request (~25× slower on 100 rules), and
    `create_decision(…).evaluate` is ~40× slower than the engine's cached path.
    """

    KEY = "practice"

    def __init__(self, practice: Practice) -> None:
        import zen

        self.table = translate(practice)
        self.engine = zen.ZenEngine({"loader": {"type": "static", "content": {self.KEY: self.table}}})

    def rule(self, ctx: Mapping[str, Any]) -> str | None:
        result: Any = self.engine.evaluate(self.KEY, dict(ctx))["result"]
        return result.get("rule") if isinstance(result, dict) else None

    def batch_items(self, contexts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The requests of one `evaluate_batch` call (built before it is timed)."""
        return [{"key": self.KEY, "context": dict(c)} for c in contexts]

    def batch(self, items: list[dict[str, Any]]) -> list[str | None]:
        res = self.engine.evaluate_batch(items)  # type: ignore[arg-type]
        out: list[str | None] = []
        for item in res:
            data: Any = item.get("data") if item.get("success") else None
            out.append(data["result"].get("rule") if data else None)
        return out
