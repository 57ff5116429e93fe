"""Stage 6 — check (the file's own tests): runs the `tests:` section, reports DR401 for every
failed expectation, and measures rule coverage exactly (which rules no test reaches)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .diagnostics import Diagnostic, Span
from .evaluate import Decision, decide, make_request
from .model import Practice, TestCase
from .request import RequestError
from .syntax import duration_minutes, format_duration


@dataclass
class CaseResult:
    case: TestCase
    decision: Decision | None
    failures: list[str]


@dataclass
class TestReport:
    practice: Practice
    results: list[CaseResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if not r.failures)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if r.failures)

    @property
    def covered(self) -> list[str]:
        hit = {r.decision.rule for r in self.results if r.decision is not None and r.decision.rule}
        return [r.id for r in self.practice.rules if r.id in hit]

    @property
    def uncovered(self) -> list[str]:
        hit = set(self.covered)
        return [r.id for r in self.practice.rules if r.id not in hit]

    def coverage_text(self) -> str:
        total = len(self.practice.rules)
        n = len(self.covered)
        if total == 0:
            return "no rules"
        # floor to one decimal: 999 of 1000 is 99.9%, never 100%
        pct = (n * 1000 // total) / 10
        shown = f"{pct:.1f}".rstrip("0").rstrip(".")
        return f"{n}/{total} rules ({shown}%)"


def _dur(v: Any) -> int | None:
    return duration_minutes(str(v)) if v is not None else None


def compare(expect: Mapping[str, Any], d: Decision) -> list[str]:
    """Each expectation that the decision does not meet, in words."""
    got = d.to_json()
    fails: list[str] = []
    for key, want in expect.items():
        if key in ("duration", "within", "notice"):
            have = getattr(d, key)
            if _dur(want) != have:
                shown = format_duration(have) if have is not None else "none"
                fails.append(f"expected {key} {want}, got {shown}")
        elif key in ("practitioners", "sites"):
            want_list = sorted(want) if isinstance(want, list) else [str(want)]
            if sorted(got[key]) != want_list:
                fails.append(f"expected {key} {', '.join(want_list) or 'none'}, got {', '.join(got[key]) or 'none'}")
        elif key == "tier":
            from .model import TIERS

            name = TIERS[want - 1] if isinstance(want, int) and 1 <= want <= len(TIERS) else want
            if name != d.tier:
                fails.append(f"expected tier {want}, got {d.tier or 'none'}")
        elif key == "ambiguous":
            if bool(want) != bool(d.ambiguous):
                fails.append(f"expected ambiguous {want}, got {bool(d.ambiguous)}")
        elif key == "ask":
            have_attr = d.ask["attribute"] if d.ask else None
            if want != have_attr:
                fails.append(f"expected to ask {want}, got {'asking ' + have_attr if have_attr else d.action}")
        elif key == "motif":
            motifs = {p: m.get("motif") for p, m in d.motifs.items()}
            if isinstance(want, Mapping):
                for p, m in want.items():
                    if motifs.get(p) != m:
                        fails.append(f"expected motif `{m}` for {p}, got `{motifs.get(p)}`")
            elif not motifs or any(m != want for m in motifs.values()):
                fails.append(f"expected motif `{want}`, got {', '.join(f'`{m}`' for m in motifs.values()) or 'none'}")
        else:
            have = got.get(key)
            if have != want:
                fails.append(f"expected {key} {want}, got {have if have is not None else 'none'}")
    return fails


def run_tests(practice: Practice) -> TestReport:
    report = TestReport(practice)
    for case in practice.tests:
        expect_node = case.node.get("expect")
        span: Span = expect_node.span if expect_node is not None else case.span
        name_node = case.node.get("name")
        if name_node is not None:
            span = name_node.span
        try:
            req = make_request(practice, case.request, case.at)
            decision = decide(practice, req)
        except RequestError as e:
            report.results.append(CaseResult(case, None, [e.message]))
            report.diagnostics.append(Diagnostic("DR401", span, f"test `{case.name}`: {e.message}", hint=e.hint))
            continue
        fails = compare(case.expect, decision)
        report.results.append(CaseResult(case, decision, fails))
        if fails:
            got = f"{decision.action}" + (f" by rule {decision.rule}" if decision.rule else "")
            report.diagnostics.append(Diagnostic(
                "DR401", span, f"test `{case.name}` fails: {'; '.join(fails)}",
                hint=f"the file decides: {got}; run `diaryrules explain` with this request to see why",
                witness=dict(case.request, **({"at": case.at} if case.at else {}))))
    return report
