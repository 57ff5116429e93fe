"""Stage 4 — compile: the rules of a practice → a decision diagram over the request's attributes.

Each attribute becomes a *dimension* whose domain is split into *atoms*: an enum's values, a
bool's no/yes, one yes/no dimension per element of a set attribute, and for numbers, dates and
times the elementary intervals cut by every bound the rules mention. A condition is then a
function of atoms, and the rules compile into a hash-consed multi-valued decision diagram
(an ordered, reduced MDD): internal nodes test one dimension, identical subtrees are shared,
and each leaf holds every rule that matches there (with its tier). The winning decision of a
leaf follows the language's semantics (tiers, `overrides`, ambiguous ties).

The same diagram is what `evaluate` walks and what the validator's checks read.
"""

from __future__ import annotations

import gc
import os
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property, partial
from typing import Any

from .model import TIERS, Attribute, Practice, Rule
from .syntax import Always, And, Cond, Not, Or, Test

DATE_MIN = date(1900, 1, 1).toordinal()
DATE_MAX = date(2200, 1, 1).toordinal()


@dataclass(frozen=True)
class Dim:
    """One dimension of the request space."""

    name: str  # attribute name, or `set:element` for an element of a set attribute
    attr: Attribute
    element: str | None  # for set elements
    kind: str  # enum | bool | int | date | time
    cuts: tuple[int, ...] = ()  # interval kinds: atom i = [cuts[i], cuts[i+1])
    labels: tuple[str, ...] = ()  # enum: value names

    @property
    def size(self) -> int:
        if self.kind in ("enum",):
            return len(self.labels)
        if self.kind == "bool":
            return 2
        return len(self.cuts) - 1

    @cached_property
    def label_index(self) -> dict[str, int]:
        return {v: i for i, v in enumerate(self.labels)}

    def atom_of(self, value: Any) -> int:
        """The atom holding a typed request value of this dimension's attribute."""
        if self.kind == "enum":
            return self.label_index[value]
        if self.kind == "bool":
            if self.element is not None:
                return 1 if self.element in value else 0
            return 1 if value else 0
        v = value.toordinal() if isinstance(value, date) else int(value)
        return min(max(bisect_right(self.cuts, v) - 1, 0), self.size - 1)

    def atom_text(self, i: int) -> str:
        if self.kind == "enum":
            return self.labels[i]
        if self.kind == "bool":
            return "yes" if i else "no"
        lo, hi = self.cuts[i], self.cuts[i + 1]
        if self.kind == "int":
            return str(lo) if hi == lo + 1 else f"{lo}..{hi - 1}"
        if self.kind == "date":
            a, b = date.fromordinal(lo), date.fromordinal(hi - 1)
            return a.isoformat() if a == b else f"{a.isoformat()}..{b.isoformat()}"
        return f"{_hm(lo)}..{_hm(hi)}"  # times are half-open

    def representative(self, i: int) -> Any:
        """A typed value inside atom i (for witnesses)."""
        if self.kind == "enum":
            return self.labels[i]
        if self.kind == "bool":
            return bool(i)
        lo = self.cuts[i]
        return date.fromordinal(lo) if self.kind == "date" else lo


