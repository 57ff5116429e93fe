"""`decide`'s table (evaluate._walk_table) against the plain path it stands for.

For a complete request, `decide` walks linked rows (in C where diaryrules/_speedups.c is built, and
in Python: both are tested) and, at the leaf, copies the answer made with
the table for the request's reason, changing who, where, how long and which motif when a
practitioner is asked for. The law: whatever path it takes, the decision is the one the walk of
the decision diagram and `_finish` (no table, no cache) give, field for field, trail included.
The requests ask for practitioners who take the reason and ones who do not, sites offered and
not, so that every path is taken; the test counts them, so it fails if one is no longer reached.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import generate, sample_requests
from diaryrules import evaluate
from diaryrules.compile import compiled
from diaryrules.evaluate import _ASKS_IGNORED, _decide_incomplete, _matched_key, decide, make_request
from diaryrules.linter import load_practice
from tests.test_speedups import native_module

EXAMPLES = sorted(Path(__file__).resolve().parent.parent.joinpath("examples").glob("*.diary.yaml"))


def _load(name: str, text: str) -> Any:
    loaded = load_practice(name, text)
    assert loaded.practice is not None, loaded.diagnostics[:5]
    return loaded.practice


def _practices() -> list[tuple[str, Any]]:
    out = [(f"generated-{n}", _load(f"bench-{n}.diary.yaml", generate(n, seed))) for n, seed in ((100, 0), (300, 4))]
    out += [(p.name, _load(str(p), p.read_text(encoding="utf-8"))) for p in EXAMPLES]
    # an outcome that names its sites (`at`), which neither the generator nor the examples write
    dental = next(p for p in EXAMPLES if "dentaire" in p.name).read_text(encoding="utf-8")
    before = "then: book within 14d in afternoons"
    assert before in dental
    out.append(("booking-at-sites", _load("at.diary.yaml", dental.replace(
        before, "then: book at fauteuil-1, radio within 14d in afternoons"))))
    return out


def _requests(practice: Any, n: int, seed: int) -> list[Any]:
    rng = random.Random(seed)
    prs = [*practice.practitioners, "none"]
    sites = [*practice.sites, "none"]
    out = []
    for given in sample_requests(practice, n, seed=seed):
        if rng.random() < 0.4:
            given["practitioner"] = rng.choice(prs)
        if rng.random() < 0.3:
            given["site"] = rng.choice(sites)
        # within the school-holiday data some examples read (it ends in 2028)
        given["at"] = f"2027-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(8, 18):02d}:00"
        out.append(make_request(practice, given))
    return out


def _path(cp: Any, req: Any) -> str:
    """Which of decide's ways of finishing a complete request this one takes."""
    values = req.values
    row = cp.walk
    while (name := row[0]) is not None:
        row = row[5 + row[1](values[name])]
    asks, ready = row[5], row[4]
    if ready.get(values.get("reason")) is None:
        return "no answer made with the table"
    if values.get("practitioner", "none") == "none" and values.get("site", "none") == "none":
        return "as made"
    if asks is _ASKS_IGNORED:
        return "asks change nothing"
    table, _o, parts = asks
    key = (values.get("reason"), values.get("practitioner", "none"))
    if parts is not None:
        if values.get("site", "none") == "none" and key in parts:
            return "fallback books: from the table"
        return "outcome part and rule"
    if values.get("site", "none") == "none" and key in table:
        return "practitioner asked: from the table"
    return "practitioner or site asked: worked out"


@pytest.fixture(params=["C", "Python"])
def walk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """decide's walk in C (diaryrules/_speedups.c) and the same steps in Python: both must hold."""
    if request.param == "C":
        monkeypatch.setattr(evaluate, "native_answer", native_module().answer)
    else:
        monkeypatch.setattr(evaluate, "native_answer", None)
    return str(request.param)


@pytest.mark.parametrize("name,practice", _practices(), ids=lambda v: v if isinstance(v, str) else "")
def test_decide_equals_the_walk_without_table_or_cache(name: str, practice: Any, walk: str) -> None:
    cp = compiled(practice)
    cp.walk_wanted = True  # the table from the first complete request on
    paths: Counter[str] = Counter()
    for k, req in enumerate(_requests(practice, 600, seed=len(name))):
        if not req.values.keys() >= cp.attribute_names:
            continue
        got = decide(practice, req)
        want = _decide_incomplete(cp, req, _matched_key(cp, req))  # walks the decision diagram: no table
        assert got == want, (name, k, req.given)
        assert got.to_json() == want.to_json(), (name, k, req.given)
        assert got.outcome is want.outcome
        paths[_path(cp, req)] += 1
    assert paths["as made"] > 0, paths
    if name.startswith("generated"):
        for way in ("asks change nothing", "practitioner asked: from the table", "fallback books: from the table",
                    "practitioner or site asked: worked out", "outcome part and rule"):
            assert paths[way] > 0, (way, paths)
    if name == "booking-at-sites":
        assert paths["practitioner or site asked: worked out"] > 0, paths


def test_the_table_is_made_from_the_file_alone() -> None:
    """Deciding fills no part of the table: what it holds is the same before and after, and the
    same for a practice compiled again — so it keeps nothing of a request (patient details)."""
    practice = _load("bench-100.diary.yaml", generate(100, 0))
    cp = compiled(practice)
    for req in _requests(practice, 2, seed=1):
        decide(practice, req)
    table = cp.walk
    assert table is not None

    def leaves(row: Any, out: list[Any], seen: set[int]) -> list[Any]:
        if id(row) in seen:
            return out
        seen.add(id(row))
        if row[0] is None:
            out.append((row[2], row[3], sorted((r, sorted(f.items(), key=str)) for r, f in row[4].items())))
        else:
            for kid in row[5:]:
                leaves(kid, out, seen)
        return out

    before = repr(leaves(table, [], set()))
    for req in _requests(practice, 500, seed=2):
        decide(practice, req)
    assert cp.walk is table
    assert repr(leaves(table, [], set())) == before
    again = _load("bench-100.diary.yaml", generate(100, 0))
    for req in _requests(again, 2, seed=1):
        decide(again, req)
    assert repr(leaves(compiled(again).walk, [], set())) == before


def test_the_table_is_made_by_the_second_complete_request() -> None:
    """A one-off query (the command line) does not pay for the table: the first complete request
    is answered from the decision diagram, the second makes the table; both answers are the
    ones without table or cache."""
    practice = _load("bench-100.diary.yaml", generate(100, 0))
    cp = compiled(practice)
    first, second = _requests(practice, 2, seed=3)
    assert first.values.keys() >= cp.attribute_names and second.values.keys() >= cp.attribute_names
    assert decide(practice, first) == _decide_incomplete(cp, first, _matched_key(cp, first))
    assert cp.walk is None
    assert decide(practice, second) == _decide_incomplete(cp, second, _matched_key(cp, second))
    assert cp.walk is not None
