"""Stage 6 — check (the exact analysis): what the compiled diagram says about the request space.

The request space is the product of every dimension's atoms (`compile`). Every reachable leaf
of the diagram is a region of that space with the exact set of rules matching there, so
conflicts, gaps, shadowed and redundant rules are properties of the leaves — the same result as
the DMN decision-table sweep (Calvanese et al., BPM 2016), reached through the shared diagram
rather than by sweeping interval endpoints rule by rule.

A finding is reported only with a *witness*: a concrete request, found by walking to the leaf
and choosing a value in each atom on the way. The `call.*` dimensions are not independent (a
date has one weekday, and is a holiday or not), so a path is turned into a real call moment
(`at`) by searching calendar days; a path no real moment can take is skipped, which keeps the
analysis exact.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from .compile import DATE_MAX, DATE_MIN, CompiledPractice, Dim, LeafDecision, bits, semantics
from .model import Rule

SEARCH_STEPS = 20_000  # paths tried when looking for a witness whose call moment exists
SEARCH_DAYS = 800  # calendar days searched for a call moment


class Analysis:
    def __init__(self, cp: CompiledPractice, today: date | None = None) -> None:
        self.cp = cp
        self.dg = cp.diagram
        self.rules: tuple[Rule, ...] = cp.rules
        self.today = today or date.today()

    # -- leaves --------------------------------------------------------------------------------
    @cached_property
    def leaves(self) -> list[int]:
        """Every reachable leaf of the matched-set diagram, in a stable order."""
        dg = self.dg
        return sorted(n for n in dg.reachable(self.cp.root) if dg.is_leaf(n))

    def matched(self, leaf: int) -> frozenset[int]:
        cache = self._matched_cache
        hit = cache.get(leaf)
        if hit is None:
            hit = cache[leaf] = bits(self.dg.value[leaf])
        return hit

    @cached_property
    def _matched_cache(self) -> dict[int, frozenset[int]]:
        return {}

    @cached_property
    def leaves_by_rule(self) -> dict[int, list[int]]:
        """Rule index → the leaves where it matches (an inverted index: checks ask it per rule)."""
        out: dict[int, list[int]] = {}
        for leaf in self.leaves:
            for i in self.matched(leaf):
                out.setdefault(i, []).append(leaf)
        return out

    def decision(self, leaf: int) -> LeafDecision:
        return self.cp.leaf_decision(self.dg.value[leaf])

    def realizable_leaves(self) -> list[int]:
        return [leaf for leaf in self.leaves if self.witness_to(self.cp.root, leaf) is not None]

    # -- witnesses -----------------------------------------------------------------------------
    def witness_to(self, root: int, target: int) -> dict[str, Any] | None:
        """A request (as `query --request` takes it) that reaches `target` from `root`."""
        key = (root, target)
        cache = self._witness_cache
        if key in cache:
            return cache[key]
        found = None
        if root == self.cp.root:  # one path per node, found in a single walk: most witnesses are that
            quick = self._first_path(target)
            if quick is not None:
                found = self.realize(quick)
                if found is not None:
                    cache[key] = found
                    return found
        for path in self._paths(root, target):
            w = self.realize(path)
            if w is not None:
                found = w
                break
        cache[key] = found
        return found

    @cached_property
    def _parents(self) -> dict[int, tuple[int, int]]:
        """For every node under the root: the parent and atom through which a walk first met it."""
        dg = self.dg
        parents: dict[int, tuple[int, int]] = {}
        stack = [self.cp.root]
        seen = {self.cp.root}
        while stack:
            n = stack.pop()
            if dg.is_leaf(n):
                continue
            for atom, c in enumerate(dg.children[n]):
                if c not in seen:
                    seen.add(c)
                    parents[c] = (n, atom)
                    stack.append(c)
        return parents

    def _first_path(self, target: int) -> dict[int, int] | None:
        parents = self._parents
        path: dict[int, int] = {}
        n = target
        while n != self.cp.root:
            if n not in parents:
                return None
            parent, atom = parents[n]
            path[self.dg.level[parent]] = atom
            n = parent
        return path

    @cached_property
    def _witness_cache(self) -> dict[tuple[int, int], dict[str, Any] | None]:
        return {}

    def _can_reach(self, root: int, target: int) -> set[int]:
        """Nodes under root from which target can be reached."""
        dg = self.dg
        ok: set[int] = set()
        memo: dict[int, bool] = {}

        def reach(n: int) -> bool:
            hit = memo.get(n)
            if hit is not None:
                return hit
            if n == target:
                r = True
            elif dg.is_leaf(n):
                r = False
            else:
                r = any(reach(c) for c in set(dg.children[n]))
            memo[n] = r
            return r

        reach(root)
        ok.update(n for n, v in memo.items() if v)
        return ok

    def _paths(self, root: int, target: int) -> Iterator[dict[int, int]]:
        """Paths (dimension level → atom) from root to target, the call-free choices first."""
        dg = self.dg
        good = self._can_reach(root, target)
        if root not in good:
            return
        steps = 0
        stack: list[tuple[int, dict[int, int]]] = [(root, {})]
        while stack and steps < SEARCH_STEPS:
            n, path = stack.pop()
            steps += 1
            if n == target:
                yield path
                continue
            level = dg.level[n]
            seen_child: set[int] = set()
            options = []
            for atom, c in enumerate(dg.children[n]):
                # atoms of one child are interchangeable, except for the call moment's dimensions
                if c in good and (c not in seen_child or self._is_call(level)):
                    seen_child.add(c)
                    options.append((atom, c))
            for atom, c in reversed(options):
                stack.append((c, {**path, level: atom}))

    def _is_call(self, level: int) -> bool:
        return self.cp.dims[level].attr.name.startswith("call.")

    def realize(self, path: dict[int, int]) -> dict[str, Any] | None:
        """A request for a path of atoms; None when no real call moment has them."""
        dims = self.cp.dims
        request: dict[str, Any] = {}
        call: dict[str, tuple[Dim, int]] = {}
        sets: dict[str, list[str]] = {}
        for level, atom in sorted(path.items()):
            d = dims[level]
            name = d.attr.name
            if name.startswith("call."):
                call[name] = (d, atom)
            elif d.element is not None:
                members = sets.setdefault(name, [])
                if atom:
                    members.append(d.element)
            elif d.kind == "bool":
                request[name] = bool(atom)
            elif d.kind == "enum":
                request[name] = d.labels[atom]
            else:
                request[name] = d.cuts[atom]
        for name, members in sets.items():
            attr = self.cp.practice.attributes[name]
            request[name] = [v for v in attr.values if v in members]
        if "reason" not in request and self.cp.practice.reasons:
            # the reason may not matter to the rules, but a booking needs one to be answered
            request["reason"] = next(iter(self.cp.practice.reasons))
        if call:
            at = self._moment(call)
            if at is None:
                return None
            request["at"] = at
        ordered = {}
        for name in ("reason", *self.cp.practice.attributes):  # the reason first: it is what callers say first
            if name in request:
                ordered[name] = request[name]
        if "at" in request:
            ordered["at"] = request["at"]
        return ordered

    def _moment(self, call: dict[str, tuple[Dim, int]]) -> str | None:
        from .model import DAYS

        practice = self.cp.practice
        lo, hi = DATE_MIN, DATE_MAX
        if "call.date" in call:
            d, a = call["call.date"]
            lo, hi = d.cuts[a], d.cuts[a + 1]
        minute = 10 * 60
        if "call.time" in call:
            d, a = call["call.time"]
            minute = d.cuts[a]
        day_ok = None
        if "call.day" in call:
            d, a = call["call.day"]
            day_ok = DAYS.index(d.labels[a])
        holiday = call.get("call.holiday")
        school = call.get("call.school-holiday")
        today = self.today.toordinal()
        forward = range(max(lo, today), min(hi, today + SEARCH_DAYS))
        backward = range(min(hi, today) - 1, max(lo, today - SEARCH_DAYS) - 1, -1)
        tried = 0
        for ordinal in (*forward, *backward):
            tried += 1
            if tried > SEARCH_DAYS * 2:
                break
            day = date.fromordinal(ordinal)
            if day_ok is not None and day.weekday() != day_ok:
                continue
            try:
                if holiday is not None and (bool(practice.holidays) and practice.calendar.is_public_holiday(day)) \
                        != bool(holiday[1]):
                    continue
                if school is not None and bool(practice.calendar.is_school_holiday(day)) != bool(school[1]):
                    continue
            except Exception:  # a day outside the school-holiday data cannot be a witness
                continue
            moment = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minute)
            return moment.strftime("%Y-%m-%dT%H:%M")
        return None

    # -- rule-level facts ----------------------------------------------------------------------
    @cached_property
    def _duplicate_groups(self) -> list[list[int]]:
        groups: dict[tuple[str, int, Any], list[int]] = {}
        for i, r in enumerate(self.rules):
            groups.setdefault((r.tier, self.cp.rule_roots[i], (r.outcome.key(), r.say)), []).append(i)
        return [g for g in groups.values() if len(g) > 1]

    @cached_property
    def duplicates(self) -> set[int]:
        """Rules that repeat an earlier rule exactly (same tier, condition and answer)."""
        return {i for g in self._duplicate_groups for i in g[1:]}

    @cached_property
    def duplicate_pairs(self) -> set[int]:
        """Every rule in a group of exact duplicates, the first included."""
        return {i for g in self._duplicate_groups for i in g}

    @cached_property
    def winners(self) -> dict[int, list[int]]:
        """Rule index → the reachable, realizable leaves it decides."""
        out: dict[int, list[int]] = {}
        for leaf in self.leaves:
            ld = self.decision(leaf)
            if ld.rule is not None:
                out.setdefault(ld.rule, []).append(leaf)
        return out

    def satisfiable(self, rule_index: int) -> dict[str, Any] | None:
        root = self.cp.rule_roots[rule_index]
        t = self.dg.leaf(True)
        return self.witness_to(root, t)

    def decides_somewhere(self, rule_index: int) -> dict[str, Any] | None:
        for leaf in self.winners.get(rule_index, []):
            w = self.witness_to(self.cp.root, leaf)
            if w is not None:
                return w
        return None

    def decision_without(self, leaf: int, rule_index: int) -> LeafDecision:
        """What the leaf would decide if the rule were removed from the file."""
        return semantics(self.rules).decide(self.dg.value[leaf] & ~(1 << rule_index))

    def answer(self, ld: LeafDecision) -> Any:
        """What the caller is told: the outcome and the words, not which rule said it."""
        if ld.rule is None:
            return None
        r = self.rules[ld.rule]
        return (r.outcome.key(), r.say, ld.ambiguous)


def describe_region(cp: CompiledPractice, path: Mapping[int, Sequence[int]]) -> str:
    """`reason is vaccination, patient is new, any age` for a region of atoms."""
    from .compile import describe_atoms

    parts = []
    shown: set[str] = set()
    names = list(cp.practice.attributes)
    # the reason first, then the attributes in the order the file declares them
    for level in sorted(path, key=lambda lv: (cp.dims[lv].name != "reason", names.index(cp.dims[lv].attr.name),
                                              lv)):
        d = cp.dims[level]
        atoms = list(path[level])
        if d.element is not None:
            parts.append(f"{d.attr.name} {'has' if atoms == [1] else 'has not'} {d.element}")
        elif d.kind == "enum" and len(atoms) > 1:
            parts.append(f"{d.name} in {{{describe_atoms(d, atoms)}}}")
        else:
            parts.append(f"{d.name} {'is' if d.kind in ('enum', 'bool') else 'in'} {describe_atoms(d, atoms)}")
        shown.add(d.attr.name)
    others = []
    for d in cp.dims:
        if d.attr.name not in shown and d.attr.name not in others and not d.attr.name.startswith("call."):
            others.append(d.attr.name)
    if others:
        parts.append("any " + ", any ".join(others))
    return ", ".join(parts) if parts else "every request"
