"""DR102 duplicate rule — a rule with the same condition and the same outcome as an earlier rule
of the same tier. Conditions are compared by meaning, not by text: `age < 18` and
`age <= 17` are the same condition.

Bad:

    rules:
      - id: renewal
        when: reason is renewal and patient is known
        then: book within 7d
      - id: renewal-again
        when: patient is known and reason is renewal
        then: book within 7d

Good: keep one of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..diagnostics import Diagnostic, Related

CODE = "DR102"
NAME = "duplicate-rule"
SUMMARY = "same condition and outcome as another rule"


def check(ctx: Any) -> Iterator[Diagnostic]:
    cp = ctx.compiled
    seen: dict[tuple[str, int, Any], int] = {}
    for i, r in enumerate(cp.rules):
        key = (r.tier, cp.rule_roots[i], (r.outcome.key(), r.say))
        first = seen.get(key)
        if first is None:
            seen[key] = i
            continue
        f = cp.rules[first]
        witness = ctx.analysis.satisfiable(i)
        yield Diagnostic(CODE, r.span, f"`{r.id}` repeats `{f.id}`: same condition, same outcome",
                         hint=f"remove `{r.id}`", related=(Related(f.span, f"`{f.id}` is here"),),
                         witness=witness)
