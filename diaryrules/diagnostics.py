"""Cross-stage: the one Diagnostic type every stage reports with, and source positions.

Every finding, from a YAML syntax error to a rule conflict, is a `Diagnostic`: a code, a
span in the rule file, a message, an optional hint, related positions and (for semantic
findings) a witness request. Checks never choose their own severity; `lint` assigns it
from configuration (`severity` stays ``None`` until then).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    OFF = "off"


@dataclass(frozen=True, order=True)
class Span:
    """A region of a file; lines and columns are 1-based, columns count characters."""

    file: str
    line: int
    column: int
    end_line: int = 0
    end_column: int = 0

    def __post_init__(self) -> None:
        if self.end_line == 0:
            object.__setattr__(self, "end_line", self.line)
            object.__setattr__(self, "end_column", self.column + 1)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Related:
    span: Span
    message: str


@dataclass(frozen=True)
class Diagnostic:
    code: str
    span: Span
    message: str
    hint: str | None = None
    related: tuple[Related, ...] = ()
    # A request (as `query --request` takes it) showing the finding; a mapping so it can be frozen.
    witness: Mapping[str, Any] | None = field(default=None, compare=False, hash=False)
    severity: Severity | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.file, self.span.line, self.span.column, self.code, self.message)

    def with_severity(self, severity: Severity) -> Diagnostic:
        return replace(self, severity=severity)


def sort_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sorted by position, then code; exact duplicates dropped (determinism, no noise)."""
    seen: set[tuple[Any, ...]] = set()
    out: list[Diagnostic] = []
    for d in sorted(diags, key=Diagnostic.sort_key):
        key = (d.sort_key(), d.hint, d.related)
        if key in seen:
            continue
        seen.add(key)
        out.append(d)
    return out


class ExprError(Exception):
    """A syntax or meaning error inside one expression string (a `when`, an hours rule, ...).

    `offset` is the character offset inside the expression; the caller maps it to a file
    position because only it knows where the string sits in the YAML file.
    """

    def __init__(self, message: str, offset: int = 0, hint: str | None = None, length: int = 1,
                 code: str = "DR003") -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.hint = hint
        self.length = max(1, length)
        self.code = code


class InputError(Exception):
    """Input that cannot be used at all (exit code 2), already turned into diagnostics."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The nearest candidate by edit distance (and a prefix match), or None when nothing is near."""
    import difflib

    cands = sorted(set(candidates))
    if not cands:
        return None
    close = difflib.get_close_matches(word, cands, n=1, cutoff=0.6)
    if close:
        return close[0]
    low = word.lower()
    for c in cands:
        if c.lower() == low:
            return c
    best: tuple[int, str] | None = None
    for c in cands:
        if abs(len(c) - len(word)) > max(1, len(word) // 3):  # the distance is at least that: skip the walk
            continue
        d = _levenshtein(low, c.lower())
        if d <= max(1, len(word) // 3) and (best is None or d < best[0]):
            best = (d, c)
    return best[1] if best else None


def _levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
