"""Stage 1 — load: bytes of a `*.diary.yaml` file → a YAML node tree with a position on every node.

We build our own node tree from PyYAML's *event* stream (libyaml's C parser when present)
instead of letting PyYAML construct Python objects, because:
- anchors and aliases must be refused before anything expands them (alias bombs);
- duplicate keys must be reported (PyYAML silently keeps the last one);
- every key and value needs its line and column for later diagnostics;
- scalars are resolved with YAML 1.2 core rules, so `off`, `no` or `Mo` stay strings (the
  "Norway problem" of YAML 1.1 would turn a practice's `hours: off` into False).
Everything found here is DR001.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .diagnostics import Diagnostic, Related, Span

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000

# PyYAML is imported by the functions that read YAML, not here: unpickling a cached practice
# (its tests' `Node`s) or building a `Source` must not pay for it.


@dataclass(eq=False)
class Node:
    """A YAML node. `value` is a dict of key→Node (keys are strings), a list of Node, or a scalar."""

    kind: str  # "map" | "seq" | "scalar"
    value: Any
    span: Span
    style: str | None = None  # scalar style: None (plain), "'", '"', "|", ">"
    raw: str = ""  # the scalar's source text, to map offsets inside expressions back to the file
    keys: dict[str, Node] = field(default_factory=dict)  # map: key → the key's own node
    # the value's layout in the file, computed on first use (see `_layout`)
    _positions: list[tuple[int, int]] | tuple[int, int, int] | None = field(default=None, repr=False)

    def get(self, key: str) -> Node | None:
        if self.kind != "map":
            return None
        v = self.value.get(key)
        return v if isinstance(v, Node) else None

    def to_python(self) -> Any:
        if self.kind == "map":
            return {k: v.to_python() for k, v in self.value.items()}
        if self.kind == "seq":
            return [v.to_python() for v in self.value]
        return self.value

    def offset_span(self, offset: int, length: int = 1) -> Span:
        """The file span of characters [offset, offset+length) of this scalar's value."""
        positions = self._positions
        if positions is None:  # computed once: every token of an expression asks for its position
            positions = self._positions = self._layout()
        end = offset + length - 1 if length > 1 else offset
        if isinstance(positions, tuple):  # the value is the source text itself (most expressions)
            line, column, n = positions
            first = offset if 0 <= offset <= n else 0 if offset < 0 else n
            last = end if 0 <= end <= n else 0 if end < 0 else n
            return Span(self.span.file, line, column + first, line, column + last + 1)
        line, col = self._offset_pos(offset)
        eline, ecol = self._offset_pos(end)
        return Span(self.span.file, line, col, eline, ecol + 1)

    def _layout(self) -> list[tuple[int, int]] | tuple[int, int, int]:
        """(line, column, length) when the value is its own one-line source text: a character's
        position is then plain arithmetic; else each character's (line, column)."""
        text = self.value if isinstance(self.value, str) else str(self.value)
        start = 1 if self.style in ("'", '"') else 0
        if self.style in (None, "'", '"') and self.raw[start:start + len(text)] == text and "\n" not in text:
            return self.span.line, self.span.column + start, len(text)
        return _align(text, self.raw, self.style, self.span.line, self.span.column)

    def _offset_pos(self, offset: int) -> tuple[int, int]:
        positions = self._positions
        if positions is None:
            positions = self._positions = self._layout()
        if isinstance(positions, tuple):
            line, column, n = positions
            return line, column + min(max(offset, 0), n)
        if not positions:
            return self.span.line, self.span.column
        offset = min(max(offset, 0), len(positions) - 1)
        return positions[offset]


@dataclass
class Source:
    """A loaded file: its name, text (for caret lines) and the root node (None when unusable)."""

    name: str
    text: str
    root: Node | None
    diagnostics: list[Diagnostic]

    def line(self, n: int) -> str:
        lines = self.text.splitlines()
        return lines[n - 1] if 0 < n <= len(lines) else ""


_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")


def resolve_plain(text: str) -> Any:
    """YAML 1.2 core-schema resolution of a plain scalar."""
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if _INT.match(text):
        return int(text) if len(text) <= 4000 else text  # Python refuses int() of 4,300+ digits
    if _FLOAT.match(text) and any(c.isdigit() for c in text):
        return float(text)
    return text


def load_file(path: str) -> Source:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as e:
        msg = e.strerror or str(e)
        return Source(path, "", None, [Diagnostic("DR001", Span(path, 1, 1), f"cannot read the file: {msg}")])
    return load_bytes(data, path)


