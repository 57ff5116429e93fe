"""DR207 off undone — an `off` rule in an hours expression (`PH off`, `Dec 24 off` …) that a later
rule undoes: in hours expressions a later rule replaces the days it selects, so `PH off` written
before `Mo-Fr 08:00-12:00` closes nothing. Checked in practitioners' hours and in windows.

Bad:

    hours: "PH off; Mo-Fr 08:00-12:00,14:00-18:00"

Good:

    hours: "Mo-Fr 08:00-12:00,14:00-18:00; PH off"
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..diagnostics import Diagnostic, Span

CODE = "DR207"
NAME = "off-undone"
SUMMARY = "hours: `off` undone by a later rule"


def check(ctx: Any) -> Iterator[Diagnostic]:
    practice = ctx.practice
    locate = _Locator(practice.file)
    undone: dict[str, list[tuple[int, int]]] = {}  # the same hours string is often written many times
    for p in practice.practitioners.values():
        for h in p.hours:
            where = f"the hours of `{p.id}`" + (f" at `{h.site}`" if h.site else "")
            yield from _findings(h.expr, h.span, where, locate, undone)
    seen: set[int] = set()
    windows = [(w, f"window `{w.name}`") for w in practice.windows.values()]
    windows += [(r.window, f"the window of reserved `{r.id}`") for r in practice.reserved]
    windows += [(pr.window, f"the window of protected `{pr.id}`") for pr in practice.protected]
    for w, where in windows:
        if id(w) in seen:
            continue
        seen.add(id(w))
        yield from _findings(w.expr, w.span, where, locate, undone)


def _findings(expr: Any, span: Span, where: str, locate: _Locator,
              undone: dict[str, list[tuple[int, int]]]) -> Iterator[Diagnostic]:
    # only a later rule can undo an `off`: one written last closes what it says (and the search
    # for undone rules, over every kind of day, is not made)
    if not any(rule.is_off for rule in expr.rules[:-1]):
        return
    if expr.source not in undone:
        undone[expr.source] = expr.off_undone()
    for index, offset in undone[expr.source]:
        rule = expr.rules[index]
        text = expr.source[rule.offset:rule.end_offset].strip() or expr.source
        yield Diagnostic(CODE, locate(span, expr.source, offset, max(1, rule.end_offset - rule.offset)),
                         f"`{text}` in {where} closes nothing: later rules replace the days it would close",
                         hint=f"move `{text}` to the end: a later rule wins in hours expressions")


class _Locator:
    """Positions inside an hours string: the model keeps only the string's span, so the YAML node
    is looked up again in the file (read once, only when there is something to report); when the
    file cannot be read or has changed, the string's own span is used."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._nodes: dict[tuple[int, int], Any] | None = None

    def __call__(self, span: Span, source: str, offset: int, length: int) -> Span:
        node = self.nodes().get((span.line, span.column))
        if node is not None and node.kind == "map":
            node = node.get("hours")
        if node is None or node.kind != "scalar" or str(node.value) != source:
            return span
        return node.offset_span(offset, length)

    def nodes(self) -> dict[tuple[int, int], Any]:
        if self._nodes is None:
            from ..loader import load_file

            self._nodes = {}
            root = load_file(self.file).root
            stack = [root] if root is not None else []
            while stack:
                n = stack.pop()
                self._nodes.setdefault((n.span.line, n.span.column), n)
                if n.kind == "map":
                    stack.extend(n.value.values())
                elif n.kind == "seq":
                    stack.extend(n.value)
        return self._nodes
