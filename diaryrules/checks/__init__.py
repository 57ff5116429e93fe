"""Stage 6 — check: the validator's checks, one module per code (`drNNN_name.py`).

Each module has `CODE`, `NAME`, `SUMMARY`, a docstring with a bad and a good example, and
`check(ctx) -> Iterator[Diagnostic]`. Checks never set a severity: `lint` does, from the
defaults below, the file's `lint:` section and the command line.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from ..diagnostics import Severity

# The sketch's table: every code a user can meet, with its default severity and summary.
CODES: dict[str, tuple[Severity, str, str]] = {
    "DR001": (Severity.ERROR, "yaml", "YAML syntax, anchors/aliases, duplicate keys, tabs, size"),
    "DR002": (Severity.ERROR, "schema", "schema: missing, unknown or mistyped key"),
    "DR003": (Severity.ERROR, "syntax", "expression syntax (condition, outcome, hours, duration, date)"),
    "DR004": (Severity.ERROR, "unknown-name", "unknown name: reason, practitioner, site, window, attribute, value"),
    "DR005": (Severity.ERROR, "type", "type error: a comparison or value that does not fit the attribute's domain"),
    "DR006": (Severity.ERROR, "duplicate-id", "duplicate id"),
    "DR101": (Severity.ERROR, "conflict", "overlapping rules in one tier with different outcomes"),
    "DR102": (Severity.WARNING, "duplicate-rule", "same condition and outcome as another rule"),
    "DR103": (Severity.WARNING, "redundant-rule", "covered by rules with the same outcome"),
    "DR104": (Severity.WARNING, "useless-override", "`overrides` that never applies"),
    "DR201": (Severity.ERROR, "gap", "a request no rule decides and there is no `default`"),
    "DR202": (Severity.ERROR, "never-bookable", "reason that can never be booked"),
    "DR203": (Severity.ERROR, "too-long", "reason duration longer than every open stretch"),
    "DR204": (Severity.WARNING, "missing-motif", "practitioner's diary has no motif for a reason"),
    "DR205": (Severity.WARNING, "no-time", "practitioner with no bookable time in the next 12 weeks"),
    "DR206": (Severity.WARNING, "reserved-unusable", "reserved window outside all hours, or unusable"),
    "DR207": (Severity.WARNING, "off-undone", "hours: `off` undone by a later rule"),
    "DR301": (Severity.ERROR, "unreachable", "unreachable exception or rule"),
    "DR302": (Severity.ERROR, "unsatisfiable", "unsatisfiable condition"),
    "DR303": (Severity.WARNING, "past", "dated rule or absence entirely in the past"),
    "DR401": (Severity.ERROR, "test-failure", "a `tests:` expectation that fails"),
}


@dataclass(frozen=True)
class CheckModule:
    code: str
    name: str
    summary: str
    doc: str
    module: ModuleType


@cache
def check_modules() -> tuple[CheckModule, ...]:
    """Every check module of this package, in code order."""
    found: list[CheckModule] = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("dr"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        found.append(CheckModule(mod.CODE, mod.NAME, getattr(mod, "SUMMARY", CODES[mod.CODE][2]),
                                 (mod.__doc__ or "").strip(), mod))
    return tuple(sorted(found, key=lambda c: c.code))


def run_checks(ctx: object, codes: set[str] | None = None) -> Iterator[object]:
    for c in check_modules():
        if codes is None or c.code in codes:
            yield from c.module.check(ctx)


def checks_markdown() -> str:
    """docs/checks.md, generated from CODES and the check modules' docstrings."""
    docs = {c.code: c for c in check_modules()}
    out = ["# Checks", "",
           "Generated from the check modules' docstrings by `diaryrules.checks.checks_markdown()`; "
           "a test fails when this file is stale. Severities are defaults: a file's `lint:` section "
           "and `--select` / `--ignore` / `--strict` change them (DR001–DR006 are always errors).", "",
           "| code | name | default | what |", "|---|---|---|---|"]
    for code, (sev, name, summary) in CODES.items():
        out.append(f"| {code} | {name} | {sev.value} | {summary} |")
    for code, c in docs.items():
        out += ["", f"## {code} {c.name}", "", c.doc]
    return "\n".join(out) + "\n"
