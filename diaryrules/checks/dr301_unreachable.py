"""DR301 unreachable rule — a rule (or exception, or the default) that decides no request: every
request it matches is decided by a higher tier, by a rule that overrides it, or by an earlier
rule it ties with. The message names the rules that take its place. (An unsatisfiable condition
is DR302, not DR301.)

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
    for i, r in enumerate(cp.rules):
        if an.decides_somewhere(i) is not None:
            continue
        sat = an.satisfiable(i)
        if sat is None:
            continue  # DR302
        takers: list[int] = []
        witness = None
        for leaf in an.leaves:
            if i in an.matched(leaf):
                w = an.decision(leaf).rule
                if w is not None and w not in takers:
                    takers.append(w)
                if witness is None:
                    witness = an.witness_to(cp.root, leaf)
        what = "the default" if r.tier == "default" else f"`{r.id}`"
        if not takers:
            continue
        names = ", ".join(f"`{cp.rules[j].id}` ({cp.rules[j].tier})" for j in takers[:6])
        more = f" and {len(takers) - 6} more" if len(takers) > 6 else ""
        yield Diagnostic(
            CODE, r.span, f"{what} can never decide: every request it matches is decided by {names}{more}",
            hint="remove it, or move it to a tier that is consulted first (and say `overrides:`)"
            if r.tier != "default" else "every request is already decided: the default can go",
            related=tuple(Related(cp.rules[j].span, f"`{cp.rules[j].id}` decides first") for j in takers[:6]),
            witness=witness)
