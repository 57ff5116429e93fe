"""Output — decisions, explanations, test reports and the decision tree as text for people.

Plain, deterministic text (golden-tested); the secretary reads it on the phone, so the first
line says what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .evaluate import Decision, RuleVerdict
from .model import Practice
from .syntax import format_duration

_VERB = {"book": "BOOK", "validate": "VALIDATE FIRST", "callback": "CALL BACK", "redirect": "REDIRECT",
         "refuse": "REFUSE", "transfer": "TRANSFER", "ask": "ASK", "none": "NO DECISION"}


def _row(label: str, value: str) -> str:
    return f"  {label:<13}{value}\n"


def decision_human(practice: Practice, d: Decision, indent: str = "") -> str:
    out = []
    head = _VERB.get(d.action, d.action.upper())
    if d.rule:
        head += f"  (rule {d.rule}, {d.tier})"
    out.append(head + "\n")
    if d.ambiguous:
        out.append(_row("ambiguous", f"rules {', '.join(d.ambiguous)} match with different outcomes; "
                                     f"the first in file order answers"))
    if d.action == "ask" and d.ask:
        attr = practice.attributes.get(d.ask["attribute"])
        question = d.ask.get("question") or (attr.label if attr and attr.label else d.ask["attribute"])
        out.append(_row("question", f"{question}"))
        out.append(_row("values", ", ".join(str(v) for v in d.ask["values"])))
    if d.action == "none":
        out.append(_row("gap", "no rule decides this request and the file has no default"))
    if d.reason and d.action in ("book", "validate"):
        r = practice.reasons[d.reason]
        out.append(_row("reason", d.reason + (f" — {r.label}" if r.label else "")))
    if d.duration is not None and d.action in ("book", "validate"):
        text = format_duration(d.duration)
        if d.durations:
            text += " (" + ", ".join(f"{p}: {format_duration(m)}" for p, m in sorted(d.durations.items())) + ")"
        out.append(_row("duration", text))
    if d.validator:
        out.append(_row("validated by", _person(practice, d.validator)))
    for i, p in enumerate(d.practitioners):
        m = d.motifs.get(p, {})
        tool = m.get("tool") or "?"
        motif = m.get("motif")
        out.append(_row("with" if i == 0 else "", f"{_person(practice, p)} — {tool}: « {motif} »"))
    if d.sites:
        out.append(_row("sites", ", ".join(f"{s} ({practice.sites[s].name})" if s in practice.sites else s
                                           for s in d.sites)))
    if d.action in ("book", "validate"):
        when = []
        if d.within is not None:
            when.append(f"within {format_duration(d.within)}")
        if d.notice:
            when.append(f"notice {format_duration(d.notice)}")
        if d.in_window:
            when.append(f"in {d.in_window}")
        if d.not_in_window:
            when.append(f"not in {d.not_in_window}")
        if when:
            out.append(_row("when", ", ".join(when)))
    elif d.within is not None:
        out.append(_row("within", format_duration(d.within)))
    if d.target:
        out.append(_row("target", d.target))
    if d.message:
        out.append(_row("message", f"« {d.message} »"))
    for i, s in enumerate(d.say):
        out.append(_row("say" if i == 0 else "", f"« {s} »"))
    if d.fallback is not None and d.outcome is not None and d.outcome.fallback is not None:
        out.append(_row("if full", str(d.outcome.fallback)))
    if d.trail:
        out.append(_row("trail", d.trail[0]))
        for t in d.trail[1:]:
            out.append(_row("", t))
    return "".join(indent + line for line in "".join(out).splitlines(keepends=True))


def _person(practice: Practice, pid: str) -> str:
    p = practice.practitioners.get(pid)
    return f"{pid} ({p.name})" if p and p.name != pid else pid


def explain_human(practice: Practice, d: Decision, verdicts: Sequence[RuleVerdict]) -> str:
    out = [decision_human(practice, d), "\nrules, in order:\n"]
    width = max((len(v.rule) for v in verdicts), default=4)
    for v in verdicts:
        mark = {"decides": "✔", "no match": "·", "unknown": "?"}.get(v.status, "✗")
        out.append(f"  {mark} {v.rule:<{width}}  {v.tier:<10} {v.status:<12} {v.why}\n")
    return "".join(out)


def tests_human(file: str, report: Any) -> str:
    out = [f"{file}\n"]
    width = max((len(r.case.name) for r in report.results), default=4)
    for r in report.results:
        status = "PASS" if not r.failures else "FAIL"
        got = ""
        if r.decision is not None:
            got = r.decision.action + (f" ({r.decision.rule})" if r.decision.rule else "")
        out.append(f"  {status}  {r.case.name:<{width}}  {got}\n")
        for f in r.failures:
            out.append(f"        {f}\n")
    out.append(f"  {report.passed} passed, {report.failed} failed; coverage: {report.coverage_text()}\n")
    if report.uncovered:
        out.append(f"  rules no test reaches: {', '.join(report.uncovered)}\n")
    return "".join(out)


def tree_human(practice: Practice) -> str:
    from .compile import compiled, describe_atoms, dim_label, value_groups

    cp = compiled(practice)
    dg = cp.diagram
    numbering: dict[int, int] = {}
    lines: list[str] = []

    def leaf_text(n: int) -> str:
        rule, tied = dg.value[n][1]
        tied_ids = cp.by_key[dg.value[n][1]].tied
        if rule is None:
            return "⟂ no decision (gap)"
        r = cp.rules[rule]
        text = f"→ {r.outcome}  [{r.id}, {r.tier}]"
        if tied:
            text += f"  (ambiguous: {', '.join(cp.rules[i].id for i in tied_ids)})"
        return text

    def walk(n: int, prefix: str) -> None:
        dim = cp.dims[dg.level[n]]
        groups = value_groups(dim, dg.children[n])
        for k, (atoms, child) in enumerate(groups):
            last = k == len(groups) - 1
            branch = "└─ " if last else "├─ "
            label = f"{dim_label(dim)}: {describe_atoms(dim, atoms)}" if dim.element is None else \
                f"{dim.attr.name} {'has' if atoms == [1] else 'has not'} {dim.element}"
            if dg.is_leaf(child):
                lines.append(f"{prefix}{branch}{label} {leaf_text(child)}")
            elif child in numbering:
                lines.append(f"{prefix}{branch}{label} ⇒ same as #{numbering[child]}")
            else:
                numbering[child] = len(numbering) + 1
                lines.append(f"{prefix}{branch}{label}  #{numbering[child]}")
                walk(child, prefix + ("   " if last else "│  "))

    root = cp.decision_root
    lines.append(f"{practice.name}: {len(cp.rules)} rules, {len(cp.dims)} attributes tested")
    if dg.is_leaf(root):
        lines.append(leaf_text(root))
    else:
        walk(root, "")
    return "\n".join(lines) + "\n"
