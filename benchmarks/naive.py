"""The naive peer: decide a request by scanning every rule and evaluating its condition directly
over the model's AST (`diaryrules.syntax`), tier by tier, with the language's semantics for
`overrides` and ties — the in-process equivalent of the brute-force reference `brute` of
tests/ruleforge.py, but reading the same `Practice` that `decide` reads.

It does not reuse `diaryrules.evaluate.evaluate_cond` for matching: that function builds an
explanation string for every test (it serves `explain`), which would make the peer slower than a
plain scan and flatter the ratio. `holds` below is a plain three-line-per-operator interpreter.
Only the last step is shared: once the deciding rule is known, the answer is built by
`diaryrules.evaluate.outcome_decision`, the very function `decide` ends with, so that both give
the same `Decision` and the ratio measures rule matching alone.

Needs complete requests: every attribute a condition tests must be given (it never asks).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from diaryrules.evaluate import Decision, outcome_decision
from diaryrules.model import Practice, Rule
from diaryrules.request import Request
from diaryrules.syntax import Always, And, Cond, Not, Or, Test

__all__ = ["NaiveEvaluator", "holds"]

TIER_ORDER = ("triage", "exceptions", "rules", "default")


def holds(c: Cond, values: Mapping[str, Any], kinds: Mapping[str, str]) -> bool:
    """Whether condition `c` holds for a request's typed values (`Request.values`)."""
    if isinstance(c, Test):
        return _test(c, values[c.attr], kinds[c.attr])
    if isinstance(c, And):
        return all(holds(i, values, kinds) for i in c.items)
    if isinstance(c, Or):
        return any(holds(i, values, kinds) for i in c.items)
    if isinstance(c, Not):
        return not holds(c.item, values, kinds)
    assert isinstance(c, Always)
    return True


def _test(t: Test, v: Any, kind: str) -> bool:
    op = t.op
    if kind == "set":
        if op in ("has", "has all"):
            return all(x.py in v for x in t.values)
        if op == "has any":
            return any(x.py in v for x in t.values)
        return not any(x.py in v for x in t.values)  # has none
    if op == "true":
        return bool(v)
    if op in ("is", "in"):
        return any(v == x.py for x in t.values)
    if op in ("is not", "not in"):
        return all(v != x.py for x in t.values)
    if op in ("range", "not range"):
        lo, hi = t.values[0].py, t.values[1].py
        inside = lo <= v < hi if kind == "time" else lo <= v <= hi
        return inside if op == "range" else not inside
    ref = t.values[0].py
    if op == "<":
        return bool(v < ref)
    if op == "<=":
        return bool(v <= ref)
    if op == ">":
        return bool(v > ref)
    return bool(v >= ref)


class NaiveEvaluator:
    """Scan-every-rule evaluation of one practice (no compilation, no index)."""

    def __init__(self, practice: Practice) -> None:
        self.practice = practice
        self.kinds = {name: a.kind for name, a in practice.attributes.items()}
        self.tiers: list[list[Rule]] = [[r for r in practice.rules if r.tier == t] for t in TIER_ORDER]

    def match(self, req: Request) -> tuple[Rule | None, tuple[Rule, ...]]:
        """(the deciding rule or None for a gap, the rules tied with it — the winner first — or ())."""
        values, kinds = req.values, self.kinds
        for rules in self.tiers:
            matched = [r for r in rules if holds(r.cond, values, kinds)]
            if not matched:
                continue
            ids = {r.id for r in matched}
            beaten = {o.text for r in matched for o in r.overrides if o.text in ids and o.text != r.id}
            candidates = [r for r in matched if r.id not in beaten] or matched
            first = candidates[0]
            key = first.outcome.key()
            differing = [r for r in candidates if r.outcome.key() != key]
            return first, ((first, *differing) if differing else ())
        return None, ()

    def decide(self, req: Request) -> Decision:
        """The same `Decision` as `diaryrules.evaluate.decide` for a complete request (trail aside)."""
        rule, tied = self.match(req)
        reason = req.values.get("reason")
        if rule is None:
            return Decision("none", reason=reason, trail=("no rule matches",))
        ambiguous = tuple(r.id for r in tied)
        if rule.outcome.action in ("book", "validate") and reason is None:
            return Decision("ask", rule=rule.id, tier=rule.tier,
                            ask={"attribute": "reason", "values": list(self.practice.reasons)})
        trail = (f"{rule.tier}: {rule.id}",)
        return outcome_decision(self.practice, rule, rule.outcome, req, trail, ambiguous)


def decide_all(ev: NaiveEvaluator, requests: Sequence[Request]) -> list[Decision]:
    return [ev.decide(r) for r in requests]