def load_bytes(data: bytes, name: str = "<input>") -> Source:
    if len(data) > MAX_BYTES:
        return Source(name, "", None, [Diagnostic(
            "DR001", Span(name, 1, 1),
            f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB",
            hint="a practice's rule file is a few hundred lines; split it or remove generated content")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        before = data[: e.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        return Source(name, "", None, [Diagnostic(
            "DR001", Span(name, line, col),
            f"the file is not valid UTF-8 (byte 0x{data[e.start]:02x})",
            hint="save the file as UTF-8 in your editor")])
    return load_text(text, name)


def load_text(text: str, name: str = "<input>") -> Source:
    if text.startswith("\ufeff"):  # a BOM from Windows editors is harmless
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # old Mac line ends: YAML counts them as breaks
    diags = list(_tab_indentation(text, name))
    if diags:
        return Source(name, text, None, diags)
    import yaml

    builder = _Builder(name, text)
    try:
        root = builder.build()
    except _Stop as stop:
        return Source(name, text, None, builder.diagnostics + [stop.diagnostic])
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = e.problem or e.context or "invalid YAML"
        return Source(name, text, None, [Diagnostic(
            "DR001", Span(name, line, col), f"YAML syntax error: {problem}", hint=_yaml_hint(problem))])
    except yaml.YAMLError as e:
        return Source(name, text, None, [Diagnostic("DR001", Span(name, 1, 1), f"YAML error: {e}")])
    if builder.diagnostics:
        return Source(name, text, None, builder.diagnostics)
    if root is None:
        return Source(name, text, None, [Diagnostic("DR001", Span(name, 1, 1), "the file is empty",
                                                    hint="start with `diaryrules: 1`")])
    return Source(name, text, root, [])


def _yaml_hint(problem: str) -> str | None:
    if "mapping values are not allowed" in problem:
        return "a value containing `: ` must be quoted, or the indentation is wrong"
    if "could not find expected ':'" in problem:
        return "a key is missing its `:`, or a line is indented wrongly"
    if "found character '\\t'" in problem or "tab" in problem:
        return "indent with spaces, not tabs"
    if "did not find expected" in problem:
        return "check the indentation of this line and the one before"
    return None


def _tab_indentation(text: str, name: str) -> Iterator[Diagnostic]:
    in_block_scalar = False
    for i, line in enumerate(text.split("\n"), 1):
        stripped = line.lstrip(" \t")
        lead = line[: len(line) - len(stripped)]
        if "\t" in lead and stripped and not in_block_scalar:
            yield Diagnostic("DR001", Span(name, i, lead.index("\t") + 1),
                             "a tab is used for indentation", hint="YAML indents with spaces only")
            return
        in_block_scalar = False


class _Stop(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


class _Builder:
    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self.lines = text.split("\n")
        self.diagnostics: list[Diagnostic] = []
        self.count = 0

    def _span(self, start: Any, end: Any) -> Span:
        return Span(self.name, start.line + 1, start.column + 1, end.line + 1, end.column + 1)

    def _raw(self, start: Any, end: Any) -> str:
        if start.line >= len(self.lines):  # a break our split does not see (NEL, U+2028): no source text
            return ""
        if start.line == end.line:
            return self.lines[start.line][start.column:end.column] if start.line < len(self.lines) else ""
        parts = [self.lines[start.line][start.column:]]
        parts += self.lines[start.line + 1:end.line]
        if end.line < len(self.lines):
            parts.append(self.lines[end.line][:end.column])
        return "\n".join(parts)

    def build(self) -> Node | None:
        import yaml

        try:  # libyaml's parser when the wheel ships it; the pure-Python one otherwise
            from yaml import CSafeLoader as _Loader
        except ImportError:  # pragma: no cover - depends on the platform's wheel
            from yaml import SafeLoader as _Loader  # type: ignore[assignment]

        loader = _Loader(self.text)
        try:
            root: Node | None = None
            for ev in self._events(loader):
                if isinstance(ev, yaml.DocumentStartEvent):
                    if root is not None:
                        raise _Stop(Diagnostic("DR001", self._span(ev.start_mark, ev.end_mark),
                                               "the file holds several YAML documents; a rule file is one"))
                    root = self._node(loader, 1)
            return root
        finally:
            loader.dispose()  # type: ignore[no-untyped-call]

    def _events(self, loader: Any) -> Iterator[Any]:
        while loader.check_event():
            yield loader.get_event()

    def _check_anchor(self, ev: Any) -> None:
        import yaml

        if isinstance(ev, yaml.AliasEvent):
            raise _Stop(Diagnostic("DR001", self._span(ev.start_mark, ev.end_mark),
                                   f"YAML aliases (`*{ev.anchor}`) are not allowed in rule files",
                                   hint="write the value out in full; aliases hide what a rule says"))
        anchor = getattr(ev, "anchor", None)
        if anchor is not None:
            raise _Stop(Diagnostic("DR001", self._span(ev.start_mark, ev.end_mark),
                                   f"YAML anchors (`&{anchor}`) are not allowed in rule files",
                                   hint="write the value out in full; anchors and aliases hide what a rule says"))
        tag = getattr(ev, "tag", None)
        if tag is not None and tag != "!":  # the parser leaves tag None unless the file writes one
            tag = tag.replace("tag:yaml.org,2002:", "!!")
            raise _Stop(Diagnostic("DR001", self._span(ev.start_mark, ev.end_mark),
                                   f"YAML tags (`{tag}`) are not allowed in rule files",
                                   hint="remove the tag; quote the value if it must be a string"))

    def _node(self, loader: Any, depth: int) -> Node:
        import yaml.events as events  # already imported by `build`: a dictionary look-up

        ev: Any = loader.get_event()
        if (getattr(ev, "anchor", None) is not None or getattr(ev, "tag", None) not in (None, "!")
                or isinstance(ev, events.AliasEvent)):
            self._check_anchor(ev)
        self.count += 1
        if self.count > MAX_NODES:
            raise _Stop(Diagnostic("DR001", self._span(ev.start_mark, ev.end_mark),
                                   f"the file has more than {MAX_NODES} YAML values"))
        if depth > MAX_DEPTH:
            raise _Stop(Diagnostic("DR001", self._span(ev.start_mark, ev.end_mark),
                                   f"the file is nested deeper than {MAX_DEPTH} levels"))
        start: Any = ev.start_mark
        if isinstance(ev, events.ScalarEvent):
            end: Any = ev.end_mark
            span = Span(self.name, start.line + 1, start.column + 1, end.line + 1, end.column + 1)
            style = ev.style or None  # libyaml says '' for plain scalars, PyYAML None
            value: Any = resolve_plain(ev.value) if style is None and ev.implicit[0] else ev.value
            return Node("scalar", value, span, style, self._raw(start, end))
        if isinstance(ev, events.SequenceStartEvent):
            items: list[Node] = []
            seq_end = events.SequenceEndEvent
            while not loader.check_event(seq_end):
                items.append(self._node(loader, depth + 1))
            return Node("seq", items, self._span(start, loader.get_event().end_mark))
        if isinstance(ev, events.MappingStartEvent):
            mapping: dict[str, Node] = {}
            keys: dict[str, Node] = {}
            map_end = events.MappingEndEvent
            while not loader.check_event(map_end):
                knode = self._node(loader, depth + 1)
                vnode = self._node(loader, depth + 1)
                kvalue = knode.value
                if knode.kind != "scalar" or kvalue is None:
                    raise _Stop(Diagnostic("DR001", knode.span, "a key must be a plain name",
                                           hint="complex or empty keys are not allowed"))
                key = kvalue if type(kvalue) is str else str(kvalue) if not isinstance(kvalue, bool) else knode.raw
                if key in mapping:
                    first = keys[key]
                    self.diagnostics.append(Diagnostic(
                        "DR001", knode.span, f"duplicate key `{key}` (first at line {first.span.line})",
                        hint="YAML would silently keep only the last one; merge the two or rename one",
                        related=(Related(first.span, f"first `{key}` here"),)))
                    continue
                mapping[key] = vnode
                keys[key] = knode
            return Node("map", mapping, self._span(start, loader.get_event().end_mark), keys=keys)
        raise _Stop(Diagnostic("DR001", self._span(ev.start_mark, ev.end_mark), "unexpected YAML content"))


def _align(value: str, raw: str, style: str | None, line: int, column: int) -> list[tuple[int, int]]:
    """For each character of a scalar's value, its (line, column) in the file.

    Exact for plain and quoted one-line scalars; for folded or escaped text, characters are
    matched greedily against the source so positions stay close to what the user wrote.
    """
    # positions of each raw character
    raw_pos: list[tuple[int, int]] = []
    ln, col = line, column
    for ch in raw:
        raw_pos.append((ln, col))
        if ch == "\n":
            ln, col = ln + 1, 1
        else:
            col += 1
    start = 1 if style in ("'", '"') else 0
    if style in ("|", ">"):
        nl = raw.find("\n")
        start = nl + 1 if nl >= 0 else len(raw)
    out: list[tuple[int, int]] = []
    j = start
    for ch in value:
        k = j
        while k < len(raw) and raw[k] != ch and not (ch == " " and raw[k] == "\n"):
            k += 1
        if k >= len(raw):
            out.append(raw_pos[j] if j < len(raw_pos) else (ln, col))
            continue
        out.append(raw_pos[k])
        j = k + 1
    if not out:
        out.append(raw_pos[start] if start < len(raw_pos) else (line, column))
    # one past the end, for errors at the end of the expression
    last = out[-1] if value else (line, column + start)
    out.append((last[0], last[1] + 1) if value else last)
    return out
