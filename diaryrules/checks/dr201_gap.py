"""DR201 gap — some requests get no decision: no rule matches them and the file has no
`default`. Reported as readable regions of the request space, each with a witness.

Bad:

    reasons: {consultation: …, vaccination: …}
    rules:
      - id: consultation
        when: reason is consultation
        then: book within 14d

Good: a rule for vaccination, or a `default: transfer "Je vous passe le cabinet."`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..analysis import describe_region
from ..diagnostics import Diagnostic, Span

CODE = "DR201"
NAME = "gap"
SUMMARY = "a request no rule decides and there is no `default`"
MAX_REGIONS = 20


def check(ctx: Any) -> Iterator[Diagnostic]:
    cp = ctx.compiled
    if cp.practice.default is not None:
        return
    dg = cp.diagram
    an = ctx.analysis
    gap = None
    for n in dg.reachable(cp.decision_root):
        if dg.is_leaf(n) and dg.value[n][1][0] is None:
            gap = n
    if gap is None:
        return
    regions = list(_regions(cp, cp.decision_root, gap))
    practice = cp.practice
    reported = 0
    for region in regions:
        if reported >= MAX_REGIONS:
            break
        # a witness inside this region: pick atoms from it
        witness = None
        for choice in _choices(region):
            witness = an.realize(choice)
            if witness is not None:
                break
        if witness is None:
            continue
        reported += 1
        span = _where(practice, cp, region)
        yield Diagnostic(CODE, span, f"gap: no rule decides requests with {describe_region(cp, region)}",
                         hint="add a rule for them, or a `default:` outcome", witness=witness)
    if len(regions) > reported and reported >= MAX_REGIONS:
        span = practice.section_spans.get("rules", Span(practice.file, 1, 1))
        yield Diagnostic(CODE, span, f"gap: {len(regions) - reported} more undecided regions not listed",
                         hint="add a `default:` outcome")


def _regions(cp: Any, root: int, target: int) -> Iterator[dict[int, list[int]]]:
    """Paths of the reduced decision diagram to the gap leaf, each a box of atom groups."""
    from ..compile import value_groups

    dg = cp.diagram
    memo: dict[int, bool] = {}

    def reaches(n: int) -> bool:
        if n not in memo:
            memo[n] = n == target or (not dg.is_leaf(n) and any(reaches(c) for c in set(dg.children[n])))
        return memo[n]

    stack: list[tuple[int, dict[int, list[int]]]] = [(root, {})]
    count = 0
    while stack and count < 10_000:
        n, path = stack.pop()
        count += 1
        if n == target:
            yield path
            continue
        level = dg.level[n]
        dim = cp.dims[level]
        for atoms, c in reversed(value_groups(dim, dg.children[n])):
            if reaches(c):
                stack.append((c, {**path, level: atoms}))


def _choices(region: dict[int, list[int]]) -> Iterator[dict[int, int]]:
    import itertools

    levels = sorted(region)
    for n, combo in enumerate(itertools.product(*(region[lv] for lv in levels))):
        if n > 2000:
            return
        yield dict(zip(levels, combo, strict=True))


def _where(practice: Any, cp: Any, region: dict[int, list[int]]) -> Span:
    for level, atoms in region.items():
        d = cp.dims[level]
        if d.name == "reason" and len(atoms) == 1:
            return practice.reasons[d.labels[atoms[0]]].span
    return practice.section_spans.get("rules") or practice.section_spans.get("reasons") or Span(practice.file, 1, 1)
