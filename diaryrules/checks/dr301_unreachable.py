"""DR301 unreachable rule — a rule or exception that decides no request: every request it
matches is decided by a higher tier or by a rule that overrides it. The message names the rules
that take its place. Not reported here, because another finding already says it: an
unsatisfiable condition (DR302), an exact duplicate (DR102), a rule that only loses ties (DR101).
The `default` is a safety net and is never reported as unreachable.

Bad:

    triage:
      - id: fever
        when: symptoms has high_fever
        then: callback within 1h
    exceptions:
      - id: fever-children
        when: symptoms has high_fever and age < 6
        then: redirect emergency

Good: move the more specific case up to the tier that must win (`triage`), before `fever`, with
`overrides: [fever]`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..diagnostics import Diagnostic, Related

CODE = "DR301"
NAME = "unreachable"
SUMMARY = "unreachable exception or rule: fully covered by higher tiers or overriding rules"


def check(ctx: Any) -> Iterator[Diagnostic]:
    an = ctx.analysis
    cp = ctx.compiled
    duplicates = an.duplicates
    tied = an.tied_rules
    for i, r in enumerate(cp.rules):
        if r.tier == "default" or i in duplicates or i in tied:
            continue
        if an.can_decide(i):
            continue
        if not an.can_hold(i):
            continue  # DR302
        takers: list[int] = []
        matching = an.leaves_matching(i)
        for leaf in matching:
            w = an.decision(leaf).rule
            if w is not None and w not in takers:
                takers.append(w)
        what = f"`{r.id}`"
        if not takers:
            continue
        witness = next((w for w in (an.witness_to(cp.root, leaf) for leaf in matching) if w is not None), None)
        names = ", ".join(f"`{cp.rules[j].id}` ({cp.rules[j].tier})" for j in takers[:6])
        more = f" and {len(takers) - 6} more" if len(takers) > 6 else ""
        yield Diagnostic(
            CODE, r.span, f"{what} can never decide: every request it matches is decided by {names}{more}",
            hint="remove it, or move it to a tier that is consulted first (and say `overrides:`)",
            related=tuple(Related(cp.rules[j].span, f"`{cp.rules[j].id}` decides first") for j in takers[:6]),
            witness=witness)
