"""The C part (diaryrules/_speedups.c) against the same steps in Python: decide's walk, the
matched-set walk of the compile, the slot objects of a listing.

The laws: for any request, the C walk reaches the leaf the Python loop reaches, with the same
trail, and `answer` gives the decision `decide`'s Python steps give (tests/test_decide_table.py
compares whole decisions, both ways); the compile makes the same diagram node for node; a listing
has the same slots, fields in the same order. The module is built by the install (setup.py); where
it is not, these tests fail and say how to build it — the pure-Python fallback is what
`DIARYRULES_PURE_PYTHON=1` runs. Input not shaped as the package makes it raises, never crashes
the process.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.generate import generate
from diaryrules import compile as compile_module
from diaryrules.compile import compile_practice, compiled
from diaryrules.evaluate import _ASKS_IGNORED, Decision, _walk_table, decide
from diaryrules.linter import load_practice
from diaryrules.request import Request
from tests.ruleforge import files_st

EXAMPLES = sorted(Path(__file__).resolve().parent.parent.joinpath("examples").glob("*.diary.yaml"))


def native_module() -> ModuleType:
    try:
        return importlib.import_module("diaryrules._speedups")
    except ImportError as e:  # pragma: no cover - what a machine without a C compiler sees
        pytest.fail(f"diaryrules._speedups is not built ({e}): install a C compiler and run "
                    f"`pip install -e .` again (setup.py builds it)")


@cache
def _practice() -> Any:
    loaded = load_practice("bench-300.diary.yaml", generate(300, seed=4))
    assert loaded.practice is not None
    practice = loaded.practice
    compiled(practice)
    return practice


def _python_walk(row: Any, values: Any, trail: list[str]) -> Any:
    while (name := row[0]) is not None:
        a = row[1](values[name])
        if t := row[2][a]:
            trail.append(t)
        row = row[5 + a]
    return row


@st.composite
def _values(draw: st.DrawFn) -> dict[str, Any]:
    """Typed request values as `make_request` makes them, over whole ranges: ints at and beyond
    every bound, dates over centuries, any subset of a set."""
    practice = _practice()
    cp = compiled(practice)
    out: dict[str, Any] = {}
    for d in cp.dims:
        attr = d.attr
        if attr.name in out:
            continue
        if attr.kind == "enum" or attr.name in ("reason", "practitioner", "site"):
            labels = list(d.label_index)
            out[attr.name] = draw(st.sampled_from(labels))
        elif attr.kind == "set":
            out[attr.name] = frozenset(draw(st.lists(st.sampled_from(list(attr.values)), max_size=4)))
        elif attr.kind == "bool":
            out[attr.name] = draw(st.booleans())
        elif d.kind == "date":
            out[attr.name] = date(1900, 1, 1) + timedelta(days=draw(st.integers(0, 300 * 366)))
        else:
            bounds = [c for c in d.cuts if isinstance(c, int)]
            near = st.sampled_from(bounds).flatmap(lambda b: st.integers(b - 2, b + 2)) if bounds else st.nothing()
            out[attr.name] = draw(st.one_of(near, st.integers(-10**6, 10**6)))
    return out


@settings(max_examples=400, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=_values())
def test_c_walk_reaches_the_leaf_and_trail_of_the_python_loop(values: dict[str, Any]) -> None:
    cp = compiled(_practice())
    root = cp.walk or _walk_table(cp)
    want_trail: list[str] = []
    want = _python_walk(root, values, want_trail)
    got_trail: list[str] = []
    got = native_module().walk(root, values, got_trail)
    assert got is want
    assert got_trail == want_trail


def test_every_kind_of_test_is_walked_in_c() -> None:
    """The generated file has every kind of test the C walk knows (enum, set element, truth,
    bounds, dates): otherwise the property above would not cover them."""
    cp = compiled(_practice())
    assert {how for how, _data in cp.walk_tests} == {1, 2, 3, 4, 5}


def test_answer_gives_the_decision_or_the_leaf() -> None:
    """`answer` makes the Decision where the table holds it (a practitioner asked for included),
    else hands the leaf back with the trail walked so far (decide finishes in Python)."""
    practice = _practice()
    cp = compiled(practice)
    root = cp.walk or _walk_table(cp)
    answer = native_module().answer
    made = asked = handed = 0
    for k in range(300):
        values = _sampled(k)
        trail: list[str] = []
        out = answer(root, values, trail, Decision, _ASKS_IGNORED)
        py_trail: list[str] = []
        leaf = _python_walk(root, values, py_trail)
        if out.__class__ is Decision:
            made += 1
            assert out == decide(practice, Request(values, None, {}))
            assert out.trail == tuple(trail)
            assert out.trail[:len(py_trail) + 1] == (*py_trail, leaf[2])
            asked += values.get("practitioner", "none") != "none"
        else:
            handed += 1
            assert out is leaf and trail == py_trail
    assert made and asked and handed, (made, asked, handed)


def _sampled(k: int) -> dict[str, Any]:
    from benchmarks.generate import sample_requests
    from diaryrules.evaluate import make_request

    practice = _practice()
    given_ = sample_requests(practice, 1, seed=50_000 + k)[0]
    if k % 3 == 0:
        given_["practitioner"] = sorted(practice.practitioners)[k % len(practice.practitioners)]
    return dict(make_request(practice, given_).values)


def _leaf() -> tuple[Any, ...]:
    return (None, "decision", "decides", (), {}, _ASKS_IGNORED)


@pytest.mark.parametrize("row,values,error", [
    ((), {}, TypeError),                                                      # empty row
    ("not a row", {}, TypeError),
    (("a", len, ("",), (_leaf(),)), {"a": 1}, TypeError),                     # no children
    (("a", None, [""], 1, {1: 0}, _leaf()), {"a": 1}, TypeError),             # words in a list
    (("a", None, ("",), 1, {1: 1}, _leaf()), {"a": 1}, IndexError),           # atom out of range
    (("a", None, ("", ""), 1, {1: 1}, _leaf()), {"a": 1}, IndexError),        # one word, no child
    (("a", None, ("",), 1, {1: -1}, _leaf()), {"a": 1}, IndexError),          # negative atom
    (("a", None, ("",), 1, {1: "x"}, _leaf()), {"a": 1}, TypeError),          # not an index
    (("a", None, ("",), 1, {1: 0}, _leaf()), {"a": 2}, KeyError),             # value not a label
    (("a", None, ("",), 1, {1: 0}, _leaf()), {}, KeyError),                   # attribute not given
    (("a", None, ("",), 9, None, _leaf()), {"a": 1}, TypeError),              # test code unknown
    (("a", None, ("",), 4, [1], _leaf()), {"a": 1}, TypeError),               # bounds not a tuple
    (("a", None, ("",), 4, ("x",), _leaf()), {"a": 1}, TypeError),            # bounds not comparable
    (("a", None, ("",), 5, (), _leaf()), {"a": 1}, AttributeError),           # not a date
    (("a", None, ("", ""), 2, "e", _leaf(), _leaf()), {"a": 3}, TypeError),   # `in` an int
    (("a", int, ("",), 0, None, _leaf()), {"a": "x"}, ValueError),            # the call raises
    (("a", None, ("",), 1, {1: 0}, "not a row"), {"a": 1}, TypeError),        # a child not a row
    (("a", None, ("",), 1, {1: 0}, _leaf()), ["not", "a", "mapping"], TypeError),
])
def test_malformed_rows_raise_and_do_not_crash(row: Any, values: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        native_module().walk(row, values, [])


def test_bad_arguments_raise() -> None:
    walk_, answer = native_module().walk, native_module().answer
    with pytest.raises(TypeError):
        walk_(_leaf(), {})
    with pytest.raises(TypeError):
        walk_(_leaf(), {}, ())  # trail not a list
    with pytest.raises(TypeError):
        answer(_leaf(), {}, [], Decision)
    with pytest.raises(TypeError):
        answer(_leaf(), {}, [], "not a type", _ASKS_IGNORED)
    with pytest.raises(TypeError):
        answer((None, 1, 2), {}, [], Decision, _ASKS_IGNORED)  # a leaf of 3 items


def test_walks_keep_no_reference() -> None:
    """Reference counts of what a walk touches come back to what they were: no leak, no object
    freed too early (which would show as a crash or a count going down)."""
    practice = _practice()
    cp = compiled(practice)
    root = cp.walk or _walk_table(cp)
    values = _sampled(1)
    answer, walk_ = native_module().answer, native_module().walk
    leaf = walk_(root, values, [])
    watched = [root, leaf, leaf[2], *values.values(), *leaf[4].values()]
    words: list[str] = []
    walk_(root, values, words)
    watched += words
    # not the shared singletons (None, True, False, small ints): anything in the process moves theirs
    watched = [o for o in watched if o is not None and type(o) not in (bool, int)]
    answer(root, values, [], Decision, _ASKS_IGNORED)
    # garbage cycles of earlier tests may hold some of these: collected now, and no collection
    # while counting, so that only the walks can move the counts
    gc.collect()
    gc.disable()
    try:
        before = [sys.getrefcount(o) for o in watched]
        for _ in range(2_000):
            walk_(root, values, [])
            answer(root, values, [], Decision, _ASKS_IGNORED)
        after = [sys.getrefcount(o) for o in watched]
    finally:
        gc.enable()
    assert after == before


# -- the matched-set walk (compile.Diagram.matched_sets) ----------------------------------------

def _diagram(practice: Any, c: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ...]:
    monkeypatch.setattr(compile_module, "native", native_module if c else (lambda: None))
    cp = compile_practice(practice)
    dg = cp.diagram
    return (dg.level, dg.children, [repr(v) for v in dg.value], cp.root, cp.answer_root, cp.decision_root,
            sorted(cp.edge_texts.items()))


def _loaded(text: str) -> Any:
    loaded = load_practice("gen.diary.yaml", text)
    assert loaded.practice is not None, loaded.diagnostics[:3]
    return loaded.practice


@pytest.mark.parametrize("source", ["generated-300", *[p.name for p in EXAMPLES]])
def test_c_matched_walk_makes_the_same_diagram(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Node for node: the C walk calls the diagram's own `leaf` and `mk` in the order `go` does."""
    text = generate(300, seed=4) if source == "generated-300" else (EXAMPLES[0].parent / source).read_text()
    practice = _loaded(text)
    assert _diagram(practice, True, monkeypatch) == _diagram(practice, False, monkeypatch)


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(f=files_st(max_rules=20))
def test_c_matched_walk_on_random_files(f: Any) -> None:
    practice = _loaded(f.text())
    with pytest.MonkeyPatch.context() as mp:
        assert _diagram(practice, True, mp) == _diagram(practice, False, mp)


