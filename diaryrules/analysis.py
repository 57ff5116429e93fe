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

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from .compile import DATE_MAX, DATE_MIN, CompiledPractice, Dim, LeafDecision, bits, semantics
from .model import Rule

SEARCH_STEPS = 20_000  # paths tried when looking for a witness whose call moment exists
SEARCH_DAYS = 800  # calendar days searched for a call moment
MAX_CALL_COMBINATIONS = 5_000  # combinations of call atoms tried for `every_path_realizable`


class Analysis:
    def __init__(self, cp: CompiledPractice, today: date | None = None) -> None:
        self.cp = cp
        self.dg = cp.diagram
        self.rules: tuple[Rule, ...] = cp.rules
        self.today = today or date.today()
        # for the nodes under the root: the parent and atom through which a walk first met them.
        # The walk (depth first, from the root) goes only as far as the witnesses asked for need:
        # `_discover` resumes it, and a node's entry never changes once made
        self._parents: dict[int, tuple[int, int]] = {}
        self._walk_stack = [cp.root]
        self._walk_seen = {cp.root}

    # -- leaves --------------------------------------------------------------------------------
    # The matched-set diagram has a leaf per distinct set of matching rules: hundreds of thousands
    # on a few thousand rules. The checks ask about answers (which rule decides, tied with which),
    # and the answer diagram (`CompiledPractice.answer_root`, the same diagram with each leaf
    # mapped to its answer) has only one leaf per distinct answer: what is true of every leaf is
    # asked of one representative leaf per answer, and the matched-set leaves themselves are
    # walked only where a finding needs them, in id order (tests/test_checks_fast.py keeps the
    # simple scan of every leaf that they are compared with).
    def matched(self, leaf: int) -> frozenset[int]:
        cache = self._matched_cache
        hit = cache.get(leaf)
        if hit is None:
            hit = cache[leaf] = bits(self.dg.value[leaf])
        return hit

    @cached_property
    def _matched_cache(self) -> dict[int, frozenset[int]]:
        return {}

    def decision(self, leaf: int) -> LeafDecision:
        return self.cp.leaf_decision(self.dg.value[leaf])

    @cached_property
    def answers(self) -> dict[int, tuple[int, LeafDecision]]:
        """Every reachable leaf of the answer diagram → a matched-set leaf that maps to it, and
        that leaf's decision (every leaf mapping to it has the same deciding rule and ties)."""
        dg = self.dg
        level, children, bottom = dg.level, dg.children, dg.bottom
        out: dict[int, tuple[int, LeafDecision]] = {}
        seen: set[int] = set()
        # pairs (matched-set node, answer node) on the same path from the two roots
        stack = [(self.cp.root, self.cp.answer_root)]
        while stack:
            n, a = stack.pop()
            if a in seen:
                continue
            seen.add(a)
            la = level[a]
            while level[n] < la:  # the answer does not depend on n's level here: any atom will do
                n = children[n][0]
            if la == bottom:
                out[a] = (n, self.decision(n))
                continue
            if level[n] == la:  # one matched-set child per distinct answer child: any will do
                stack.extend((m, c) for c, m in dict(zip(children[a], children[n], strict=True)).items()
                             if c not in seen)
            else:
                stack.extend((n, c) for c in set(children[a]) if c not in seen)
        return out

    @cached_property
    def answers_by_rule(self) -> dict[int, list[tuple[int, LeafDecision]]]:
        """Rule index → one matched-set leaf per answer it gives, with the decision there."""
        out: dict[int, list[tuple[int, LeafDecision]]] = {}
        for leaf, ld in self.answers.values():
            if ld.rule is not None:
                out.setdefault(ld.rule, []).append((leaf, ld))
        return out

    @cached_property
    def winning_rules(self) -> set[int]:
        """The rules that decide some reachable leaf (the keys of `winners`)."""
        return set(self.answers_by_rule)

    @cached_property
    def tied_rules(self) -> set[int]:
        """The rules that tie with another somewhere."""
        return {i for _leaf, ld in self.answers.values() for i in ld.tied}

    def leaves_deciding(self, pred: Callable[[LeafDecision], bool]) -> list[tuple[int, LeafDecision]]:
        """The matched-set leaves whose decision satisfies `pred` (a property of the deciding rule
        and the ties: constant on an answer leaf), with their decisions, in leaf order."""
        dg = self.dg
        level, children, bottom = dg.level, dg.children, dg.bottom
        wanted = {a for a, (_leaf, ld) in self.answers.items() if pred(ld)}
        if not wanted:
            return []
        memo: dict[int, bool] = {}

        def useful(a: int) -> bool:  # an answer node under which some wanted answer lies
            hit = memo.get(a)
            if hit is None:
                hit = memo[a] = a in wanted or (level[a] != bottom and any(useful(c) for c in set(children[a])))
            return hit

        found: set[int] = set()
        walked: set[int] = set()
        seen: set[tuple[int, int]] = set()
        stack = [(self.cp.root, self.cp.answer_root)]
        while stack:
            n, a = stack.pop()
            if (n, a) in seen or not useful(a):
                continue
            seen.add((n, a))
            la = level[a]
            if la == bottom:
                self._leaves_under(n, found, walked)
                continue
            ln = level[n]
            lv = min(ln, la)
            kn = children[n] if ln == lv else None
            ka = children[a] if la == lv else None
            for atom in range(len(kn if kn is not None else ka)):  # type: ignore[arg-type]
                stack.append((kn[atom] if kn is not None else n, ka[atom] if ka is not None else a))
        return [(leaf, self.decision(leaf)) for leaf in sorted(found)]

    def leaves_matching(self, rule_index: int) -> list[int]:
        """The matched-set leaves where the rule matches, in leaf (id) order:
        the diagram is walked together with the rule's condition, where it can hold."""
        dg = self.dg
        level, children, bottom, value = dg.level, dg.children, dg.bottom, dg.value
        true, false = dg.leaf(True), dg.leaf(False)
        found: set[int] = set()
        walked: set[int] = set()
        seen: set[tuple[int, int]] = set()
        stack = [(self.cp.root, self.cp.rule_roots[rule_index])]
        while stack:
            n, c = stack.pop()
            if c == false or (n, c) in seen:
                continue
            seen.add((n, c))
            if c == true:
                self._leaves_under(n, found, walked)
                continue
            ln, lc = level[n], level[c]
            if ln == bottom:
                if value[n] >> rule_index & 1:
                    found.add(n)
                continue
            lv = min(ln, lc)
            kn = children[n] if ln == lv else None
            kc = children[c] if lc == lv else None
            for atom in range(len(kn if kn is not None else kc)):  # type: ignore[arg-type]
                stack.append((kn[atom] if kn is not None else n, kc[atom] if kc is not None else c))
        return sorted(found)

    def _leaves_under(self, n: int, found: set[int], seen: set[int]) -> None:
        """Add the leaves under n to `found`; `seen`: the nodes already walked for it."""
        dg = self.dg
        level, children, bottom = dg.level, dg.children, dg.bottom
        stack = [n]
        while stack:
            m = stack.pop()
            if m in seen:
                continue
            seen.add(m)
            if level[m] == bottom:
                found.add(m)
            else:
                stack.extend(children[m])

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


    def _discover(self, target: int) -> None:
        """Resume the walk of `_parents` until it meets target (or has met every node)."""
        parents = self._parents
        stack, seen = self._walk_stack, self._walk_seen
        dg = self.dg
        level, children, bottom = dg.level, dg.children, dg.bottom
        while stack:
            n = stack.pop()
            if level[n] == bottom:
                continue
            met = False
            for atom, c in enumerate(children[n]):
                if c not in seen:
                    seen.add(c)
                    parents[c] = (n, atom)
                    stack.append(c)
                    met = met or c == target
            if met:
                return

    def _first_path(self, target: int) -> dict[int, int] | None:
        parents = self._parents
        if target not in parents and target != self.cp.root:
            self._discover(target)
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

    @cached_property
    def every_path_realizable(self) -> bool:
        """Whether every path of atoms has a real call moment (`realize` never says None), known
        by trying each combination of the call dimensions' atoms that `_moment` reads — the time
        of day never stops a moment. A combination that has a moment keeps one with fewer
        dimensions. False when there are too many combinations to try (then nothing is assumed)."""
        dims = [d for d in self.cp.dims if d.attr.name in ("call.date", "call.day", "call.holiday",
                                                            "call.school-holiday")]
        count = 1
        for d in dims:
            count *= d.size
        if count > MAX_CALL_COMBINATIONS:
            return False
        for atoms in itertools.product(*(range(d.size) for d in dims)):
            if self._moment({d.attr.name: (d, a) for d, a in zip(dims, atoms, strict=True)}) is None:
                return False
        return True

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
        """The call moment of a path's call atoms (the same few atoms come back path after path)."""
        key = tuple((name, a) for name, (_d, a) in call.items())
        cache = self._moments
        if key in cache:
            return cache[key]
        found = cache[key] = self._search_moment(call)
        return found

    @cached_property
    def _moments(self) -> dict[tuple[tuple[str, int], ...], str | None]:
        return {}

    def _search_moment(self, call: dict[str, tuple[Dim, int]]) -> str | None:
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

    def satisfiable(self, rule_index: int) -> dict[str, Any] | None:
        root = self.cp.rule_roots[rule_index]
        t = self.dg.leaf(True)
        return self.witness_to(root, t)

    def can_hold(self, rule_index: int) -> bool:
        """Whether `satisfiable` finds a request (without making it when every path has one: a
        condition other than the false leaf holds on some path)."""
        if self.cp.rule_roots[rule_index] == self.dg.leaf(False):
            return False
        return self.every_path_realizable or self.satisfiable(rule_index) is not None

    def decides_somewhere(self, rule_index: int) -> dict[str, Any] | None:
        """A request the rule decides (the first of its leaves, in leaf order, that has one)."""
        if rule_index not in self.winning_rules:
            return None
        for leaf, _ld in self.leaves_deciding(lambda ld: ld.rule == rule_index):
            w = self.witness_to(self.cp.root, leaf)
            if w is not None:
                return w
        return None

    def can_decide(self, rule_index: int) -> bool:
        """Whether `decides_somewhere` finds a request (without making it when every path has one)."""
        if rule_index not in self.winning_rules:
            return False
        return self.every_path_realizable or self.decides_somewhere(rule_index) is not None

    def conditions_meet(self, a: int, b: int) -> bool:
        """Whether two conditions (diagrams with bool leaves) hold together somewhere: whether
        their `and` is not the false leaf, without building it. A reduced diagram other than the
        false leaf holds somewhere, so the walk stops at the first true leaf either side meets."""
        dg = self.dg
        level, children = dg.level, dg.children
        true, false = dg.leaf(True), dg.leaf(False)
        memo: dict[tuple[int, int], bool] = {}

        def meet(a: int, b: int) -> bool:
            if a == false or b == false:
                return False
            if a == true or b == true or a == b:
                return True
            hit = memo.get((a, b))
            if hit is None:
                la, lb = level[a], level[b]
                if la == lb:
                    pairs = set(zip(children[a], children[b], strict=True))
                elif la < lb:
                    pairs = {(c, b) for c in children[a]}
                else:
                    pairs = {(a, c) for c in children[b]}
                hit = memo[(a, b)] = any(meet(x, y) for x, y in pairs)
            return hit

        return meet(a, b)

    def decision_without(self, leaf: int, rule_index: int) -> LeafDecision:
        """What the leaf would decide if the rule were removed from the file."""
        return semantics(self.rules).decide(self.dg.value[leaf] & ~(1 << rule_index))

    def answer(self, ld: LeafDecision) -> Any:
        """What the caller is told: the outcome and the words, not which rule said it."""
        if ld.rule is None:
            return None
        return (*self._said[ld.rule], ld.ambiguous)

    @cached_property
    def _said(self) -> list[tuple[Any, Any]]:
        return [(r.outcome.key(), r.say) for r in self.rules]


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
