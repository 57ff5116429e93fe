"""DR303 in the past — a dated rule whose condition only holds on days before today, or an
absence that has ended. It can be removed (use `--today` to lint for another day).

Bad (linted on 2027-02-01):

    exceptions:
      - id: christmas-cover
        when: call.date in 2026-12-21..2027-01-02
        then: book with nguyen
    practitioners:
      martin:
        absences: [2026-12-24..2027-01-02]

Good: delete them once the dates have passed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ..diagnostics import Diagnostic

CODE = "DR303"
NAME = "past"
SUMMARY = "dated rule or absence entirely in the past"


def check(ctx: Any) -> Iterator[Diagnostic]:
    cp = ctx.compiled
    dg = cp.diagram
    today = ctx.today.toordinal()
    date_level = cp.dim_index.get("call.date")
    if date_level is not None:
        dim = cp.dims[date_level]
        future = [i for i in range(dim.size) if dim.cuts[i + 1] > today]
        for i, r in enumerate(cp.rules):
            root = cp.rule_roots[i]
            if root == dg.leaf(False) or not _tests_date(r):
                continue
            if not _true_in(dg, root, date_level, future):
                yield Diagnostic(CODE, r.when_span, f"`{r.id}` only applies to days before {ctx.today.isoformat()}",
                                 hint="remove the rule: its dates have passed")
    now = datetime.combine(ctx.today, datetime.min.time())
    for p in cp.practice.practitioners.values():
        for a in p.absences:
            if a.end <= now:
                yield Diagnostic(CODE, a.span, f"the absence `{a.text}` of `{p.id}` has ended",
                                 hint="remove absences once they are over")


def _tests_date(rule: Any) -> bool:
    from ..syntax import tests_of

    return any(t.attr == "call.date" for t in tests_of(rule.cond))


def _true_in(dg: Any, root: int, level: int, atoms: list[int]) -> bool:
    """Whether the condition can hold with the date dimension restricted to `atoms`."""
    memo: dict[int, bool] = {}

    def go(n: int) -> bool:
        if n in memo:
            return memo[n]
        if dg.is_leaf(n):
            r = bool(dg.value[n])
        elif dg.level[n] == level:
            r = any(go(dg.children[n][a]) for a in atoms)
        else:
            r = any(go(c) for c in set(dg.children[n]))
        memo[n] = r
        return r

    return go(root)