def test_c_matched_walk_is_used() -> None:
    """The compile takes the C walk where it is built: it is what the benchmark times."""
    called: list[int] = []
    real = native_module()

    class Spy:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def matched(self, *args: Any) -> Any:
            called.append(1)
            return real.matched(*args)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(compile_module, "native", lambda: Spy())
        compile_practice(_loaded(generate(100, seed=1)))
    assert called == [1]


def _store() -> tuple[Any, ...]:
    return ([], [{}], {}, 1)


@pytest.mark.parametrize("args,error", [
    ((0, (), [], [], 1, 0, 4, [], None, []), TypeError),              # no store
    ((0, (), [], [], 1, 0, 4, [], ([], [], {}), []), TypeError),      # a store of 3
    ((0, (5 << 4,), [], [], 1, 0, 4, [1], _store(), []), IndexError),   # node out of range
    ((0, (0,), [0], [(2, 3)], 1, 0, 4, [1], _store(), []), IndexError),  # child out of range
    ((0, (0,), [0], [(1,)], 1, 0, 4, [], _store(), []), IndexError),     # rule out of range
    ((0, (0,), [0], [(1,)], 1, 0, 99, [1], _store(), []), ValueError),   # shift too large
    ((0, [0], [0], [(1,)], 1, 0, 4, [1], _store(), []), TypeError),      # pairs in a list
    ((0, ("x",), [0], [(1,)], 1, 0, 4, [1], _store(), []), TypeError),   # a pair not an int
    ((0, (0,), [3], [(1, 0)], 1, 0, 4, [1], _store(), []), IndexError),  # no node table for the level
    (("x", (0,), [0], [(1,)], 1, 0, 4, [1], _store(), []), TypeError),  # held not an int
])
def test_c_matched_walk_refuses_bad_input(args: tuple[Any, ...], error: type[Exception]) -> None:
    with pytest.raises(error):
        native_module().matched(*args)


