"""Soundness and completeness of the validator against brute force (tests/ruleforge.py).

Over a small finite request space every request is enumerated and every rule evaluated
directly: DR101 is reported iff some request is decided by a tier whose matching rules have
different outcomes not settled by `overrides`; DR201 iff some request gets no decision and
there is no default; DR301 names exactly the satisfiable rules that decide no request; DR302
exactly the rules no request matches. Every witness, run through `decide` and brute force,
shows what the finding says.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from diaryrules.checks import run_checks
from diaryrules.context import CheckContext
from diaryrules.evaluate import decide, make_request
from diaryrules.linter import load_practice
from diaryrules.request import parse_at
from tests.ruleforge import GenFile, all_requests, brute, files_st, holds

AT = "2026-12-01T10:00"


def _typed(f: GenFile, given: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in f.all_attrs:
        v = given[a.name]
        out[a.name] = frozenset(v) if a.kind == "set" else v
    return out


@settings(max_examples=500, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(f=files_st(max_rules=12, small=True))
def test_validator_matches_brute_force(f: GenFile) -> None:
    loaded = load_practice("gen.diary.yaml", f.text())
    practice = loaded.practice
    assert practice is not None, loaded.diagnostics
    requests = all_requests(f)
    conflict = gap = False
    deciders: set[str] = set()
    matchable: set[str] = set()
    for req in requests:
        rid, amb = brute(f, req)
        conflict = conflict or amb
        if rid is None:
            gap = True
        else:
            deciders.add(rid)
        matchable.update(r.id for r in f.rules if holds(r.cond, req))
    diags = list(run_checks(CheckContext(practice), {"DR101", "DR201", "DR301", "DR302"}))
    by_span = {r.span: r.id for r in practice.rules}
    by_when = {r.when_span: r.id for r in practice.rules}
    codes = {d.code for d in diags}
    assert ("DR101" in codes) == conflict, f.text()
    assert ("DR201" in codes) == (gap and not f.default), f.text()
    # DR301: satisfiable rules that decide nothing, except exact duplicates (DR102) and rules that
    # tie somewhere (DR101): those findings already explain them
    tied: set[str] = set()
    for req in requests:
        tied |= _tied(f, req)
    dups = _duplicates(practice)
    unreachable = {by_span[d.span] for d in diags if d.code == "DR301"}
    all_ids = {r.id for r in f.rules} | ({"default"} if f.default else set())
    assert unreachable == (matchable - deciders - tied - dups), f.text()
    unsat = {by_when[d.span] for d in diags if d.code == "DR302"}
    assert unsat == {r.id for r in f.rules} - matchable, f.text()
    assert all_ids - matchable <= unsat | ({"default"} - matchable)
    for d in diags:
        if d.witness is None:
            assert d.code == "DR302"
            continue
        w = dict(d.witness)
        at = w.pop("at", AT)
        full = _typed(f, {a.name: w.get(a.name, _any(a)) for a in f.all_attrs})
        decision = decide(practice, make_request(practice, w, at))
        rid, amb = brute(f, full)
        if d.code == "DR101":
            assert decision.ambiguous and amb, (f.text(), w)
        elif d.code == "DR201":
            assert decision.action == "none" and rid is None, (f.text(), w)
        elif d.code == "DR301":
            rule_id = by_span[d.span]
            assert rule_id != rid, (f.text(), w)
            assert rule_id == "default" or holds(next(r.cond for r in f.rules if r.id == rule_id), full)
    assert parse_at(AT, None)


def _tied(f: GenFile, req: dict[str, Any]) -> set[str]:
    """Rules of the deciding tier that tie (differing outcomes, not settled), by brute force."""
    for tier in ("triage", "exceptions", "rules"):
        matched = [r for r in f.rules if r.tier == tier and holds(r.cond, req)]
        if not matched:
            continue
        ids = {r.id for r in matched}
        beaten = {o for r in matched for o in r.overrides if o in ids and o != r.id}
        cands = [r for r in matched if r.id not in beaten] or matched
        differing = [r.id for r in cands if r.then != cands[0].then]
        return {cands[0].id, *differing} if differing else set()
    return set()


def _duplicates(practice: Any) -> set[str]:
    """Later copies of a rule with the same tier, the same meaning and the same outcome."""
    from diaryrules.compile import compiled

    cp = compiled(practice)
    seen: set[Any] = set()
    out: set[str] = set()
    for i, r in enumerate(cp.rules):
        key = (r.tier, cp.rule_roots[i], r.outcome.key(), r.say)
        if key in seen:
            out.add(r.id)
        seen.add(key)
    return out


def _any(a: Any) -> Any:
    """A value for an attribute the witness leaves free (the finding holds for every value)."""
    return a.domain()[0] if a.kind != "set" else []