def _hm(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


# -- the diagram manager -----------------------------------------------------------------------

class Diagram:
    """Hash-consed nodes. Node ids: leaves and internal nodes share one id space.

    An internal node is (level, children) with one child per atom of dims[level]; a leaf is
    (len(dims), value). `mk` keeps the diagram reduced: a node whose children are all the same
    is that child.
    """

    def __init__(self, dims: Sequence[Dim]) -> None:
        self.dims = list(dims)
        self.bottom = len(self.dims)
        self.level: list[int] = []
        self.children: list[tuple[int, ...]] = []
        self.value: list[Any] = []
        # the hash-consing tables: None once loaded from the cache, until a node is made there
        self._unique: list[dict[tuple[int, ...], int]] | None = [{} for _ in self.dims]
        self._leaves: dict[tuple[type, Any], int] | None = {}
        self._memo: dict[tuple[Any, ...], int] = {}
        self._maps: dict[str, dict[int, int]] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_memo"] = {}  # only useful while compiling; large
        state["_maps"] = {}
        # rebuilt from the nodes when first needed: they were half of a large file's cache entry
        # (504 → 266 MiB on 5,000 rules) and of its unpickling, which a complete request never uses
        state["_unique"] = state["_leaves"] = None
        return state

    def _unique_tables(self) -> list[dict[tuple[int, ...], int]]:
        """`mk`'s tables, rebuilt from the nodes if the diagram came from the cache."""
        if self._unique is None:
            unique: list[dict[tuple[int, ...], int]] = [{} for _ in self.dims]
            bottom, children = self.bottom, self.children
            for n, lv in enumerate(self.level):
                if lv != bottom:
                    unique[lv][children[n]] = n  # hash-consed: each children tuple made once per level
            self._unique = unique
        return self._unique

    def _leaf_table(self) -> dict[tuple[type, Any], int]:
        """`leaf`'s table, rebuilt likewise."""
        if self._leaves is None:
            bottom, value = self.bottom, self.value
            self._leaves = {(type(value[n]), value[n]): n for n, lv in enumerate(self.level) if lv == bottom}
        return self._leaves

    def leaf(self, value: Any) -> int:
        key = (type(value), value)  # True and 1 are different leaves
        table = self._leaves if self._leaves is not None else self._leaf_table()
        nid = table.get(key)
        if nid is None:
            nid = len(self.level)
            self.level.append(self.bottom)
            self.children.append(())
            self.value.append(value)
            table[key] = nid
        return nid

    def mk(self, level: int, children: tuple[int, ...]) -> int:
        first = children[0]
        if children.count(first) == len(children):
            return first
        # per level, keyed by the children alone: no key tuple to make
        unique = (self._unique if self._unique is not None else self._unique_tables())[level]
        nid = unique.get(children)
        if nid is None:
            nid = len(self.level)
            self.level.append(level)
            self.children.append(children)
            self.value.append(None)
            unique[children] = nid
        return nid

    def is_leaf(self, n: int) -> bool:
        return self.level[n] == self.bottom

    def child(self, n: int, level: int, atom: int) -> int:
        """The cofactor of n for dims[level] = atom (n itself when it does not test that level)."""
        return self.children[n][atom] if self.level[n] == level else n

    def apply(self, op: str, fn: Any, a: int, b: int, unit: int | None = None, zero: int | None = None) -> int:
        """fn over two diagrams. `unit` (x op unit = x) and `zero` (x op zero = zero) cut the
        recursion short: unions with the empty set and ands with false are most of a compile."""
        if a == unit or (a == b and unit is not None):
            return b
        if b == unit:
            return a
        if zero is not None and (a == zero or b == zero):
            return zero
        key = (op, a, b)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        la, lb = self.level[a], self.level[b]
        if la == self.bottom and lb == self.bottom:
            r = self.leaf(fn(self.value[a], self.value[b]))
        else:
            lv = min(la, lb)
            ca = self.children[a] if la == lv else None
            cb = self.children[b] if lb == lv else None
            r = self.mk(lv, tuple(self.apply(op, fn, ca[i] if ca else a, cb[i] if cb else b, unit, zero)
                                  for i in range(self.dims[lv].size)))
        self._memo[key] = r
        return r

    def matched_sets(self, roots: Sequence[int], true: int, false: int) -> tuple[int, list[int]]:
        """The diagram whose leaf, for each request, is the bit mask of the rules whose condition
        (`roots[i]`, a diagram with bool leaves) holds there. One n-ary walk: each call gets the
        (rule, condition node) pairs still undecided below a point, and the mask of the rules
        already known to hold, and splits the pairs on the topmost level any of them tests — no
        intermediate union diagram is built, and a rule that holds stops costing anything.
        Also returns its nodes, each after its children (to map them without recursion)."""
        level, children = self.level, self.children
        shift = max(len(roots), 1).bit_length()  # a pair is one int: node << shift | rule
        low = (1 << shift) - 1
        memo: dict[tuple[int, tuple[int, ...]], int] = {}
        leaves: dict[int, int] = {}
        made: list[int] = []
        leaf, mk = self.leaf, self.mk

        def held_leaf(held: int) -> int:
            r = leaves.get(held)
            if r is None:
                r = leaves[held] = leaf(held)
                made.append(r)
            return r

        def go(held: int, pairs: tuple[int, ...]) -> int:
            key = (held, pairs)
            hit = memo.get(key)
            if hit is not None:
                return hit
            top = min([level[p >> shift] for p in pairs])
            rest: list[int] = []
            nodes: list[int] = []
            rules: list[int] = []
            for p in pairs:
                n = p >> shift
                if level[n] == top:
                    nodes.append(n)
                    rules.append(p & low)
                else:
                    rest.append(p)
            # atoms where the split pairs go the same way get the same child: one column per
            # distinct way (dates and reasons have dozens of atoms, and few rules tell them apart)
            ways: dict[tuple[int, ...], int] = {}
            kids: list[int] = []
            for way in zip(*[children[n] for n in nodes], strict=True):
                r = ways.get(way)
                if r is None:
                    h = held
                    col = rest.copy()
                    for c, i in zip(way, rules, strict=True):
                        if c == true:
                            h |= 1 << i
                        elif c != false:
                            col.append(c << shift | i)
                    col.sort()  # a set of pairs: sorted, equal sets give equal keys
                    r = ways[way] = go(h, tuple(col)) if col else held_leaf(h)
                kids.append(r)
            r = mk(top, tuple(kids))
            memo[key] = r
            made.append(r)
            return r

        held = 0
        start: list[int] = []
        for i, n in enumerate(roots):
            if n == true:
                held |= 1 << i
            elif n != false:
                start.append(n << shift | i)
        start.sort()
        c = native()
        if c is not None:  # the same walk in C (diaryrules/_speedups.c): same nodes, same order
            bits = [1 << i for i in range(len(roots))]
            store = (self.value, self._unique_tables(), self._leaf_table(), self.bottom)  # what `leaf` and `mk` fill
            return c.matched(held, tuple(start), level, children, true, false, shift, bits, store, made), made
        return (go(held, tuple(start)) if start else held_leaf(held)), made

    def map_leaves(self, op: str, fn: Any, n: int) -> int:
        """fn over every leaf of n (the memo is per operation name: `op` must name fn)."""
        memo = self._maps.get(op)
        if memo is None:
            memo = self._maps[op] = {}
        return self._map(fn, n, memo)

    def _map(self, fn: Any, n: int, memo: dict[int, int]) -> int:
        hit = memo.get(n)
        if hit is not None:
            return hit
        if self.level[n] == self.bottom:
            r = self.leaf(fn(self.value[n]))
        else:
            r = self.mk(self.level[n], tuple([self._map(fn, c, memo) for c in self.children[n]]))
        memo[n] = r
        return r

    def reachable(self, root: int) -> list[int]:
        seen: set[int] = set()
        order: list[int] = []
        stack = [root]
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            order.append(n)
            stack.extend(self.children[n])
        return order

    def size(self, root: int) -> int:
        return len(self.reachable(root))


# -- winners -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class LeafDecision:
    """What a leaf decides: the winning rule (None: a gap), and the rules it was tied with."""

    rule: int | None  # index into CompiledPractice.rules
    tied: tuple[int, ...] = ()  # ambiguous: the rules whose outcomes differ, the winner first
    overridden: tuple[int, ...] = ()  # matched in the deciding tier but settled by `overrides`
    mask: int = 0  # every matching rule, as a bit mask (bit i: rule i)

    @property
    def ambiguous(self) -> bool:
        return len(self.tied) > 1

    def key(self) -> tuple[int | None, bool]:
        """What the caller's answer depends on: the deciding rule and whether it was a tie (which
        other rules tied does not change what the secretary does, so `ask` never asks for it)."""
        return (self.rule, self.ambiguous)


class Semantics:
    """The language's semantics (tiers, `overrides`, ties broken by file order) on bit masks of
    matching rules: a compile decides tens of thousands of leaves, so each is a few `&` and `|`."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = rules
        self.tiers = [m for m in (sum(1 << i for i, r in enumerate(rules) if r.tier == t) for t in TIERS) if m]
        ids: dict[str, int] = {}
        for i, r in enumerate(rules):
            ids.setdefault(r.id, i)
        self.beats: dict[int, int] = {}  # rule → the rules its `overrides` name (itself excluded)
        for i, r in enumerate(rules):
            m = 0
            for o in r.overrides:
                j = ids.get(o.text)
                if j is not None and j != i:
                    m |= 1 << j
            if m:
                self.beats[i] = m
        self.overriders = sum(1 << i for i in self.beats)
        by_key: dict[Any, int] = {}
        keys = [r.outcome.key() for r in rules]
        for i, k in enumerate(keys):
            by_key[k] = by_key.get(k, 0) | 1 << i
        self.same_key = [by_key[k] for k in keys]  # rule → the rules with the same outcome

    def deciding_part(self, mask: int) -> int:
        """The rules of `mask` in its first tier (0: none): all that `decide` reads of it."""
        for tier in self.tiers:
            mt = mask & tier
            if mt:
                return mt
        return 0

    def decide(self, mask: int) -> LeafDecision:
        for tier in self.tiers:
            mt = mask & tier
            if not mt:
                continue
            beaten = 0
            o = mt & self.overriders
            while o:
                low = o & -o
                beaten |= self.beats[low.bit_length() - 1]
                o ^= low
            beaten &= mt
            candidates = (mt & ~beaten) or mt
            low = candidates & -candidates
            first = low.bit_length() - 1
            differing = candidates & ~self.same_key[first]
            tied = (first, *sorted(bits(differing))) if differing else ()
            return LeafDecision(first, tied, tuple(sorted(bits(beaten))) if beaten else (), mask)
        return LeafDecision(None, (), (), mask)


_SEMANTICS: dict[int, Semantics] = {}


def semantics(rules: Sequence[Rule]) -> Semantics:
    """The Semantics of a rule list, built once per list (leaves ask it thousands of times)."""
    hit = _SEMANTICS.get(id(rules))
    if hit is None or hit.rules is not rules:
        hit = Semantics(rules)
        _SEMANTICS.clear()
        _SEMANTICS[id(rules)] = hit
    return hit


# -- compiling ---------------------------------------------------------------------------------

@dataclass
class CompiledPractice:
    practice: Practice
    rules: tuple[Rule, ...]
    dims: list[Dim]
    dim_index: dict[str, int]
    diagram: Diagram
    root: int  # leaves: the matching rules as a bit mask (bit i: rule i matches)
    decision_root: int  # leaves: LeafDecision.key() — reduced, for `ask` and `tree`
    rule_roots: list[int]  # per rule: its condition (bool leaves)
    # leaves: ("answer", rule, tied) — what `decide` needs from the matched set, so it walks
    # this (a few thousand nodes) rather than the matched-set diagram the checks read
    answer_root: int = 0
    leaf_decisions: dict[int, LeafDecision] = field(default_factory=dict)
    by_key: dict[tuple[int | None, bool], LeafDecision] = field(default_factory=dict)
    by_answer: dict[tuple[int | None, tuple[int, ...]], LeafDecision] = field(default_factory=dict)
    by_part: dict[int, LeafDecision] = field(default_factory=dict)  # deciding tier's matched set → decision
    # answers to incomplete requests already built, by (matched-set leaf, atoms, reason,
    # practitioner, site): their trail and `ask` cost a restriction of the diagram
    answers: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False)
    # what an outcome says for a request, whoever's rule it is: by (what the outcome says, and
    # when it books: reason, practitioner, site) — rules often say the same
    outcome_parts: dict[Any, Any] = field(default_factory=dict, repr=False)
    step_texts: dict[int, list[str]] = field(default_factory=dict, repr=False)  # node → words per atom
    # answer node → its decision node: the decision diagram's walk follows the answer diagram's
    to_decision: dict[int, int] = field(default_factory=dict, repr=False)
    edge_texts: dict[tuple[int, int], str] = field(default_factory=dict, repr=False)  # trail_words: edge → step
    walk: Any = field(default=None, repr=False, compare=False)  # decide's table (evaluate._walk_table)
    walk_wanted: bool = field(default=False, repr=False, compare=False)  # made by the second complete decide

    def leaf_decision(self, mask: int) -> LeafDecision:
        d = self.leaf_decisions.get(mask)
        if d is None:
            d = self.deciding(mask)
            if d.mask != mask:
                d = LeafDecision(d.rule, d.tied, d.overridden, mask)
            self.leaf_decisions[mask] = d
        return d

    def deciding(self, mask: int) -> LeafDecision:
        """What a leaf with matched set `mask` decides, as the first such leaf found had it (its
        `mask` may be another): it depends only on the rules matched in the deciding tier, and a
        file with tens of thousands of distinct leaves has about one such set per rule."""
        sem = semantics(self.rules)
        part = sem.deciding_part(mask)
        d = self.by_part.get(part)
        if d is None:
            d = self.by_part[part] = sem.decide(mask)
            self.by_key.setdefault(d.key(), d)
            self.by_answer.setdefault((d.rule, d.tied), d)
        return d

    @cached_property
    def walkers(self) -> list[tuple[str, Any]]:
        """Per level: the attribute it reads and value → atom, specialised for speed (`decide`)."""
        return [(d.attr.name, _atom_test(d)[0]) for d in self.dims]

    @cached_property
    def walk_tests(self) -> list[tuple[int, Any]]:
        """Per level: what `walkers`' value → atom computes, as data for decide's walk in C
        (`diaryrules/_speedups.c`, whose header lists the codes)."""
        return [_atom_test(d)[1:] for d in self.dims]

    @cached_property
    def outcome_said(self) -> list[tuple[int, bool]]:
        """Per rule: a number for what its outcome says (equal for rules that say the same), and
        whether it books."""
        numbers: dict[tuple[Any, ...], int] = {}
        return [(numbers.setdefault(r.outcome.said(), len(numbers)), r.outcome.books()) for r in self.rules]

    @cached_property
    def attribute_names(self) -> frozenset[str]:
        """The attributes some rule tests."""
        return frozenset(d.attr.name for d in self.dims)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("walkers", None)  # closures: rebuilt after loading from the cache
        state.pop("walk_tests", None)
        state.pop("outcome_said", None)  # cheap to remake; keeps the entry the same
        state["walk"], state["walk_wanted"] = None, False  # decide's table: made from the diagram when used
        state["answers"] = {}
        state["outcome_parts"] = {}
        state["step_texts"] = {}
        return state

    @property
    def node_count(self) -> int:
        return self.diagram.size(self.root)


def _atom_test(d: Dim) -> tuple[Any, int, Any]:
    """A level's value → atom: as a C call (the Python walk), and as a code and its data (the C
    walk): 1 an enum's label → atom dict, 2 a set's element (atom 1 when present), 3 truth,
    4 bisection of the inner bounds, 5 the same of a date's ordinal."""
    if d.kind == "enum":
        return d.label_index.__getitem__, 1, d.label_index
    if d.kind == "bool" and d.element is not None:
        # True/False index like 1/0; C calls rather than lambdas: this is decide's inner loop
        return frozenset((d.element,)).issubset, 2, d.element
    if d.kind == "bool":
        return bool, 3, None
    return _interval_atom(d), 5 if d.kind == "date" else 4, tuple(d.cuts[1:-1])