# -- slot objects (slots._Search._make) ----------------------------------------------------------

def _listing(c: bool, limit: int) -> list[tuple[Any, ...]]:
    """Every slot of the benchmark's scenario (20 practitioners at 3 sites, 30 days, 300 busy)."""
    import json

    from benchmarks.generate import sample_requests
    from benchmarks.run import busy_calendar
    from diaryrules import busy as busy_mod
    from diaryrules import slots as slots_mod
    from diaryrules.evaluate import make_request

    loaded = load_practice("slots.diary.yaml", generate(200, seed=0, practitioners=20))
    practice = loaded.practice
    assert practice is not None
    given = {k: v for k, v in sample_requests(practice, 1, seed=5)[0].items() if k != "practitioner"}
    given.update(reason=next(iter(practice.reasons)), at="2027-03-01T08:00")
    req = make_request(practice, given)
    decision = decide(practice, req)
    assert decision.action == "book"
    start = datetime(2027, 3, 1, 8, 0, tzinfo=practice.zone)
    busy = busy_mod.parse_busy_json(json.dumps(busy_calendar(practice, 300, start, 30)), practice, "busy.json")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(slots_mod, "native", native_module if c else (lambda: None))
        found = slots_mod.find_slots(practice, decision, req, start=start, days=30, busy=busy, limit=limit)
    return [(type(s), list(vars(s).items())) for s in found.slots]


