"""Output — diagnostics rendered for people (rich), machines (JSON), GitHub annotations and SARIF 2.1.0.

`render` is the one entry point `lint` uses; each format also has its own function. All
output is deterministic: the same diagnostics give the same text, byte for byte (no
timestamps, no terminal-size dependence, no environment dependence).

Formats:
- ``human``: ``FILE:LINE:COL: severity[CODE] message``, the source line with a caret line
  under the span, then ``hint:``, ``related:`` and ``witness:`` lines, and a summary line.
  With ``color=True`` the same text is styled with rich; without, it is plain.
- ``json``: the contract of the language spec (``files``, ``diagnostics``, ``summary``).
- ``github``: workflow commands (``::error file=…::message``) that GitHub Actions turns
  into annotations, escaped exactly as GitHub's own toolkit escapes them.
- ``sarif``: one SARIF 2.1.0 log with one run, for code-scanning tools.

`caret_block` is shared with the other commands that show an error inside an expression.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from .diagnostics import Diagnostic, Severity

FORMATS = ("human", "json", "github", "sarif")

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "diaryrules"
INFORMATION_URI = "https://pypi.org/project/diaryrules/"

TAB_SIZE = 4
INDENT = "    "  # the source and caret lines of a caret block
HINT_SEPARATOR = " — hint: "

# YAML's line breaks (libyaml and PyYAML count all of them when they number lines).
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
# Characters that would move the cursor, reorder the line or inject escapes if printed as they are.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_REPLACEMENT = "\ufffd"

_SEVERITY_STYLE = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "bold yellow",
    Severity.INFO: "bold cyan",
}
_CARET_STYLE = {
    Severity.ERROR: "red",
    Severity.WARNING: "yellow",
    Severity.INFO: "cyan",
}
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_GITHUB_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}

# A styled line: (text, rich style or None) pieces.
_Line = list[tuple[str, str | None]]


# ---------------------------------------------------------------------------- entry point


def render(fmt: str, diagnostics: Sequence[Diagnostic], files: Sequence[str], sources: Mapping[str, str],
           *, color: bool = False, rules: Mapping[str, tuple[str, str]] | None = None) -> str:
    """The diagnostics of one `lint` run in format `fmt` (one of `FORMATS`).

    `files` are the files linted, in the order given; `sources` maps a file name to its text
    (for caret lines; a file missing from it simply gets none); `rules` maps a code to its
    (name, one-line summary), used for SARIF rule metadata. Diagnostics with severity OFF are
    left out; a diagnostic whose severity was never assigned is reported as an error.
    """
    if fmt == "human":
        return render_human(diagnostics, files, sources, color=color)
    if fmt == "json":
        return render_json(diagnostics, files)
    if fmt == "github":
        return render_github(diagnostics)
    if fmt == "sarif":
        return render_sarif(diagnostics, files, rules=rules)
    raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")


def _severity(d: Diagnostic) -> Severity:
    return d.severity if d.severity is not None else Severity.ERROR


def _reported(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if _severity(d) is not Severity.OFF]


def _summary_counts(diagnostics: Sequence[Diagnostic]) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "info": 0}
    for d in diagnostics:
        counts[_severity(d).value] += 1
    return counts


def _jsonable(value: Any) -> Any:
    """Mappings (a witness is a read-only mapping) and sequences as plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _compact_json(value: Any) -> str:
    return json.dumps(_jsonable(value), separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _message_with_hint(d: Diagnostic) -> str:
    return f"{d.message}{HINT_SEPARATOR}{d.hint}" if d.hint else d.message


# ---------------------------------------------------------------------------- caret lines


def _char_cells(ch: str, at: int) -> tuple[str, int]:
    """How one source character is shown at display column `at` (0-based): its text and width."""
    if ch == "\t":
        n = TAB_SIZE - at % TAB_SIZE
        return " " * n, n
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Cs", "Zl", "Zp") or ch in _BIDI_CONTROLS:
        return _REPLACEMENT, 1
    if cat in ("Mn", "Me") or ch == "\u200b":
        return ch, 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return ch, 2
    return ch, 1


def _caret_lines(source_line: str, column: int, end_column: int | None) -> tuple[str, str]:
    """The displayed source line and the caret line under characters [column, end_column)."""
    shown: list[str] = []
    starts: list[int] = []  # display column where each character starts
    at = 0
    for ch in source_line:
        text, width = _char_cells(ch, at)
        starts.append(at)
        shown.append(text)
        at += width
    line_width = at
    n = len(source_line)
    start = max(column, 1) - 1
    end = start + 1 if end_column is None else max(end_column - 1, start + 1)
    if start >= n:  # past the end of the line (e.g. "expected more"): one column per missing character
        first = line_width + (start - n)
        width = 1
    else:
        end = min(end, n)
        first = starts[start]
        width = max((starts[end] if end < n else line_width) - first, 1)
    return "".join(shown), " " * first + "^" + "~" * (width - 1)


def caret_block(source_line: str, column: int, end_column: int | None) -> str:
    """The source line and a caret line under it, both indented by four spaces, no final newline.

    `column` is 1-based and counts characters, as every position in diaryrules does;
    `end_column` is exclusive (the first column after the span) and None for a single caret.
    A span running past the end of the line is cut at the line's end. Tabs are expanded to
    tab stops of 4 on both lines, wide (CJK, emoji) characters count two cells, and control
    characters are shown as U+FFFD so that printing the line cannot drive the terminal.
    """
    shown, carets = _caret_lines(source_line, column, end_column)
    return f"{INDENT}{shown}\n{INDENT}{carets}"


def _source_line(text: str, line: int) -> str | None:
    """Line `line` (1-based) of `text`, with lines counted as YAML counts them; None when absent."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = _LINE_BREAK.split(text)
    if text.endswith(("\n", "\r", "\x85", "\u2028", "\u2029")):
        lines.pop()
    return lines[line - 1] if 0 < line <= len(lines) else None


def _clean(text: str) -> str:
    """One line of a message made safe to print: tabs become spaces, control characters U+FFFD."""
    out = []
    for ch in text:
        if ch == "\t":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cs") or ch in _BIDI_CONTROLS:
            out.append(_REPLACEMENT)
        else:
            out.append(ch)
    return "".join(out)


def _text_lines(text: str) -> list[str]:
    return [_clean(part) for part in _LINE_BREAK.split(text)]


# ---------------------------------------------------------------------------- human


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary_line(diagnostics: Sequence[Diagnostic], n_files: int) -> str:
    """"2 errors, 1 warning, 0 infos in 3 files", or "No problems in 3 files." when there is nothing."""
    counts = _summary_counts(_reported(diagnostics))
    files = _plural(n_files, "file")
    if not any(counts.values()):
        return f"No problems in {files}."
    return (f"{_plural(counts['error'], 'error')}, {_plural(counts['warning'], 'warning')}, "
            f"{_plural(counts['info'], 'info')} in {files}")


def _note(label: str, style: str, text: str) -> list[_Line]:
    first, *rest = _text_lines(text)
    lines: list[_Line] = [[("  ", None), (f"{label}:", style), (f" {first}", None)]]
    lines += [[(INDENT + part, None)] for part in rest]
    return lines


def _human_lines(diagnostics: Sequence[Diagnostic], files: Sequence[str],
                 sources: Mapping[str, str]) -> list[_Line]:
    lines: list[_Line] = []
    for d in _reported(diagnostics):
        if lines:
            lines.append([])
        sev = _severity(d)
        first, *rest = _text_lines(d.message)
        lines.append([(_clean(str(d.span)), "bold"), (": ", None), (sev.value, _SEVERITY_STYLE[sev]),
                      ("[", None), (d.code, _SEVERITY_STYLE[sev]), ("]", None), (f" {first}", None)])
        lines += [[("  " + part, None)] for part in rest]
        text = sources.get(d.span.file)
        src = _source_line(text, d.span.line) if text is not None else None
        if src is not None:
            # a span running onto later lines is underlined to the end of its first line
            end = d.span.end_column if d.span.end_line == d.span.line else len(src) + 1
            shown, carets = _caret_lines(src, d.span.column, end)
            lines.append([(INDENT + shown, None)])
            marks = carets.lstrip(" ")
            lines.append([(INDENT + carets[: len(carets) - len(marks)], None), (marks, _CARET_STYLE[sev])])
        if d.hint:
            lines += _note("hint", "bold green", d.hint)
        for r in d.related:
            lines += _note("related", "bold blue", f"{r.span}: {r.message}")
        if d.witness:
            lines += _note("witness", "bold magenta", _compact_json(d.witness))
    if lines:
        lines.append([])
    counts = _summary_counts(_reported(diagnostics))
    style = "bold red" if counts["error"] else "bold yellow" if counts["warning"] else \
        "bold cyan" if counts["info"] else "bold green"
    lines.append([(summary_line(diagnostics, len(files)), style)])
    return lines


def render_human(diagnostics: Sequence[Diagnostic], files: Sequence[str], sources: Mapping[str, str],
                 *, color: bool = False) -> str:
    """Diagnostics for a person at a terminal; `color` styles the very same text with rich."""
    lines = _human_lines(diagnostics, files, sources)
    if not color:
        return "".join("".join(text for text, _ in line) + "\n" for line in lines)
    from io import StringIO

    from rich.console import Console
    from rich.text import Text

    out = Text(end="")
    for line in lines:
        for text, style in line:
            out.append(text, style=style)
        out.append("\n")
    buf = StringIO()
    # Everything that rich would otherwise read from the terminal or the environment is fixed here:
    # the caller decided on colour (NO_COLOR, --color, isatty), and the width must never wrap.
    console = Console(file=buf, force_terminal=True, color_system="standard", no_color=False,
                      width=1_000_000, soft_wrap=True, markup=False, emoji=False, highlight=False,
                      legacy_windows=False, _environ={})
    console.print(out, end="")
    return buf.getvalue()


# ---------------------------------------------------------------------------- json


def _json_diagnostic(d: Diagnostic) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": d.code,
        "severity": _severity(d).value,
        "file": d.span.file,
        "line": d.span.line,
        "column": d.span.column,
        "message": d.message,
    }
    if d.hint:
        out["hint"] = d.hint
    if d.related:
        out["related"] = [{"file": r.span.file, "line": r.span.line, "column": r.span.column,
                           "message": r.message} for r in d.related]
    if d.witness:
        out["witness"] = _jsonable(d.witness)
    return out


def render_json(diagnostics: Sequence[Diagnostic], files: Sequence[str]) -> str:
    """``{"files", "diagnostics", "summary"}`` as the language spec fixes it, with a final newline."""
    reported = _reported(diagnostics)
    doc = {
        "files": list(files),
        "diagnostics": [_json_diagnostic(d) for d in reported],
        "summary": _summary_counts(reported),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


# ---------------------------------------------------------------------------- github


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's toolkit does (`escapeData` in command.ts)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value, escaped as GitHub's toolkit does (`escapeProperty`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github_message(d: Diagnostic) -> str:
    parts = [_message_with_hint(d)]
    parts += [f"related: {r.span}: {r.message}" for r in d.related]
    if d.witness:
        parts.append(f"witness: {_compact_json(d.witness)}")
    return "\n".join(parts)


def render_github(diagnostics: Sequence[Diagnostic]) -> str:
    """One ``::error|warning|notice file=…,line=…,col=…,endLine=…,endColumn=…,title=CODE::message`` a line.

    GitHub's columns are inclusive and are only allowed on a one-line span, so a span that
    runs over several lines gives ``line`` and ``endLine`` alone. Related positions and the
    witness follow the message (and the hint) on lines of their own.
    """
    out = []
    for d in _reported(diagnostics):
        s = d.span
        props: list[tuple[str, str]] = [("file", s.file), ("line", str(s.line))]
        end_line = max(s.end_line, s.line)
        if end_line == s.line:
            props += [("col", str(s.column)), ("endLine", str(end_line)),
                      ("endColumn", str(max(s.end_column - 1, s.column)))]
        else:
            props.append(("endLine", str(end_line)))
        props.append(("title", d.code))
        fields = ",".join(f"{k}={escape_property(v)}" for k, v in props if v)
        out.append(f"::{_GITHUB_COMMAND[_severity(d)]} {fields}::{escape_data(_github_message(d))}\n")
    return "".join(out)


# ---------------------------------------------------------------------------- sarif


def _tool_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("diaryrules")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def artifact_uri(path: str) -> str:
    """A file name as given, as a SARIF URI reference: POSIX separators, percent-encoded.

    A relative path stays relative (GitHub code scanning resolves it against the checkout);
    an absolute one becomes a ``file://`` URI.
    """
    from pathlib import PurePosixPath, PureWindowsPath
    from urllib.parse import quote

    win = PureWindowsPath(path)
    if win.drive and win.is_absolute():
        return win.as_uri()
    posix = path.replace("\\", "/")
    if posix.startswith("/"):
        return PurePosixPath(posix).as_uri()
    return quote(posix, safe="/")


def _region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    end_line = max(end_line, line)
    if end_line == line:
        end_column = max(end_column, column + 1)
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": max(end_column, 1)}


def render_sarif(diagnostics: Sequence[Diagnostic], files: Sequence[str],
                 *, rules: Mapping[str, tuple[str, str]] | None = None) -> str:
    """A SARIF 2.1.0 log with one run; `rules` gives a code's name and summary (else the code)."""
    reported = _reported(diagnostics)
    codes = sorted({d.code for d in reported})
    rule_index = {code: i for i, code in enumerate(codes)}
    descriptors = []
    for code in codes:
        name, summary = (rules or {}).get(code, (code, code))
        descriptors.append({"id": code, "name": name or code, "shortDescription": {"text": summary or code}})

    artifact_index: dict[str, int] = {}
    for f in files:
        artifact_index.setdefault(f, len(artifact_index))

    def location(file: str, region: dict[str, int]) -> dict[str, Any]:
        art: dict[str, Any] = {"uri": artifact_uri(file)}
        if file in artifact_index:
            art["index"] = artifact_index[file]
        return {"physicalLocation": {"artifactLocation": art, "region": region}}

    results = []
    for d in reported:
        s = d.span
        result: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": rule_index[d.code],
            "level": _SARIF_LEVEL[_severity(d)],
            "message": {"text": _message_with_hint(d)},
            "locations": [location(s.file, _region(s.line, s.column, s.end_line, s.end_column))],
        }
        if d.related:
            related = []
            for i, r in enumerate(d.related):
                rs = r.span
                loc = {"id": i, **location(rs.file, _region(rs.line, rs.column, rs.end_line, rs.end_column)),
                       "message": {"text": r.message}}
                related.append(loc)
            result["relatedLocations"] = related
        if d.witness:
            result["properties"] = {"witness": _jsonable(d.witness)}
        results.append(result)

    log = {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": TOOL_NAME,
                "informationUri": INFORMATION_URI,
                "version": _tool_version(),
                "rules": descriptors,
            }},
            "artifacts": [{"location": {"uri": artifact_uri(f)}, "roles": ["analysisTarget"]}
                          for f in artifact_index],
            # diaryrules counts columns in characters (code points), not UTF-16 units
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