def _interval_atom(d: Dim) -> Any:
    """value → atom for a number, date or time dimension (Dim.atom_of, without its dispatch)."""
    # the inner bounds only: values below the first atom land in it, values above the last in it
    inner = d.cuts[1:-1]
    if d.kind == "date":
        return lambda v: bisect_right(inner, v.toordinal())
    return partial(bisect_right, inner)


def _collect_tests(c: Cond, out: list[Test]) -> None:
    if isinstance(c, Test):
        out.append(c)
    elif isinstance(c, (And, Or)):
        for i in c.items:
            _collect_tests(i, out)
    elif isinstance(c, Not):
        _collect_tests(c.item, out)


def _cuts_of(t: Test, kind: str) -> list[int]:
    vals = [_num(v.py) for v in t.values]
    op = t.op
    if op in ("is", "is not", "in", "not in"):
        return [x for v in vals for x in (v, v + 1)]
    if op in ("range", "not range"):
        a, b = vals
        return [a, b] if kind == "time" else [a, b + 1]
    v = vals[0]
    return [v] if op in ("<", ">=") else [v + 1]


def _num(v: Any) -> int:
    return v.toordinal() if isinstance(v, date) else int(v)


def build_dims(practice: Practice, rules: Sequence[Rule]) -> list[Dim]:
    """Dimensions in diagram order: attributes tested by triage first (a secretary asks about red
    flags before anything else), then exceptions, then rules; ties by how many rules test them."""
    first_tier: dict[str, int] = {}
    count: dict[str, int] = {}
    tests_by_attr: dict[str, list[Test]] = {}
    elements: dict[str, list[str]] = {}
    for r in rules:
        ts: list[Test] = []
        _collect_tests(r.cond, ts)
        seen: set[str] = set()
        for t in ts:
            a = practice.attributes[t.attr]
            names = [t.attr] if a.kind != "set" else [f"{t.attr}:{v.py}" for v in t.values]
            if a.kind == "set":
                elements.setdefault(t.attr, [])
                for v in t.values:
                    if v.py not in elements[t.attr]:
                        elements[t.attr].append(v.py)
            tests_by_attr.setdefault(t.attr, []).append(t)
            for n in names:
                first_tier[n] = min(first_tier.get(n, 9), r.tier_rank)
                if n not in seen:
                    count[n] = count.get(n, 0) + 1
                    seen.add(n)
    attr_order = list(practice.attributes)
    dims: list[Dim] = []
    for name in first_tier:
        attr_name = name.split(":", 1)[0] if ":" in name else name
        a = practice.attributes[attr_name]
        if a.kind == "set":
            dims.append(Dim(name, a, name.split(":", 1)[1], "bool"))
        elif a.kind == "bool":
            dims.append(Dim(name, a, None, "bool"))
        elif a.kind == "enum":
            dims.append(Dim(name, a, None, "enum", labels=a.values))
        else:
            if a.kind == "int":
                lo, hi = a.lo, a.hi + 1
            elif a.kind == "date":
                lo, hi = DATE_MIN, DATE_MAX
            else:
                lo, hi = 0, 1440
            cuts = {lo, hi}
            for t in tests_by_attr[name]:
                cuts.update(x for x in _cuts_of(t, a.kind) if lo < x < hi)
            dims.append(Dim(name, a, None, a.kind, cuts=tuple(sorted(cuts))))

    def order(d: Dim) -> tuple[int, int, int, int]:
        base = d.name.split(":", 1)[0]
        element = d.attr.values.index(d.element) if d.element is not None else 0
        return (first_tier[d.name], -count[d.name], attr_order.index(base), element)

    dims.sort(key=order)
    return dims


