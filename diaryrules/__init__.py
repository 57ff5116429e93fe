"""diaryrules — a practice's booking grid as a rule file: load, lint, decide, explain, slots.

Pipeline: load (YAML with positions) → parse (Lark grammars) → model (typed practice) →
compile (decision diagram) → evaluate / slots → check. The Python API:

    import diaryrules
    practice = diaryrules.load("examples/maison-de-sante.diary.yaml")
    decision = diaryrules.decide(practice, {"reason": "renewal", "patient": "known"}, at="2026-12-01T10:00")
    decision, verdicts = diaryrules.explain(practice, {"reason": "renewal"})
    result = diaryrules.lint(["examples/solo-gp.diary.yaml"])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["load", "decide", "explain", "lint"]

if TYPE_CHECKING:
    from .evaluate import Decision, RuleVerdict
    from .linter import LintResult
    from .model import Practice


def load(path: str) -> Practice:
    from .linter import load as _load

    return _load(path)


def decide(practice: Practice, request: Any, at: str | None = None) -> Decision:
    from .evaluate import decide as _decide

    return _decide(practice, request, at)


def explain(practice: Practice, request: Any, at: str | None = None) -> tuple[Decision, list[RuleVerdict]]:
    from .evaluate import explain as _explain

    return _explain(practice, request, at)


def lint(paths: list[str], **options: Any) -> LintResult:
    from .linter import lint_files

    return lint_files(paths, **options)
