"""The leaf-level checks (DR101, DR103, DR104, DR301, DR302) against the simple way they were
first written: every leaf of the matched-set diagram scanned, the whole inverted index of rules
to leaves built, every override's `and` made and searched, the walk for witnesses done in full.
The fast checks must give the same findings, in the same order, with the same witnesses — also
when their shortcut for files whose every path has a call moment is turned off, and on files
with call conditions that no call moment (or only some) can meet.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import cached_property
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diaryrules.analysis import Analysis
from diaryrules.checks import check_modules
from diaryrules.compile import compiled
from diaryrules.diagnostics import Diagnostic, Related
from diaryrules.linter import load_practice
from tests.ruleforge import GenFile, files_st

TODAY = date(2027, 1, 1)
CODES = ("DR101", "DR103", "DR104", "DR301", "DR302")

# call conditions: realizable or not (no `holidays:` in the generated files, so `call.holiday` is
# never met; dates more than SEARCH_DAYS from TODAY have no moment)
CALL_TESTS = [
    ("test", "call.day", "is", ["Sa"]),
    ("test", "call.day", "in", ["Mo", "Su"]),
    ("test", "call.holiday", "true", []),
    ("test", "call.date", "<", ["1990-01-01"]),
    ("test", "call.date", ">=", ["2030-06-01"]),
    ("test", "call.date", "range", ["2026-12-24", "2027-01-02"]),
    ("test", "call.time", "<", ["12:00"]),
]


@st.composite
def files_with_calls(draw: Any) -> GenFile:
    f: GenFile = draw(files_st(max_rules=12, small=True))
    for r in f.rules:
        if draw(st.integers(0, 3)) == 0:
            r.cond = ("and", r.cond, draw(st.sampled_from(CALL_TESTS)))
    return f


class SimpleAnalysis(Analysis):
    """The witnesses' walk done in full before the first is asked for, and every leaf scanned."""

    @cached_property
    def leaves(self) -> list[int]:
        """Every reachable leaf of the matched-set diagram, in id order."""
        dg = self.dg
        return sorted(n for n in dg.reachable(self.cp.root) if dg.is_leaf(n))

    @cached_property
    def leaves_by_rule(self) -> dict[int, list[int]]:
        """Rule index → the leaves where it matches."""
        out: dict[int, list[int]] = {}
        for leaf in self.leaves:
            for i in self.matched(leaf):
                out.setdefault(i, []).append(leaf)
        return out

    @cached_property
    def winners(self) -> dict[int, list[int]]:
        """Rule index → the leaves it decides."""
        out: dict[int, list[int]] = {}
        for leaf in self.leaves:
            ld = self.decision(leaf)
            if ld.rule is not None:
                out.setdefault(ld.rule, []).append(leaf)
        return out

    @cached_property
    def _full_parents(self) -> dict[int, tuple[int, int]]:
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
        parents = self._full_parents
        path: dict[int, int] = {}
        n = target
        while n != self.cp.root:
            if n not in parents:
                return None
            parent, atom = parents[n]
            path[self.dg.level[parent]] = atom
            n = parent
        return path

    def simple_decides_somewhere(self, i: int) -> dict[str, Any] | None:
        for leaf in self.winners.get(i, []):
            w = self.witness_to(self.cp.root, leaf)
            if w is not None:
                return w
        return None


class NoShortcut(Analysis):
    every_path_realizable = False  # type: ignore[assignment]


class Ctx:
    def __init__(self, practice: Any, analysis: Analysis) -> None:
        self.practice = practice
        self.compiled = analysis.cp
        self.analysis = analysis
        self.today = TODAY


def simple_dr101(ctx: Ctx) -> Iterator[Diagnostic]:
    an = ctx.analysis
    assert isinstance(an, SimpleAnalysis)
    groups: dict[frozenset[int], int] = {}
    for leaf in an.leaves:
        ld = an.decision(leaf)
        if ld.ambiguous:
            groups.setdefault(frozenset(ld.tied), leaf)
    maximal = [g for g in groups if not any(len(o) > len(g) and g < o for o in groups)]
    for group in sorted(maximal, key=lambda g: sorted(g)):
        witness = None
        for tied, leaf in sorted(groups.items(), key=lambda kv: sorted(kv[0])):
            if group <= tied:
                witness = an.witness_to(an.cp.root, leaf)
                if witness is not None:
                    break
        if witness is None:
            continue
        rules = [an.rules[i] for i in sorted(group)]
        last, others = rules[-1], rules[:-1]
        names = ", ".join(f"`{r.id}`" for r in others)
        outcomes = "; ".join(f"{r.id}: {r.outcome}" for r in rules)
        yield Diagnostic(
            "DR101", last.span,
            f"`{last.id}` conflicts with {names} in `{last.tier}`: the same request gets different outcomes "
            f"({outcomes})",
            hint=f"add `overrides: [{', '.join(r.id for r in others)}]` to the rule that must win, "
                 "or make the conditions exclusive",
            related=tuple(Related(r.span, f"`{r.id}` matches the same request") for r in others),
            witness=witness)