class Compiler:
    def __init__(self, practice: Practice, rules: Sequence[Rule], dims: list[Dim]) -> None:
        self.practice = practice
        self.rules = rules
        self.dims = dims
        self.index = {d.name: i for i, d in enumerate(dims)}
        self.dg = Diagram(dims)
        self.T = self.dg.leaf(True)
        self.F = self.dg.leaf(False)
        self._tests: dict[tuple[Any, ...], int] = {}

    def atoms(self, level: int, pred: Any) -> int:
        d = self.dims[level]
        return self.dg.mk(level, tuple(self.T if pred(d, i) else self.F for i in range(d.size)))

    def cond(self, c: Cond) -> int:
        dg = self.dg
        if isinstance(c, Always):
            return self.T
        if isinstance(c, And):
            r = self.T
            for i in c.items:
                r = dg.apply("and", _and, r, self.cond(i), unit=self.T, zero=self.F)
            return r
        if isinstance(c, Or):
            r = self.F
            for i in c.items:
                r = dg.apply("or", _or, r, self.cond(i), unit=self.F, zero=self.T)
            return r
        if isinstance(c, Not):
            return dg.map_leaves("not", _not, self.cond(c.item))
        return self.test(c)

    def test(self, t: Test) -> int:
        # the same test recurs across rules ("symptoms has none {…}" in most of them): built once
        key = (t.attr, t.op, tuple(v.py for v in t.values))
        r = self._tests.get(key)
        if r is None:
            r = self._tests[key] = self._test(t)
        return r

    def _test(self, t: Test) -> int:
        a = self.practice.attributes[t.attr]
        op = t.op
        if a.kind == "set":
            levels = [self.index[f"{t.attr}:{v.py}"] for v in t.values]
            parts = [self.atoms(lv, lambda d, i: i == 1) for lv in levels]
            if op in ("has", "has all"):
                r = self.T
                for p in parts:
                    r = self.dg.apply("and", _and, r, p, unit=self.T, zero=self.F)
                return r
            r = self.F
            for p in parts:
                r = self.dg.apply("or", _or, r, p, unit=self.F, zero=self.T)
            return r if op == "has any" else self.dg.map_leaves("not", _not, r)
        level = self.index[t.attr]
        if a.kind == "bool":
            want = True if op == "true" else bool(t.values[0].py)
            if op == "is not":
                want = not want
            return self.atoms(level, lambda d, i: bool(i) == want)
        if a.kind == "enum":
            names = {v.py for v in t.values}
            neg = op in ("is not", "not in")
            return self.atoms(level, lambda d, i: (d.labels[i] in names) != neg)
        vals = [_num(v.py) for v in t.values]
        is_time = a.kind == "time"

        def inside(d: Dim, i: int) -> bool:
            x = d.cuts[i]  # atoms are never split by a bound, so the lower end decides
            if op in ("is", "in"):
                return x in vals
            if op in ("is not", "not in"):
                return x not in vals
            if op in ("range", "not range"):
                lo, hi = vals
                ok = lo <= x < hi if is_time else lo <= x <= hi
                return ok if op == "range" else not ok
            v = vals[0]
            return {"<": x < v, "<=": x <= v, ">": x > v, ">=": x >= v}[op]

        return self.atoms(level, inside)

    def compile(self) -> CompiledPractice:
        dg = self.dg
        # matched sets are bit masks: unions are one `|`, hashing is cheap
        rule_roots = [self.cond(r.cond) for r in self.rules]
        root, made = dg.matched_sets(rule_roots, self.T, self.F)
        cp = CompiledPractice(self.practice, tuple(self.rules), self.dims, self.index, dg, root, root, rule_roots)
        # bottom-up over the nodes as they were made: the same as map_leaves, without its recursion.
        # A leaf's answer depends only on its rules in the deciding tier (`deciding`): one answer
        # leaf per such part, found with a few `&` (5,000 rules: 380,000 leaves, 5,000 parts)
        answers: dict[int, int] = {}
        by_part: dict[int, int] = {}
        part_of = semantics(cp.rules).deciding_part  # what `deciding` keys its decisions by
        level, children, value, bottom, mk = dg.level, dg.children, dg.value, dg.bottom, dg.mk
        for n in made:
            if n in answers:
                continue
            if level[n] != bottom:
                answers[n] = mk(level[n], tuple([answers[c] for c in children[n]]))
                continue
            m = value[n]
            part = part_of(m)
            a = by_part.get(part)
            if a is None:
                d = cp.deciding(m)
                a = by_part[part] = dg.leaf(("answer", d.rule, d.tied))
            answers[n] = a
        cp.answer_root = answers[root]
        # from the (much smaller) answer diagram: the same leaves as deciding on the matched sets
        cp.decision_root = dg.map_leaves("decide", lambda a: ("decision", (a[1], len(a[2]) > 1)), cp.answer_root)
        cp.to_decision = dict(dg._maps["decide"])
        cp.edge_texts = trail_words(cp)
        return cp


