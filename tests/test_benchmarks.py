"""The benchmark suite's own correctness (benchmarks/): the generator is deterministic by seed and its
files load clean; the naive peer and the zen-engine translation give `decide`'s answers. No timing
is asserted here: speed is measured by `python -m benchmarks.run`, never by the tests."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import generate, proportions, sample_requests
from benchmarks.naive import NaiveEvaluator
from benchmarks.run import growth_exponent, write_atomically
from diaryrules.evaluate import decide, make_request
from diaryrules.linter import load_practice


def _practice(n: int, seed: int) -> Any:
    loaded = load_practice(f"bench-{n}-{seed}.diary.yaml", generate(n, seed))
    assert loaded.practice is not None, loaded.diagnostics[:5]
    assert loaded.diagnostics == []
    return loaded.practice


def test_generator_is_deterministic_by_seed() -> None:
    assert generate(100, 7) == generate(100, 7)
    assert generate(100, 7) != generate(100, 8)
    assert generate(300, 0, practitioners=20) == generate(300, 0, practitioners=20)


@pytest.mark.parametrize(("n", "seed"), [(100, 0), (100, 1), (250, 2)])
def test_generated_files_load_clean_with_the_planned_proportions(n: int, seed: int) -> None:
    practice = _practice(n, seed)
    p = proportions(n)
    rules = [r for r in practice.rules if r.tier != "default"]
    assert len(rules) == n
    assert practice.default is not None
    assert sum(r.tier == "triage" for r in rules) == p.triage
    assert sum(r.tier == "exceptions" for r in rules) == p.exceptions
    assert len(practice.reasons) == p.reasons
    assert len(practice.practitioners) == p.practitioners
    declared = [a for a in practice.attributes.values() if not a.builtin]
    assert len(declared) == 8
    assert practice.reserved and any(r.overrides for r in rules)
    assert any("call.date" in str(r.cond) for r in rules)


def test_requests_are_complete_and_deterministic() -> None:
    practice = _practice(100, 0)
    a, b = sample_requests(practice, 50, seed=3), sample_requests(practice, 50, seed=3)
    assert a == b
    declared = {n for n, attr in practice.attributes.items() if not attr.builtin}
    for given in a:
        assert declared <= set(given) and "reason" in given and "at" in given


def test_naive_scan_agrees_with_decide_on_200_random_complete_requests() -> None:
    practice = _practice(100, 0)
    naive = NaiveEvaluator(practice)
    tiers = set()
    for given in sample_requests(practice, 200, seed=11):
        req = make_request(practice, given)
        ours, theirs = decide(practice, req), naive.decide(req)
        assert ours.action != "ask", given
        assert dataclasses.replace(ours, trail=()) == dataclasses.replace(theirs, trail=()), given
        tiers.add(ours.tier)
    assert {"triage", "rules"} <= tiers  # the requests reach more than one tier


def test_zen_translation_agrees_with_decide() -> None:
    pytest.importorskip("zen")
    from benchmarks.zen import ZenPeer, context_of

    practice = _practice(100, 1)
    peer = ZenPeer(practice)
    reqs = [make_request(practice, g) for g in sample_requests(practice, 200, seed=12)]
    ctxs = [context_of(r) for r in reqs]
    want = [decide(practice, r).rule for r in reqs]
    assert [peer.rule(c) for c in ctxs] == want
    assert peer.batch(peer.batch_items(ctxs)) == want


def test_growth_exponent_and_atomic_results(tmp_path: Path) -> None:
    assert math.isclose(growth_exponent([(100, 1.0), (1000, 10.0), (5000, 50.0)]) or 0, 1.0)
    assert math.isclose(growth_exponent([(100, 1.0), (1000, 100.0)]) or 0, 2.0)
    out = tmp_path / "results.json"
    write_atomically(out, {"a": 1})
    assert json.loads(out.read_text()) == {"a": 1}
    assert not (tmp_path / "results.json.tmp").exists()
