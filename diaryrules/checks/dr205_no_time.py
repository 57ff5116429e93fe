"""DR205 no time — a practitioner with no bookable time in the next 12 weeks (counted from
`--today`): their hours, public holidays, absences and protected windows leave nothing, so no
request can be booked with them. Often a forgotten absence end or hours left `off`.

Bad (linted on 2026-11-26):

    practitioners:
      roux:
        diary: doctolib
        hours: "Mo-Fr 09:00-17:00"
        absences: [2026-11-01..2027-06-30]     # maternity leave: meant 2027-01-30?

Good:

        absences: [2026-11-01..2027-01-30]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..diagnostics import Diagnostic

CODE = "DR205"
NAME = "no-time"
SUMMARY = "practitioner with no bookable time in the next 12 weeks"


def check(ctx: Any) -> Iterator[Diagnostic]:
    from ..slots import WEEKS_DAYS, has_free_time, period, practitioner_sites

    practice = ctx.practice
    first, last = period(ctx.today, WEEKS_DAYS)
    for p in practice.practitioners.values():
        sites = practitioner_sites(practice, p)
        if not p.hours:
            yield Diagnostic(CODE, p.span, f"`{p.id}` has no hours: no bookable time from "
                             f"{first.isoformat()} to {last.isoformat()}",
                             hint='give them hours, e.g. `hours: "Mo-Fr 09:00-17:00"`')
            continue
        if has_free_time(practice, p.id, sites, first, last):
            continue
        hint = "check their hours, absences and protected windows"
        if any(a.end.date() > last and a.start.date() <= first for a in p.absences):
            hint = "an absence covers the whole period: check its end date"
        yield Diagnostic(CODE, p.span, f"`{p.id}` has no bookable time from {first.isoformat()} to "
                         f"{last.isoformat()}", hint=hint)