def _and(a: bool, b: bool) -> bool:
    return a and b


def _or(a: bool, b: bool) -> bool:
    return a or b


def _not(a: bool) -> bool:
    return not a


def bits(mask: int) -> frozenset[int]:
    """The rule indices of a matched-set mask."""
    out = []
    i = 0
    while mask:
        low = mask & -mask
        i = low.bit_length() - 1
        out.append(i)
        mask ^= low
    return frozenset(out)


@cache
def native() -> Any:
    """The C part (`diaryrules/_speedups.c`: decide's walk, the matched-set walk, the slot objects
    of a listing): None when it was not built (no C compiler at install) or DIARYRULES_PURE_PYTHON
    is set; the same steps then run in Python, which stays the reference the tests compare with."""
    if os.environ.get("DIARYRULES_PURE_PYTHON"):
        return None
    try:
        from . import _speedups  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _speedups


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while building large acyclic structures (a model, a diagram):
    each full collection walks every object built so far, which made large files superlinear."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            # hand what was built to the oldest generation without walking it now: re-enabled
            # plainly, the first collection would walk every object made while paused (a third of
            # a lint's time on 1,000 rules); cyclic garbage among them waits for the next full one
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def compile_practice(practice: Practice, rules: Sequence[Rule] | None = None) -> CompiledPractice:
    rs = tuple(practice.rules if rules is None else rules)
    with paused_gc():
        return Compiler(practice, rs, build_dims(practice, rs)).compile()


