"""DR104 useless override — a rule lists in `overrides` a rule that never matches the same
request, so the override settles nothing.

Bad:

    rules:
      - id: renewal
        when: reason is renewal
        then: book within 7d
      - id: consultation-pregnant
        when: reason is consultation and pregnant
        then: book with martin within 3d
        overrides: [renewal]

Good: override the rule it really overlaps (`consultation`), or drop `overrides`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..diagnostics import Diagnostic, Related

CODE = "DR104"
NAME = "useless-override"
SUMMARY = "`overrides` that never applies (no overlap with the overridden rule)"


def check(ctx: Any) -> Iterator[Diagnostic]:
    cp = ctx.compiled
    an = ctx.analysis
    dg = cp.diagram
    index = {r.id: i for i, r in enumerate(cp.rules)}
    for i, r in enumerate(cp.rules):
        for o in r.overrides:
            j = index.get(o.text)
            if j is None:
                continue
            if an.conditions_meet(cp.rule_roots[i], cp.rule_roots[j]):
                if an.every_path_realizable:
                    continue
                both = dg.apply("and", lambda a, b: a and b, cp.rule_roots[i], cp.rule_roots[j])
                overlap = an.witness_to(both, dg.leaf(True)) is not None
            else:
                overlap = False
            if not overlap:
                other = cp.rules[j]
                yield Diagnostic(CODE, o.span, f"`{r.id}` overrides `{other.id}`, but no request matches both",
                                 hint=f"remove `{other.id}` from `overrides`",
                                 related=(Related(other.span, f"`{other.id}` is here"),))