@pytest.mark.parametrize("limit", [10**9, 20, 1])
def test_c_slots_are_the_python_slots(limit: int) -> None:
    """The same objects, fields in the same order: what `_make` writes in Python."""
    got, want = _listing(True, limit), _listing(False, limit)
    assert got == want
    if limit > 1000:
        assert len(want) > 1000
    else:
        assert len(got) == limit


def test_c_slots_refuse_bad_input() -> None:
    from diaryrules.slots import Slot

    slots = native_module().slots
    kinds = [(("p", "s", 0, "doctolib", "m"),)]
    assert [vars(s) for s in slots([0], 1, kinds, {0: "a", 15: "b"}, [15], Slot)] == [
        {"practitioner": "p", "site": "s", "start": "a", "end": "b", "diary": "doctolib", "motif": "m"}]
    with pytest.raises(IndexError):
        slots([3], 2, kinds, {1: "a", 16: "b"}, [15], Slot)  # no kinds for the key
    with pytest.raises(KeyError):
        slots([0], 1, kinds, {}, [15], Slot)  # a moment missing
    with pytest.raises(IndexError):
        slots([0], 1, [(("p", "s", 4, "d", "m"),)], {0: "a", 15: "b"}, [15], Slot)  # duration index
    with pytest.raises(TypeError):
        slots([0], 0, kinds, {0: "a"}, [15], Slot)  # stride 0
    with pytest.raises(TypeError):
        slots((0,), 1, kinds, {0: "a"}, [15], Slot)  # keys not a list


def test_the_cache_fingerprint_covers_the_c_part() -> None:
    """A rebuilt C module invalidates the compiled-practice cache, as a changed .py file does."""
    from diaryrules import cache

    files = cache._code_files(str(Path(cache.__file__).parent))
    assert "_speedups.c" in files
    assert any(f.startswith("_speedups.") and f.endswith((".so", ".pyd")) for f in files)
    assert "compile.py" in files and any(f.startswith("checks" + os.sep) for f in files)
    assert not any("__pycache__" in f for f in files) and files == sorted(files)