_CACHE: dict[int, CompiledPractice] = {}


def compiled(practice: Practice) -> CompiledPractice:
    """The practice's compiled diagram, built once per Practice object."""
    cp = _CACHE.get(id(practice))
    if cp is None or cp.practice is not practice:
        cp = compile_practice(practice)
        _CACHE.clear()  # one practice at a time is what the CLI and API use
        _CACHE[id(practice)] = cp
    return cp


def remember(cp: CompiledPractice) -> None:
    """Use an already compiled diagram (from the cache) for its practice."""
    _CACHE.clear()
    _CACHE[id(cp.practice)] = cp


def value_groups(dim: Dim, children: Sequence[int]) -> list[tuple[list[int], int]]:
    """Atoms grouped by the child they lead to, in atom order; adjacent intervals merged."""
    groups: dict[int, list[int]] = {}
    for i, c in enumerate(children):
        groups.setdefault(c, []).append(i)
    return [(atoms, c) for c, atoms in sorted(groups.items(), key=lambda kv: kv[1][0])]


def describe_atoms(dim: Dim, atoms: Sequence[int]) -> str:
    """Readable set of atoms: `renewal, consultation` or `0..17` or `18..120`."""
    if dim.kind in ("enum", "bool"):
        return ", ".join(dim.atom_text(i) for i in atoms)
    runs: list[tuple[int, int]] = []
    for i in atoms:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    texts = []
    for a, b in runs:
        lo, hi = dim.cuts[a], dim.cuts[b + 1]
        if dim.kind == "int":
            texts.append(str(lo) if hi == lo + 1 else f"{lo}..{hi - 1}")
        elif dim.kind == "date":
            start, end = date.fromordinal(lo).isoformat(), date.fromordinal(hi - 1).isoformat()
            if lo == DATE_MIN and hi == DATE_MAX:
                texts.append("any date")
            elif lo == DATE_MIN:
                texts.append(f"until {end}")
            elif hi == DATE_MAX:
                texts.append(f"from {start}")
            else:
                texts.append(start if start == end else f"{start}..{end}")
        else:
            texts.append(f"{_hm(lo)}..{_hm(hi)}")
    return ", ".join(texts)


