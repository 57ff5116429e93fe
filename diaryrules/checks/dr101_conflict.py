"""DR101 conflict — rules of one tier match the same request with different outcomes, and no
`overrides` settles which one wins.

The evaluator still answers (the first rule in file order) but marks the answer ambiguous.
Rules of the tier that decides are compared: a conflict inside a tier that a higher tier always
pre-empts is not reported (the evaluator can never meet it). Every maximal group of rules that
tie somewhere is reported once, at its last rule, with the others as related positions.

Bad:

    rules:
      - id: consultation
        when: reason is consultation
        then: book within 14d
      - id: consultation-pregnant
        when: reason is consultation and pregnant
        then: book with martin within 3d

Good (say which one wins):

      - id: consultation-pregnant
        when: reason is consultation and pregnant
        then: book with martin within 3d
        overrides: [consultation]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..diagnostics import Diagnostic, Related

CODE = "DR101"
NAME = "conflict"
SUMMARY = "overlapping rules in one tier with different outcomes, not settled by `overrides`"


def check(ctx: Any) -> Iterator[Diagnostic]:
    an = ctx.analysis
    groups: dict[frozenset[int], int] = {}  # each tie → the first leaf that has it
    for leaf, ld in an.leaves_deciding(lambda ld: ld.ambiguous):
        groups.setdefault(frozenset(ld.tied), leaf)
    # a group is kept unless a larger one contains it: only groups sharing its first rule can
    with_rule: dict[int, list[frozenset[int]]] = {}
    for g in groups:
        for i in g:
            with_rule.setdefault(i, []).append(g)
    maximal = [g for g in groups if not any(len(o) > len(g) and g < o for o in with_rule[min(g)])]
    for group in sorted(maximal, key=lambda g: sorted(g)):
        witness = None
        # any leaf whose tie includes the whole group shows it
        for tied, leaf in sorted(groups.items(), key=lambda kv: sorted(kv[0])):
            if group <= tied:
                witness = an.witness_to(an.cp.root, leaf)
                if witness is not None:
                    break
        if witness is None:
            continue
        rules = [an.rules[i] for i in sorted(group)]
        last = rules[-1]
        others = rules[:-1]
        names = ", ".join(f"`{r.id}`" for r in others)
        outcomes = "; ".join(f"{r.id}: {r.outcome}" for r in rules)
        yield Diagnostic(
            CODE, last.span,
            f"`{last.id}` conflicts with {names} in `{last.tier}`: the same request gets different outcomes "
            f"({outcomes})",
            hint=f"add `overrides: [{', '.join(r.id for r in others)}]` to the rule that must win, "
                 "or make the conditions exclusive",
            related=tuple(Related(r.span, f"`{r.id}` matches the same request") for r in others),
            witness=witness)
