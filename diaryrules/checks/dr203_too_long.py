"""DR203 too long — a reason that lasts longer than every continuous stretch of open time its
practitioners have in the next 12 months (hours minus public holidays, absences and protected
time, counted from `--today`): no slot can ever hold it.

Bad:

    practitioners:
      bernard: {diary: doctolib, hours: "Mo-Fr 08:00-08:30,09:00-12:00,14:00-16:00"}
    reasons:
      minor-surgery: {duration: 3h30}     # the longest stretch is 3h

Good:

      minor-surgery: {duration: 1h30}
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from ..diagnostics import Diagnostic
from ..syntax import format_duration

CODE = "DR203"
NAME = "too-long"
SUMMARY = "reason duration longer than every open stretch"


def check(ctx: Any) -> Iterator[Diagnostic]:
    from ..slots import YEAR_DAYS, free_stretches, period, reason_practitioners, reason_sites, works_at

    practice = ctx.practice
    first, last = period(ctx.today, YEAR_DAYS)
    # reasons share their practitioners and sites: each one's longest stretch is found once
    known: dict[tuple[str, tuple[str | None, ...]], timedelta | None] = {}
    for r in practice.reasons.values():
        sites = reason_sites(practice, r)
        longest: dict[str, timedelta] = {}
        for pid in reason_practitioners(practice, r):
            if not works_at(practice.practitioners[pid], sites):
                continue
            key = (pid, tuple(sites))
            if key not in known:
                stretches = free_stretches(practice, pid, sites, first, last)
                known[key] = max(b - a for a, b in stretches) if stretches else None
            best = known[key]
            if best is not None:  # no open time at all is DR202's finding
                longest[pid] = best
        if not longest:
            continue
        if any(r.duration_for(pid) <= span // timedelta(minutes=1) for pid, span in longest.items()):
            continue
        lasts = " or ".join(sorted({format_duration(r.duration_for(pid)) for pid in longest}))
        shown = ", ".join(f"{pid}: {format_duration(span // timedelta(minutes=1))}"
                          for pid, span in longest.items())
        yield Diagnostic(CODE, r.span, f"`{r.id}` lasts {lasts}, longer than any open stretch of its "
                         f"practitioners from {first.isoformat()} to {last.isoformat()} (longest: {shown})",
                         hint="shorten the reason, or give its practitioners a longer stretch of hours")
