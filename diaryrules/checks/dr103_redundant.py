"""DR103 redundant rule — removing the rule changes no answer: wherever it decides, the rules
that would decide without it say the same thing (same outcome, same words).

Bad:

    rules:
      - id: consultation
        when: reason is consultation
        then: book within 14d
      - id: consultation-adult
        when: reason is consultation and age >= 18
        then: book within 14d
        overrides: [consultation]

Good: remove `consultation-adult`, or give it the outcome it was meant to have.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..diagnostics import Diagnostic, Related

CODE = "DR103"
NAME = "redundant-rule"
SUMMARY = "covered by rules with the same outcome; removing it changes nothing"


def check(ctx: Any) -> Iterator[Diagnostic]:
    an = ctx.analysis
    cp = ctx.compiled
    paired = an.duplicate_pairs  # DR102 already reports exact duplicates, both sides of them
    for i, r in enumerate(cp.rules):
        if i in paired or r.tier == "default" or i not in an.winning_rules:
            continue
        # most rules are needed where they decide: one leaf per answer they give shows it
        if any(an.answer(ld) != an.answer(an.decision_without(leaf, i)) for leaf, ld in an.answers_by_rule[i]):
            continue
        covering: list[int] = []
        redundant = True
        decides: list[int] = []
        for leaf in an.leaves_matching(i):
            with_it = an.decision(leaf)
            without = an.decision_without(leaf, i)
            if an.answer(with_it) != an.answer(without):
                redundant = False
                break
            if with_it.rule == i:
                decides.append(leaf)
                if without.rule is not None and without.rule not in covering:
                    covering.append(without.rule)
        if not redundant or not covering:
            continue
        witness = next((w for w in (an.witness_to(cp.root, leaf) for leaf in decides) if w is not None), None)
        if witness is None:
            continue
        names = ", ".join(f"`{cp.rules[j].id}`" for j in covering)
        verb = "gives" if len(covering) == 1 else "give"
        yield Diagnostic(CODE, r.span, f"`{r.id}` is redundant: {names} already {verb} the same answer "
                         "wherever it applies", hint=f"remove `{r.id}`",
                         related=tuple(Related(cp.rules[j].span, f"`{cp.rules[j].id}` gives the same answer")
                                       for j in covering), witness=witness)
