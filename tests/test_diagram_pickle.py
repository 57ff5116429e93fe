"""A compiled practice through the cache's pickle: the diagram leaves out its hash-consing tables.

`Diagram.__getstate__` drops `mk`'s and `leaf`'s tables (half of a large file's cache entry); they
are rebuilt from the nodes when a node is first made after loading. The law: a diagram loaded from
the pickle makes exactly the nodes the original makes — every existing node is found again, not
made twice — and `decide` answers every request as on a fresh compile, field for field, including
the incomplete requests whose answer restricts the diagram (which makes nodes).
"""

from __future__ import annotations

import pickle
import random
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import generate, sample_requests
from diaryrules.compile import compile_practice, remember
from diaryrules.evaluate import decide, make_request
from diaryrules.linter import load_practice

EXAMPLES = sorted(Path(__file__).resolve().parent.parent.joinpath("examples").glob("*.diary.yaml"))
SOURCES = ["generated-300", *[p.name for p in EXAMPLES]]


def _practice(source: str) -> Any:
    text = generate(300, seed=4) if source == "generated-300" else (EXAMPLES[0].parent / source).read_text()
    loaded = load_practice(source if source.endswith(".yaml") else "gen.diary.yaml", text)
    assert loaded.practice is not None, loaded.diagnostics[:3]
    return loaded.practice


@pytest.mark.parametrize("source", SOURCES)
def test_a_loaded_diagram_finds_every_node_again(source: str) -> None:
    cp = compile_practice(_practice(source))
    dg = cp.diagram
    loaded = pickle.loads(pickle.dumps(dg, protocol=pickle.HIGHEST_PROTOCOL))
    assert loaded._unique is None and loaded._leaves is None, "the tables went into the pickle"
    size = len(loaded.level)
    for n in range(size):
        if loaded.is_leaf(n):
            assert loaded.leaf(loaded.value[n]) == n
        else:
            assert loaded.mk(loaded.level[n], loaded.children[n]) == n
    assert len(loaded.level) == size, "a node was made twice"
    # and a new node is made as the original makes it
    n = next(i for i in range(size) if not loaded.is_leaf(i))
    kids = tuple(reversed(loaded.children[n]))
    if kids != loaded.children[n]:
        assert loaded.mk(loaded.level[n], kids) == dg.mk(dg.level[n], kids)
    assert loaded.leaf(("new", 1)) == dg.leaf(("new", 1))


@pytest.mark.parametrize("source", SOURCES)
def test_decisions_from_a_loaded_practice_are_the_fresh_ones(source: str) -> None:
    practice = _practice(source)
    rng = random.Random(11)
    requests = []
    for g in sample_requests(practice, 150, seed=5):
        for key in rng.sample(sorted(set(g) - {"at"}), k=rng.randint(0, 2)):  # incomplete ones restrict
            g.pop(key)
        g["at"] = f"2027-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(7, 19):02d}:00"
        requests.append(g)
    fresh = compile_practice(practice)
    remember(fresh)
    want = [decide(practice, make_request(practice, g)).to_json() for g in requests]
    practice2, cp2 = pickle.loads(pickle.dumps((practice, compile_practice(practice)), protocol=5))
    assert cp2.diagram._unique is None
    remember(cp2)
    got = [decide(practice2, make_request(practice2, g)).to_json() for g in requests]
    assert got == want
    assert any(d["action"] == "ask" for d in want), "no request restricted the diagram"
