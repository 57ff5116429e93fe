"""DR202 never bookable — a reason nobody can ever be booked for: no practitioner handles it, the
practitioners who handle it never work at the sites where it is booked, or none of them has a
single open minute in the next 12 months (hours, public holidays, absences and protected time
counted from `--today`).

Bad:

    practitioners:
      nguyen: {diary: maiia, hours: {centre: "Mo-Fr 09:00-19:00"}}
    reasons:
      pediatrics:
        duration: 30min
        practitioners: [nguyen]
        sites: [annexe]          # Dr Nguyen never works at the annexe

Good:

        sites: [centre]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..diagnostics import Diagnostic

CODE = "DR202"
NAME = "never-bookable"
SUMMARY = "reason that can never be booked"


def check(ctx: Any) -> Iterator[Diagnostic]:
    from ..slots import YEAR_DAYS, has_free_time, period, reason_practitioners, reason_sites, works_at

    practice = ctx.practice
    first, last = period(ctx.today, YEAR_DAYS)
    for r in practice.reasons.values():
        prs = reason_practitioners(practice, r)
        sites = reason_sites(practice, r)
        if not prs:
            yield Diagnostic(CODE, r.span, f"`{r.id}` can never be booked: no practitioner handles it",
                             hint="list who handles it under `practitioners:`, or remove the empty list")
            continue
        working = [p for p in prs if works_at(practice.practitioners[p], sites)]
        if not working:
            where = ", ".join(s for s in sites if s) or "any site"
            who = ", ".join(prs)
            yield Diagnostic(CODE, r.span, f"`{r.id}` can never be booked: {who} never work"
                             f"{'s' if len(prs) == 1 else ''} at {where}",
                             hint="book it at a site where they have hours, or give them hours there")
            continue
        if not any(has_free_time(practice, p, sites, first, last) for p in working):
            verb = "has" if len(working) == 1 else "have"
            yield Diagnostic(CODE, r.span, f"`{r.id}` can never be booked: {', '.join(working)} {verb} "
                             f"no open time from {first.isoformat()} to {last.isoformat()}",
                             hint="check their hours, absences and protected windows")