def simple_dr103(ctx: Ctx) -> Iterator[Diagnostic]:
    an = ctx.analysis
    assert isinstance(an, SimpleAnalysis)
    cp = ctx.compiled
    for i, r in enumerate(cp.rules):
        if i in an.duplicate_pairs or r.tier == "default" or i not in an.winners:
            continue
        covering: list[int] = []
        redundant = True
        witness = None
        for leaf in an.leaves_by_rule.get(i, []):
            with_it = an.decision(leaf)
            without = an.decision_without(leaf, i)
            if an.answer(with_it) != an.answer(without):
                redundant = False
                break
            if with_it.rule == i and without.rule is not None and without.rule not in covering:
                covering.append(without.rule)
            if witness is None and with_it.rule == i:
                witness = an.witness_to(cp.root, leaf)
        if not redundant or not covering or witness is None:
            continue
        names = ", ".join(f"`{cp.rules[j].id}`" for j in covering)
        verb = "gives" if len(covering) == 1 else "give"
        yield Diagnostic("DR103", r.span, f"`{r.id}` is redundant: {names} already {verb} the same answer "
                         "wherever it applies", hint=f"remove `{r.id}`",
                         related=tuple(Related(cp.rules[j].span, f"`{cp.rules[j].id}` gives the same answer")
                                       for j in covering), witness=witness)


def simple_dr104(ctx: Ctx) -> Iterator[Diagnostic]:
    cp = ctx.compiled
    an = ctx.analysis
    dg = cp.diagram
    index = {r.id: i for i, r in enumerate(cp.rules)}
    for i, r in enumerate(cp.rules):
        for o in r.overrides:
            j = index.get(o.text)
            if j is None:
                continue
            both = dg.apply("and", lambda a, b: a and b, cp.rule_roots[i], cp.rule_roots[j])
            if an.witness_to(both, dg.leaf(True)) is None:
                other = cp.rules[j]
                yield Diagnostic("DR104", o.span, f"`{r.id}` overrides `{other.id}`, but no request matches both",
                                 hint=f"remove `{other.id}` from `overrides`",
                                 related=(Related(other.span, f"`{other.id}` is here"),))


def simple_dr301(ctx: Ctx) -> Iterator[Diagnostic]:
    an = ctx.analysis
    assert isinstance(an, SimpleAnalysis)
    cp = ctx.compiled
    tied = {i for leaf in an.leaves for i in an.decision(leaf).tied}
    for i, r in enumerate(cp.rules):
        if r.tier == "default" or i in an.duplicates or i in tied:
            continue
        if an.simple_decides_somewhere(i) is not None:
            continue
        if an.satisfiable(i) is None:
            continue
        takers: list[int] = []
        witness = None
        for leaf in an.leaves_by_rule.get(i, []):
            w = an.decision(leaf).rule
            if w is not None and w not in takers:
                takers.append(w)
            if witness is None:
                witness = an.witness_to(cp.root, leaf)
        if not takers:
            continue
        names = ", ".join(f"`{cp.rules[j].id}` ({cp.rules[j].tier})" for j in takers[:6])
        more = f" and {len(takers) - 6} more" if len(takers) > 6 else ""
        yield Diagnostic(
            "DR301", r.span, f"`{r.id}` can never decide: every request it matches is decided by {names}{more}",
            hint="remove it, or move it to a tier that is consulted first (and say `overrides:`)",
            related=tuple(Related(cp.rules[j].span, f"`{cp.rules[j].id}` decides first") for j in takers[:6]),
            witness=witness)


def simple_dr302(ctx: Ctx) -> Iterator[Diagnostic]:
    an = ctx.analysis
    for i, r in enumerate(ctx.compiled.rules):
        if r.tier != "default" and an.satisfiable(i) is None:
            yield Diagnostic("DR302", r.when_span, f"the condition of `{r.id}` can never be true: `{r.cond}`",
                             hint="check the bounds and the and/or of the condition")


SIMPLE = {"DR101": simple_dr101, "DR103": simple_dr103, "DR104": simple_dr104, "DR301": simple_dr301,
          "DR302": simple_dr302}


def _shown(diags: Any) -> list[tuple[Diagnostic, Any]]:
    return [(d, None if d.witness is None else dict(d.witness)) for d in diags]


def _compare(text: str) -> None:
    loaded = load_practice("gen.diary.yaml", text)
    practice = loaded.practice
    assert practice is not None, loaded.diagnostics
    cp = compiled(practice)
    modules = {c.code: c.module for c in check_modules()}
    simple_ctx = Ctx(practice, SimpleAnalysis(cp, TODAY))
    expected = {code: _shown(SIMPLE[code](simple_ctx)) for code in CODES}
    for kind in (Analysis, NoShortcut):
        an = kind(cp, TODAY)
        ctx = Ctx(practice, an)
        for code in CODES:
            assert _shown(modules[code].check(ctx)) == expected[code], (kind.__name__, code, text)
        # the indexes the checks use, against the full scan
        simple = simple_ctx.analysis
        assert an.winning_rules == set(simple.winners), text
        assert an.tied_rules == {i for leaf in simple.leaves for i in simple.decision(leaf).tied}, text
        for i in range(len(cp.rules)):
            assert an.leaves_matching(i) == simple.leaves_by_rule.get(i, []), (i, text)
            assert [leaf for leaf, _ld in an.leaves_deciding(lambda ld, i=i: ld.rule == i)] \
                == simple.winners.get(i, []), (i, text)
            assert (an.decides_somewhere(i) is not None) == an.can_decide(i) \
                == (simple.simple_decides_somewhere(i) is not None), (i, text)
            assert an.can_hold(i) == (simple.satisfiable(i) is not None), (i, text)
        for leaf, ld in an.answers.values():
            assert simple.decision(leaf) == ld


@settings(max_examples=150, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(f=files_with_calls())
def test_fast_checks_match_the_simple_ones(f: GenFile) -> None:
    _compare(f.text())


@settings(max_examples=100, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(f=files_st(max_rules=20))
def test_fast_checks_match_the_simple_ones_without_calls(f: GenFile) -> None:
    _compare(f.text())