def step_words(dim: Dim, children: Sequence[int]) -> list[str]:
    """A decision node's step in a trail, for each atom of its dimension: `reason is renewal`,
    `symptoms has not fever`, `age in 0..17` (the whole stretch of values that leads the same way)."""
    if dim.element is not None:
        return [f"{dim.attr.name} has not {dim.element}", f"{dim.attr.name} has {dim.element}"]
    if dim.kind == "bool":
        return [f"{dim.name} is no", f"{dim.name} is yes"]
    if dim.kind == "enum":
        return [f"{dim.name} is {label}" for label in dim.labels]
    out = [""] * dim.size
    for atoms, _c in value_groups(dim, children):
        text = describe_atoms(dim, atoms)
        text = f"{dim.name} {text}" if text.startswith(("until", "from", "any")) else f"{dim.name} in {text}"
        for i in atoms:
            out[i] = text
    return out


def trail_words(cp: CompiledPractice) -> dict[tuple[int, int], str]:
    """The words of every edge of the answer diagram, made once with the file: `decide` names a
    request's steps by the edges it takes — (node, child), or (node, -1 - atom) for an enum,
    whose step names the value itself. "" where the decision diagram has no step (the answer
    does not depend on that attribute there)."""
    dg = cp.diagram
    out: dict[tuple[int, int], str] = {}
    rows: dict[int, list[str]] = {}
    for n in dg.reachable(cp.answer_root):
        level = dg.level[n]
        if level == dg.bottom:
            continue
        d = cp.to_decision[n]
        same = dg.level[d] == level
        row = None
        if same:
            row = rows.get(d)
            if row is None:
                row = rows[d] = step_words(cp.dims[level], dg.children[d])
        enum = cp.dims[level].kind == "enum"
        for a, c in enumerate(dg.children[n]):
            key = (n, -1 - a) if enum else (n, c)
            if key not in out:
                out[key] = row[a] if row is not None else ""
    return out


def decides_words(rules: Sequence[Rule], ld: LeafDecision) -> str:
    """The trail's last step: which rule decides, and the rules tied with it."""
    assert ld.rule is not None
    rule = rules[ld.rule]
    ambiguous = ", ".join(rules[i].id for i in ld.tied)
    return f"{rule.tier}: {rule.id} decides" + (f" (tied: {ambiguous}; first in file order wins)" if ambiguous else "")


def dim_label(dim: Dim) -> str:
    return f"{dim.attr.name} has {dim.element}" if dim.element is not None else dim.name


def atoms_by_name(dims: Sequence[Dim]) -> Mapping[str, Dim]:
    return {d.name: d for d in dims}
