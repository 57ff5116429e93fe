"""DR302 unsatisfiable condition — no request can match the condition (`age < 5 and age > 10`,
`reason is a and reason is b`, or a call moment no calendar day has).

Bad:

    rules:
      - id: toddlers
        when: age < 5 and age > 10
        then: book with martin

Good:

        when: age < 5 or age > 10
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..diagnostics import Diagnostic

CODE = "DR302"
NAME = "unsatisfiable"
SUMMARY = "unsatisfiable condition"


def check(ctx: Any) -> Iterator[Diagnostic]:
    an = ctx.analysis
    cp = ctx.compiled
    for i, r in enumerate(cp.rules):
        if r.tier == "default":
            continue
        if not an.can_hold(i):
            yield Diagnostic(CODE, r.when_span, f"the condition of `{r.id}` can never be true: `{r.cond}`",
                             hint="check the bounds and the and/or of the condition")
