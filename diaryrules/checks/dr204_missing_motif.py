"""DR204 missing motif — a practitioner who may handle a reason books in a diary tool for which the
reason names no motif: the secretary would not know which motif to pick in that tool. One finding
per reason and diary.

Bad:

    diaries: {doctolib: {tool: doctolib}, maiia: {tool: maiia}}
    practitioners:
      martin: {diary: doctolib, hours: "Mo-Fr 08:30-19:00"}
      nguyen: {diary: maiia, hours: "Mo-Fr 09:00-19:00"}
    reasons:
      vaccination:
        duration: 15min
        motifs: {doctolib: "Vaccination"}      # nothing for Maiia, where Dr Nguyen books

Good:

        motifs: {doctolib: "Vaccination", maiia: "Vaccination (adulte)"}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..diagnostics import Diagnostic

CODE = "DR204"
NAME = "missing-motif"
SUMMARY = "practitioner's diary has no motif for a reason"


def check(ctx: Any) -> Iterator[Diagnostic]:
    from ..slots import reason_practitioners

    practice = ctx.practice
    for r in practice.reasons.values():
        named = {d for d, _m in r.motifs}
        missing: dict[str, list[str]] = {}
        for pid in reason_practitioners(practice, r):
            diary = practice.practitioners[pid].diary
            if diary not in named:
                missing.setdefault(diary, []).append(pid)
        for diary, who in missing.items():
            tool = practice.diaries[diary].tool if diary in practice.diaries else diary
            shown = f"`{diary}`" if tool == diary else f"`{diary}` ({tool})"
            label = r.label or r.id
            yield Diagnostic(CODE, r.span, f"`{r.id}` has no motif for diary {shown}, where "
                             f"{', '.join(who)} book{'s' if len(who) == 1 else ''}",
                             hint=f'add it under `motifs:`, e.g. `{diary}: "{label}"`')
