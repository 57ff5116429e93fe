"""DR206 reserved unusable — a reserved window that never meets the hours of the practitioners it
reserves time for (in the next 12 months, counted from `--today`), or whose `for` no request can
satisfy: the reservation holds nothing, or holds time for nobody.

Bad:

    practitioners:
      bernard: {diary: doctolib, hours: "Mo-Fr 08:00-12:00,14:00-18:30"}
    reserved:
      - id: saturday-acute
        window: "Sa 09:00-12:00"          # Dr Bernard does not work on Saturdays
        for: reason is acute
      - id: babies
        window: "We 14:00-16:00"
        for: age < 2 and age > 6          # nobody

Good:

        window: "Fr 16:00-18:00"
        for: age < 2 or age > 80
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..diagnostics import Diagnostic

CODE = "DR206"
NAME = "reserved-unusable"
SUMMARY = "reserved window outside all hours, or unusable"


def check(ctx: Any) -> Iterator[Diagnostic]:
    from ..slots import YEAR_DAYS, free_stretches, overlaps, period, practitioner_sites, window_stretches

    practice = ctx.practice
    first, last = period(ctx.today, YEAR_DAYS)
    for r in practice.reserved:
        who = list(r.practitioners) if r.practitioners is not None else list(practice.practitioners)
        window = window_stretches(practice, r.window, first, last)
        shown = r.window.name or r.window.expr.source
        meets = False
        for pid in who:
            sites = practitioner_sites(practice, practice.practitioners[pid])
            if overlaps(window, free_stretches(practice, pid, sites, first, last, hours_only=True)):
                meets = True
                break
        if not meets:
            whose = ", ".join(who) if r.practitioners is not None else "any practitioner"
            yield Diagnostic(CODE, r.span, f"reserved window `{r.id}` ({shown}) never meets the hours of "
                             f"{whose} from {first.isoformat()} to {last.isoformat()}",
                             hint="move the window into their hours, or remove it")
        if _unsatisfiable(ctx, r):
            release = " (it only ever opens at its release)" if r.release is not None else ""
            yield Diagnostic(CODE, r.span, f"no request can satisfy the `for` of reserved window `{r.id}`: "
                             f"`{r.cond}`{release}", hint="check the bounds and the and/or of the condition")


def _unsatisfiable(ctx: Any, reserved: Any) -> bool:
    from ..analysis import Analysis
    from ..compile import compile_practice
    from ..model import Rule
    from ..syntax import Outcome

    span = reserved.span
    rule = Rule(reserved.id, "rules", 0, reserved.cond, Outcome("refuse", span), None, (), span, span, span)
    analysis = Analysis(compile_practice(ctx.practice, [rule]), ctx.today)
    return analysis.satisfiable(0) is None
