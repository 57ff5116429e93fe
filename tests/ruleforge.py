"""Random small rule files and a brute-force reference evaluator, written straight from the
sketch's semantics (scan every rule), for the property tests of the decision engine and the
validator. Shared by tests; never shipped."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

OUTCOMES = [
    "book within 7d",
    "book within 2d",
    'refuse "Non."',
    "transfer",
    'redirect emergency "Appelez le 15."',
    "callback within 1h",
    "validate by p1",
    "book with p2 within 14d",
]


@dataclass
class Attr:
    name: str
    kind: str  # enum | int | bool | set
    values: list[str] = field(default_factory=list)
    lo: int = 0
    hi: int = 0

    def domain(self) -> list[Any]:
        if self.kind == "enum":
            return list(self.values)
        if self.kind == "int":
            return list(range(self.lo, self.hi + 1))
        if self.kind == "bool":
            return [False, True]
        return [frozenset(c) for n in range(len(self.values) + 1) for c in itertools.combinations(self.values, n)]

    def yaml(self) -> str:
        if self.kind == "enum":
            return f"{{values: [{', '.join(self.values)}]}}"
        if self.kind == "int":
            return f"{{range: {self.lo}..{self.hi}}}"
        if self.kind == "bool":
            return "{type: bool}"
        return f"{{set: [{', '.join(self.values)}]}}"


@dataclass
class GenRule:
    id: str
    tier: str
    cond: Any  # nested tuples: ("test", attr, op, values) | ("and", a, b) | ("or", a, b) | ("not", a) | ("always",)
    then: str
    overrides: list[str] = field(default_factory=list)


@dataclass
class GenFile:
    attrs: list[Attr]
    reasons: list[str]
    rules: list[GenRule]
    default: str | None

    @property
    def all_attrs(self) -> list[Attr]:
        return [Attr("reason", "enum", list(self.reasons)), *self.attrs]

    def text(self) -> str:
        lines = [
            "diaryrules: 1",
            "practice: {name: Test, timezone: Europe/Paris}",
            "diaries: {d: {tool: doctolib}}",
            "practitioners:",
            "  p1: {diary: d, hours: \"Mo-Fr 08:00-18:00\"}",
            "  p2: {diary: d, hours: \"Mo-Fr 08:00-18:00\"}",
            "attributes:",
        ]
        lines += [f"  {a.name}: {a.yaml()}" for a in self.attrs]
        lines.append("reasons:")
        lines += [f"  {r}: {{duration: 15min, motifs: {{d: M}}}}" for r in self.reasons]
        for tier in ("triage", "exceptions", "rules"):
            rs = [r for r in self.rules if r.tier == tier]
            if not rs:
                continue
            lines.append(f"{tier}:")
            for r in rs:
                lines.append(f"  - id: {r.id}")
                lines.append(f"    when: {quote(cond_text(r.cond))}")
                lines.append(f"    then: {quote(r.then)}")
                if r.overrides:
                    lines.append(f"    overrides: [{', '.join(r.overrides)}]")
        if self.default:
            lines.append(f"default: {quote(self.default)}")
        return "\n".join(lines) + "\n"


def quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def cond_text(c: Any) -> str:
    k = c[0]
    if k == "always":
        return "always"
    if k == "not":
        return f"not ({cond_text(c[1])})"
    if k in ("and", "or"):
        return f"({cond_text(c[1])}) {k} ({cond_text(c[2])})"
    _, attr, op, vals = c
    if op == "true":
        return attr
    if op in ("in", "not in", "has any", "has all", "has none"):
        return f"{attr} {op} {{{', '.join(str(v) for v in vals)}}}"
    if op in ("range", "not range"):
        return f"{attr} {'in' if op == 'range' else 'not in'} {vals[0]}..{vals[1]}"
    return f"{attr} {op} {vals[0]}"


# -- brute force ------------------------------------------------------------------------------

def holds(c: Any, req: dict[str, Any]) -> bool:
    k = c[0]
    if k == "always":
        return True
    if k == "not":
        return not holds(c[1], req)
    if k == "and":
        return holds(c[1], req) and holds(c[2], req)
    if k == "or":
        return holds(c[1], req) or holds(c[2], req)
    _, attr, op, vals = c
    v = req[attr]
    if op == "true":
        return bool(v)
    if op == "is":
        return v == _typed(vals[0])
    if op == "is not":
        return v != _typed(vals[0])
    if op == "in":
        return v in [_typed(x) for x in vals]
    if op == "not in":
        return v not in [_typed(x) for x in vals]
    if op == "range":
        return vals[0] <= v <= vals[1]
    if op == "not range":
        return not vals[0] <= v <= vals[1]
    if op == "<":
        return v < vals[0]
    if op == "<=":
        return v <= vals[0]
    if op == ">":
        return v > vals[0]
    if op == ">=":
        return v >= vals[0]
    if op in ("has", "has all"):
        return all(x in v for x in vals)
    if op == "has any":
        return any(x in v for x in vals)
    return not any(x in v for x in vals)  # has none


def _typed(x: Any) -> Any:
    return {"yes": True, "no": False}.get(x, x) if isinstance(x, str) else x


def brute(f: GenFile, req: dict[str, Any]) -> tuple[str | None, bool]:
    """(deciding rule id or None for a gap, ambiguous) — the sketch's semantics, scanning every rule."""
    for tier in ("triage", "exceptions", "rules"):
        matched = [r for r in f.rules if r.tier == tier and holds(r.cond, req)]
        if not matched:
            continue
        ids = {r.id for r in matched}
        beaten = {o for r in matched for o in r.overrides if o in ids and o != r.id}
        cands = [r for r in matched if r.id not in beaten] or matched
        first = cands[0]
        ambiguous = any(r.then != first.then for r in cands)
        return first.id, ambiguous
    if f.default:
        return "default", False
    return None, False


