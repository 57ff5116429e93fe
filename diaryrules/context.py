"""Stage 6 — check (shared input): what every check reads — the practice, its compiled diagram,
and the day the lint runs for (`--today`) — computed once and shared between checks."""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import Any

from .compile import CompiledPractice, compiled
from .model import Practice


class CheckContext:
    def __init__(self, practice: Practice, today: date | None = None) -> None:
        self.practice = practice
        self.today = today or date.today()

    @cached_property
    def compiled(self) -> CompiledPractice:
        return compiled(self.practice)

    @cached_property
    def analysis(self) -> Any:
        from .analysis import Analysis

        return Analysis(self.compiled, self.today)
