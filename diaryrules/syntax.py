"""Stage 2 output — the expression AST: conditions, outcomes, durations, each node with its span.

`parse` builds these from the strings of a rule file; `model` resolves their names and types
(filling `Value.py` with the typed value) and `compile` reads the resolved form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .diagnostics import Span


@dataclass(frozen=True)
class Duration:
    minutes: int
    span: Span

    def __str__(self) -> str:
        return format_duration(self.minutes)


def format_duration(minutes: int) -> str:
    """The canonical form: 20min, 1h, 1h30, 2d (weeks are written in days: 3w is 21d)."""
    if minutes and minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes >= 60:
        h, m = divmod(minutes, 60)
        return f"{h}h" if m == 0 else f"{h}h{m:02d}"
    return f"{minutes}min"


def duration_minutes(text: str) -> int | None:
    """Minutes of a duration token (`15min`, `1h30`, `2d`, `3w`), None when it is not one."""
    import re

    m = re.fullmatch(r"([0-9]+)(min|h([0-9]{2})?|d|w)", text.strip())
    if not m:
        return None
    n = int(m.group(1))
    unit = m.group(2)
    if unit == "min":
        return n
    if unit.startswith("h"):
        extra = int(m.group(3)) if m.group(3) else 0
        return n * 60 + extra
    if unit == "d":
        return n * 1440
    return n * 7 * 1440


@dataclass(frozen=True)
class Name:
    text: str
    span: Span


@dataclass(frozen=True)
class Value:
    kind: str  # "name" | "int" | "date" | "time"
    text: str
    span: Span
    py: Any = None  # the typed value once `model` has resolved it

    def __str__(self) -> str:
        return self.text


# op: is | is not | in | not in | range | not range | < | <= | > | >= | has | has any | has all |
#     has none | true
@dataclass(frozen=True)
class Test:
    attr: str
    attr_span: Span
    op: str
    values: tuple[Value, ...]
    span: Span

    def __str__(self) -> str:
        if self.op == "true":
            return self.attr
        if self.op in ("in", "not in", "has any", "has all", "has none"):
            return f"{self.attr} {self.op} {{{', '.join(v.text for v in self.values)}}}"
        if self.op in ("range", "not range"):
            word = "in" if self.op == "range" else "not in"
            return f"{self.attr} {word} {self.values[0].text}..{self.values[1].text}"
        return f"{self.attr} {self.op} {self.values[0].text}"


@dataclass(frozen=True)
class And:
    items: tuple[Cond, ...]
    span: Span

    def __str__(self) -> str:
        return " and ".join(_wrap(i, Or) for i in self.items)


@dataclass(frozen=True)
class Or:
    items: tuple[Cond, ...]
    span: Span

    def __str__(self) -> str:
        return " or ".join(str(i) for i in self.items)


@dataclass(frozen=True)
class Not:
    item: Cond
    span: Span

    def __str__(self) -> str:
        return f"not {_wrap(self.item, (And, Or))}"


@dataclass(frozen=True)
class Always:
    span: Span

    def __str__(self) -> str:
        return "always"


Cond = Test | And | Or | Not | Always


def _wrap(c: Cond, kinds: Any) -> str:
    return f"({c})" if isinstance(c, kinds) else str(c)


def tests_of(c: Cond) -> list[Test]:
    if isinstance(c, Test):
        return [c]
    if isinstance(c, (And, Or)):
        return [t for i in c.items for t in tests_of(i)]
    if isinstance(c, Not):
        return tests_of(c.item)
    return []


ACTIONS = ("book", "validate", "callback", "redirect", "refuse", "transfer")


@dataclass(frozen=True)
class Outcome:
    action: str
    span: Span
    with_: tuple[Name, ...] = ()
    at: tuple[Name, ...] = ()
    within: Duration | None = None
    notice: Duration | None = None
    duration: Duration | None = None
    in_window: Name | None = None
    not_in_window: Name | None = None
    by: Name | None = None
    target: Name | None = None
    message: str | None = None
    fallback: Outcome | None = None

    def key(self) -> tuple[Any, ...]:
        """What the outcome says, without positions: two rules with equal keys say the same."""
        def d(x: Duration | None) -> int | None:
            return x.minutes if x else None

        def n(x: Name | None) -> str | None:
            return x.text if x else None

        return (self.action, tuple(sorted(x.text for x in self.with_)), tuple(sorted(x.text for x in self.at)),
                d(self.within), d(self.notice), d(self.duration), n(self.in_window), n(self.not_in_window),
                n(self.by), n(self.target), self.message, self.fallback.key() if self.fallback else None)

    def said(self) -> tuple[Any, ...]:
        """Like `key`, but lists in the order written, which a decision keeps (who is offered first)."""
        def d(x: Duration | None) -> int | None:
            return x.minutes if x else None

        def n(x: Name | None) -> str | None:
            return x.text if x else None

        return (self.action, tuple(x.text for x in self.with_), tuple(x.text for x in self.at),
                d(self.within), d(self.notice), d(self.duration), n(self.in_window), n(self.not_in_window),
                n(self.by), n(self.target), self.message, self.fallback.said() if self.fallback else None)

    def books(self) -> bool:
        """Whether it, or a fallback of it, books: what it says then depends on the reason."""
        return self.action in ("book", "validate") or (self.fallback is not None and self.fallback.books())

    def __str__(self) -> str:
        parts = [self.action]
        if self.by:
            parts.append(f"by {self.by.text}")
        if self.target:
            parts.append(self.target.text)
        if self.with_:
            parts.append("with " + ", ".join(x.text for x in self.with_))
        if self.at:
            parts.append("at " + ", ".join(x.text for x in self.at))
        if self.within:
            parts.append(f"within {self.within}")
        if self.notice:
            parts.append(f"notice {self.notice}")
        if self.duration:
            parts.append(f"duration {self.duration}")
        if self.in_window:
            parts.append(f"in {self.in_window.text}")
        if self.not_in_window:
            parts.append(f"not in {self.not_in_window.text}")
        if self.message is not None:
            escaped = self.message.replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'"{escaped}"')
        if self.fallback:
            parts.append(f"else {self.fallback}")
        return " ".join(parts)