def outcome_of(f: GenFile, rule_id: str | None) -> str | None:
    if rule_id is None:
        return None
    if rule_id == "default":
        return f.default
    return next(r.then for r in f.rules if r.id == rule_id)


# -- strategies ------------------------------------------------------------------------------

@st.composite
def attrs_st(draw: Any, small: bool = False) -> list[Attr]:
    n = draw(st.integers(2, 3 if small else 5))
    out: list[Attr] = []
    for i in range(n):
        kind = draw(st.sampled_from(["enum", "int", "bool", "set"]))
        name = f"a{i}"
        if kind == "enum":
            out.append(Attr(name, kind, [f"v{i}{j}" for j in range(draw(st.integers(2, 3 if small else 4)))]))
        elif kind == "int":
            lo = draw(st.integers(0, 5))
            out.append(Attr(name, kind, lo=lo, hi=lo + draw(st.integers(2, 4 if small else 9))))
        elif kind == "bool":
            out.append(Attr(name, kind))
        else:
            out.append(Attr(name, kind, [f"e{i}{j}" for j in range(draw(st.integers(2, 2 if small else 3)))]))
    return out


@st.composite
def test_st(draw: Any, attrs: list[Attr]) -> Any:
    a = draw(st.sampled_from(attrs))
    if a.kind == "enum":
        op = draw(st.sampled_from(["is", "is not", "in", "not in"]))
        if op in ("is", "is not"):
            return ("test", a.name, op, [draw(st.sampled_from(a.values))])
        vals = draw(st.lists(st.sampled_from(a.values), min_size=1, max_size=len(a.values), unique=True))
        return ("test", a.name, op, vals)
    if a.kind == "int":
        op = draw(st.sampled_from(["is", "is not", "<", "<=", ">", ">=", "range", "not range", "in"]))
        x = draw(st.integers(a.lo, a.hi))
        if op in ("range", "not range"):
            y = draw(st.integers(x, a.hi))
            return ("test", a.name, op, [x, y])
        if op == "in":
            return ("test", a.name, op, sorted({x, draw(st.integers(a.lo, a.hi))}))
        return ("test", a.name, op, [x])
    if a.kind == "bool":
        op = draw(st.sampled_from(["true", "is", "is not"]))
        return ("test", a.name, op, [] if op == "true" else [draw(st.sampled_from(["yes", "no"]))])
    op = draw(st.sampled_from(["has", "has any", "has all", "has none"]))
    if op == "has":
        return ("test", a.name, op, [draw(st.sampled_from(a.values))])
    vals = draw(st.lists(st.sampled_from(a.values), min_size=1, max_size=len(a.values), unique=True))
    return ("test", a.name, op, vals)


@st.composite
def cond_st(draw: Any, attrs: list[Attr], depth: int = 0) -> Any:
    choice = draw(st.integers(0, 9)) if depth < 2 else 0
    if choice <= 4:
        return draw(test_st(attrs))
    if choice <= 7:
        return (draw(st.sampled_from(["and", "or"])), draw(cond_st(attrs, depth + 1)), draw(cond_st(attrs, depth + 1)))
    if choice == 8:
        return ("not", draw(cond_st(attrs, depth + 1)))
    return ("always",)


@st.composite
def files_st(draw: Any, min_rules: int = 2, max_rules: int = 25, small: bool = False) -> GenFile:
    attrs = draw(attrs_st(small))
    reasons = [f"r{j}" for j in range(draw(st.integers(1, 4)))]
    all_attrs = [Attr("reason", "enum", reasons), *attrs]
    n = draw(st.integers(min_rules, max_rules))
    rules: list[GenRule] = []
    for i in range(n):
        tier = draw(st.sampled_from(["triage", "exceptions", "rules", "rules", "rules"]))
        rules.append(GenRule(f"x{i}", tier, draw(cond_st(all_attrs)), draw(st.sampled_from(OUTCOMES))))
    for r in rules:
        same = [o.id for o in rules if o.tier == r.tier and o.id != r.id]
        if same and draw(st.integers(0, 4)) == 0:
            r.overrides = draw(st.lists(st.sampled_from(same), min_size=1, max_size=2, unique=True))
    default = draw(st.sampled_from([None, "transfer", 'refuse "Fermé."']))
    return GenFile(attrs, reasons, rules, default)


def request_st(f: GenFile) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({a.name: st.sampled_from(a.domain()) for a in f.all_attrs})


def all_requests(f: GenFile) -> list[dict[str, Any]]:
    attrs = f.all_attrs
    return [dict(zip((a.name for a in attrs), combo, strict=True))
            for combo in itertools.product(*(a.domain() for a in attrs))]


def to_given(req: dict[str, Any]) -> dict[str, Any]:
    """A typed request → what `query --request` takes."""
    return {k: sorted(v) if isinstance(v, frozenset) else v for k, v in req.items()}
