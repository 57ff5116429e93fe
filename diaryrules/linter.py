"""Stage 6 — check (orchestration): load → structure → model → checks → tests, with severities.

`load_practice` runs the front end on one file; `lint_files` adds the validator's checks and
the file's own `tests:` (DR401), then gives every diagnostic its severity from configuration:
the defaults of the language, the file's `lint:` section, then `--select` / `--ignore`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .diagnostics import Diagnostic, Severity, Span, sort_diagnostics
from .loader import MAX_BYTES, Source, load_bytes, load_file, load_text
from .model import Practice, build

# Codes after which the file cannot be read or parsed at all (exit code 2).
UNREADABLE = ("DR001", "DR002", "DR003")


@dataclass
class Loaded:
    source: Source
    practice: Practice | None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def load_practice(path: str, text: str | None = None, data: bytes | None = None) -> Loaded:
    """The front end on one file: DR001–DR006. `practice` is None when any of them was found."""
    from .compile import paused_gc
    from .schema import check_structure

    with paused_gc():
        if data is not None:
            src = load_bytes(data, path)
        else:
            src = load_file(path) if text is None else load_text(text, path)
        if src.root is None:
            return Loaded(src, None, list(src.diagnostics))
        diags = list(check_structure(src.root, path))
        practice, more = build(src.root, path)
    diags.extend(_not_consequential(more, diags, src.root))
    if diags:
        practice = None
    return Loaded(src, practice, diags)


def load_for_use(path: str) -> Loaded:
    """A practice for answering calls: from the compiled cache when the file is unchanged, else
    through the front end (and then cached, with its decision diagram, when it has no error)."""
    from . import cache
    from .compile import compiled, remember

    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError:
        return load_practice(path)
    hit = cache.read(data) if len(data) <= MAX_BYTES else None
    if hit is not None:
        practice, cp = hit
        remember(cp)
        return Loaded(Source(path, "", None, []), practice, [])
    loaded = load_practice(path, data=data)
    if loaded.practice is not None:
        cache.write(data, (loaded.practice, compiled(loaded.practice)))
    return loaded


def load(path: str) -> Practice:
    """The Python API: a practice from a rule file, or InputError with the diagnostics."""
    from .diagnostics import InputError

    loaded = load_practice(path)
    if loaded.practice is None:
        raise InputError(sort_diagnostics(loaded.diagnostics))
    return loaded.practice


def _not_consequential(model_diags: list[Diagnostic], structure: list[Diagnostic], root: Any) -> list[Diagnostic]:
    """One mistake, one diagnostic: once the structure is wrong, drop what follows from it — a
    finding at a position DR002 already reports, or an unknown name that the file does declare
    somewhere (in a section the schema found misplaced or malformed)."""
    if not structure:
        return model_diags
    flagged = {(d.span.line, d.span.column) for d in structure}
    declared = _all_keys(root)
    out = []
    for d in model_diags:
        if (d.span.line, d.span.column) in flagged:
            continue
        if d.code == "DR004" and d.message.startswith("unknown ") and "`" in d.message:
            name = d.message.split("`")[1]
            if name in declared:
                continue
        out.append(d)
    return out


def _all_keys(node: Any) -> set[str]:
    keys: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n.kind == "map":
            keys.update(n.value)
            stack.extend(n.value.values())
        elif n.kind == "seq":
            stack.extend(n.value)
    return keys


@dataclass
class LintResult:
    files: list[str]
    diagnostics: list[Diagnostic]  # with severities, OFF removed, sorted
    sources: dict[str, str]
    unreadable: bool  # some file could not be read or parsed (exit 2)

    def count(self, sev: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity == sev)

    def exit_code(self, strict: bool = False) -> int:
        if self.unreadable:
            return 2
        if self.count(Severity.ERROR) or (strict and self.count(Severity.WARNING)):
            return 1
        return 0


def severity_for(code: str, file_config: dict[str, str] | None) -> Severity:
    from .checks import CODES

    default = CODES[code][0] if code in CODES else Severity.ERROR
    if code in ("DR001", "DR002", "DR003", "DR004", "DR005", "DR006"):
        return default  # a file that cannot be built is never merely a warning
    if file_config and code in file_config:
        try:
            return Severity(file_config[code])
        except ValueError:
            return default
    return default


def lint_files(paths: Sequence[str], select: Iterable[str] = (), ignore: Iterable[str] = (),
               today: Any = None, run_tests: bool = True) -> LintResult:
    from .checks import CODES, run_checks

    selected = {c.upper() for c in select}
    ignored = {c.upper() for c in ignore}
    out: list[Diagnostic] = []
    sources: dict[str, str] = {}
    unreadable = False
    for path in paths:
        loaded = load_practice(path)
        sources[path] = loaded.source.text
        diags = list(loaded.diagnostics)
        config: dict[str, str] = {}
        if loaded.practice is not None:
            practice = loaded.practice
            config = dict(practice.lint)
            for code, span in practice.lint_spans.items():
                if code not in CODES:
                    diags.append(Diagnostic("DR004", span, f"unknown check `{code}` in `lint:`",
                                            hint=_near_code(code)))
            from .compile import paused_gc
            from .context import CheckContext

            ctx = CheckContext(practice, today=today)
            with paused_gc():
                diags.extend(d for d in run_checks(ctx) if isinstance(d, Diagnostic))
                if run_tests:
                    from .testing import run_tests as run_file_tests

                    report = run_file_tests(practice)
                    diags.extend(report.diagnostics)
        if any(d.code in UNREADABLE for d in diags):
            unreadable = True
        for d in diags:
            if selected and d.code not in selected and not any(d.code.startswith(s) for s in selected):
                continue
            if d.code in ignored or any(d.code.startswith(i) and len(i) < 5 for i in ignored):
                continue
            sev = severity_for(d.code, config)
            if sev == Severity.OFF:
                continue
            out.append(d.with_severity(sev))
    return LintResult(list(paths), sort_diagnostics(out), sources, unreadable)


def _near_code(code: str) -> str | None:
    from .checks import CODES
    from .diagnostics import did_you_mean

    near = did_you_mean(code, CODES)
    return f"did you mean `{near}`?" if near else "see `diaryrules rules` for the codes"


def file_span(path: str) -> Span:
    return Span(path, 1, 1)
