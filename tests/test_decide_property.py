"""Property tests of the decision engine against a brute-force reference (tests/ruleforge.py).

Law 1: for every complete request, `decide` gives the rule, the tie and the gap that scanning
every rule by the sketch's semantics gives. Law 2: `ask` only asks about an attribute some
value of which changes the answer, and answering its questions ends in the brute-force decision.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diaryrules.compile import compiled
from diaryrules.evaluate import _walk_decisions, decide, make_request
from diaryrules.linter import load_practice
from tests.ruleforge import GenFile, brute, files_st, outcome_of, request_st, to_given

AT = "2026-12-01T10:00"


def _practice(f: GenFile) -> Any:
    loaded = load_practice("gen.diary.yaml", f.text())
    assert loaded.practice is not None, (f.text(), loaded.diagnostics)
    return loaded.practice


@settings(max_examples=500, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(f=files_st(), data=st.data())
def test_decide_equals_brute_force(f: GenFile, data: st.DataObject) -> None:
    practice = _practice(f)
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1)))
    for _ in range(50):
        req = {a.name: rng.choice(a.domain()) for a in f.all_attrs}
        want_rule, want_amb = brute(f, req)
        r = make_request(practice, to_given(req), AT)
        d = decide(practice, r)
        _same_as_the_slow_walks(practice, r, d)
        if want_rule is None:
            assert d.action == "none", (f.text(), req, d)
            continue
        assert d.rule == want_rule, (f.text(), req, d.rule, want_rule)
        assert bool(d.ambiguous) == want_amb, (f.text(), req)
        assert d.action == outcome_of(f, want_rule).split()[0]


def _same_as_the_slow_walks(practice: Any, r: Any, d: Any) -> None:
    """`decide` walks the answer diagram and derives the trail from the nodes passed: the steps
    must be those of walking the decision diagram itself, and the tie that of the matched set."""
    cp = compiled(practice)
    walk: list[str] = []
    _walk_decisions(cp, r, walk)
    assert list(d.trail[: len(walk)]) == walk, (d.trail, walk)
    n = cp.root
    while not cp.diagram.is_leaf(n):
        level = cp.diagram.level[n]
        name, atom_of = cp.walkers[level]
        n = cp.diagram.children[n][atom_of(r.values[name])]
    ld = cp.leaf_decision(cp.diagram.value[n])
    assert d.ambiguous == tuple(cp.rules[i].id for i in ld.tied)
    if ld.rule is not None:
        assert d.trail[len(walk)].startswith(f"{cp.rules[ld.rule].tier}: {cp.rules[ld.rule].id} decides")


def _outcomes_over(f: GenFile, known: dict[str, Any], unknown: list[Any]) -> set[Any]:
    out = set()
    for combo in itertools.product(*(a.domain() for a in unknown)):
        req = dict(known, **{a.name: v for a, v in zip(unknown, combo, strict=True)})
        rid, amb = brute(f, req)
        out.add((rid, amb))
    return out


def _depends(f: GenFile, known: dict[str, Any], attr: Any, others: list[Any]) -> bool:
    """Some completion of the other unknowns and two values of attr give different answers."""
    for combo in itertools.product(*(a.domain() for a in others)):
        base = dict(known, **{a.name: v for a, v in zip(others, combo, strict=True)})
        answers = {brute(f, dict(base, **{attr.name: v})) for v in attr.domain()}
        if len(answers) > 1:
            return True
    return False


def _small(f: GenFile, attrs: list[Any]) -> bool:
    size = 1
    for a in attrs:
        size *= len(a.domain())
    return size <= 4000


@settings(max_examples=300, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(f=files_st(max_rules=12), data=st.data())
def test_ask_only_what_matters_and_ends_in_brute_force(f: GenFile, data: st.DataObject) -> None:
    practice = _practice(f)
    hidden = data.draw(request_st(f))
    attrs = f.all_attrs
    start = data.draw(st.lists(st.sampled_from([a.name for a in attrs]), unique=True))
    known = {k: hidden[k] for k in start}
    for _ in range(len(attrs) + 1):
        d = decide(practice, make_request(practice, to_given(known), AT))
        if d.action != "ask":
            break
        name = d.ask["attribute"] if d.ask else ""
        assert name not in known, (f.text(), known, d)
        attr = next(a for a in attrs if a.name == name)
        others = [a for a in attrs if a.name not in known and a.name != name]
        if d.rule is None and _small(f, [attr, *others]):  # asked because the rule depends on it
            assert _depends(f, known, attr, others), (f.text(), known, name)
        known[name] = hidden[name]
    else:
        raise AssertionError("ask did not end")
    want_rule, want_amb = brute(f, hidden)
    if want_rule is None:
        assert d.action == "none"
    else:
        assert d.rule == want_rule, (f.text(), hidden, known, d.rule, want_rule)
        assert bool(d.ambiguous) == want_amb
