"""Stage 1b — structure: the JSON Schema (DR002).

`schema.json` (package data) is the single source of truth for the *shape* of a rule file: which
keys exist where, which are required, and the form of ids, durations, dates and codes. It does
not look inside expression strings (conditions, outcomes, hours): `parse` does that (DR003).

`check_structure` validates a loaded file against the schema and turns every jsonschema error into
one DR002 diagnostic placed on the YAML node at fault (the key for an unknown or misplaced key,
the value for a wrong value), with a message that names the path in plain words and, when it can,
a hint: the nearest allowed key or value, a non-ASCII look-alike letter, the intended indentation.
One mistake gives one diagnostic: `oneOf` branches are narrowed to the branch the value was meant
for, and errors that only follow from another one (a key missing because it is misspelt or
wrongly indented) are dropped.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .diagnostics import Diagnostic, Span, did_you_mean, sort_diagnostics
from .loader import Node

__all__ = ["check_structure", "schema", "schema_text"]

CODE = "DR002"

Path = tuple[str | int, ...]


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of a rule file (Draft 2020-12), loaded once; callers must not mutate it."""
    text = resources.files("diaryrules").joinpath("schema.json").read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):
        raise TypeError("diaryrules/schema.json must hold a JSON object")
    return data


@cache
def schema_text() -> str:
    """The schema as `diaryrules schema` prints it: 2-space indented JSON, key order as in the file."""
    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"


@cache
def _validator() -> Draft202012Validator:
    """The schema's validator, with each `$ref` looked up once: every `$ref` of the schema points
    into its own `$defs` and no subschema sets `$id` or dynamic anchors, so a reference always
    resolves to the same subschema, validated by the same (evolved) validator. Looking it up and
    evolving a validator again for each value of the file took half of the validation. The errors
    are those of the plain validator: `iter_errors` of the evolved validator is what `descend` runs."""
    data = schema()
    plain = Draft202012Validator(data)
    # the shortcut reads two private parts of jsonschema (4.18+): without them, the plain validator
    if _SCOPING & _keys(data) or not (hasattr(plain, "_resolver") and hasattr(plain, "_validate_reference")):
        return plain
    from jsonschema.validators import extend

    evolved: dict[str, Any] = {}

    def ref(validator: Any, ref: str, instance: Any, _schema: Any) -> Iterator[ValidationError]:
        sub = evolved.get(ref)
        if sub is None:
            try:
                resolved = validator._resolver.lookup(ref)
            except Exception:  # unresolvable: jsonschema says so in its own words
                yield from validator._validate_reference(ref=ref, instance=instance)
                return
            sub = evolved[ref] = validator.evolve(schema=resolved.contents, _resolver=resolved.resolver)
        yield from sub.iter_errors(instance)

    validator: Draft202012Validator = extend(Draft202012Validator, {"$ref": ref})(data)
    return validator


_SCOPING = {"$id", "$anchor", "$dynamicAnchor", "$dynamicRef", "$recursiveRef", "$recursiveAnchor"}


def _keys(node: Any) -> set[str]:
    """Every key of every mapping in `node`."""
    keys: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, dict):
            keys.update(n)
            stack.extend(n.values())
        elif isinstance(n, list):
            stack.extend(n)
    return keys


def check_structure(root: Node, file: str) -> list[Diagnostic]:
    """DR002 diagnostics (severity None) for every place where `root` does not fit the schema."""
    explainer = _Explainer(root, file)
    findings: list[_Finding] = []
    for error in _validator().iter_errors(explainer.instance):
        for leaf in _leaves(error):
            findings.extend(explainer.explain(leaf))
    return sort_diagnostics(f.diagnostic for f in _drop_consequences(findings))


# --- narrowing oneOf/anyOf to the branch the value was meant for ------------------------------------


def _leaves(error: ValidationError) -> list[ValidationError]:
    """The errors that say what is wrong: a failed `oneOf`/`anyOf` becomes the errors of the branch
    whose type fits the value; it stays whole when no branch fits (the message then lists them)."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    if _required_only(error.validator_value):
        return [error]
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    fitting = [i for i, errs in sorted(branches.items())
               if not any(e.validator == "type" and not e.relative_path for e in errs)]
    if not fitting:
        return [error]
    best = min(fitting, key=lambda i: (len(branches[i]), i))
    out: list[ValidationError] = []
    for sub in branches[best]:
        out.extend(_leaves(sub))
    return out


def _required_only(alternatives: Any) -> bool:
    return isinstance(alternatives, list) and bool(alternatives) and all(
        isinstance(a, dict) and set(a) == {"required"} for a in alternatives)


# --- findings ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Finding:
    diagnostic: Diagnostic
    path: Path  # the mapping (unknown/missing/one-of/misplaced target) or value the finding is about
    kind: str  # "unknown" | "missing" | "one-of" | "misplaced" | "type" | "value" | "key" | "other"
    keys: tuple[str, ...] = ()  # unknown: the suggested key; missing: the key; one-of: the alternatives
    target: Path | None = None  # misplaced: the mapping the key belongs in


def _drop_consequences(findings: list[_Finding]) -> list[_Finding]:
    """Remove findings that only follow from another finding about the same mistake."""
    suggested: set[tuple[Path, str]] = set()
    moved_to: set[tuple[Path, str]] = set()
    moved_targets: set[Path] = set()
    typed: set[Path] = set()
    for f in findings:
        if f.kind == "unknown" and f.keys:
            suggested.add((f.path, f.keys[0]))
        elif f.kind == "misplaced" and f.target is not None:
            moved_to.add((f.target, f.keys[0]))
            moved_targets.add(f.target)
        elif f.kind == "type":
            typed.add(f.path)
    out: list[_Finding] = []
    for f in findings:
        if f.kind == "missing" and ((f.path, f.keys[0]) in suggested or (f.path, f.keys[0]) in moved_to):
            continue
        if f.kind == "one-of" and any((f.path, k) in suggested for k in f.keys):
            continue
        if f.kind == "value" and f.path in typed:
            continue
        if f.kind == "type" and f.path in moved_targets and f.keys == ("null",):
            continue
        out.append(f)
    return out


# --- plain-words vocabulary ----------------------------------------------------------------------------

# What a value must be, by the title of the schema that describes it.
_PHRASES: dict[str, str] = {
    "Id": "an id (ASCII letters, digits, `_` and `-`)",
    "Duration": "a duration like 15min, 1h30, 2d",
    "Date": "a date like 2027-01-06",
    "Date and time": "a date and time like 2026-12-01T10:00",
    "Hours expression": 'an hours expression like "Mo-Fr 08:30-12:30"',
    "Hours per site": "a mapping of site id → hours expression",
    "Condition": "a condition (text)",
    "Outcome": "an outcome (text)",
    "Practice": "a mapping describing the practice (name, timezone …)",
    "Site": "a mapping describing a site (name, address, phone)",
    "Diary": "a mapping describing a diary (tool, name)",
    "Practitioner": "a mapping describing a practitioner (diary, hours …)",
    "Attribute": "a mapping describing an attribute (values, range, type or set)",
    "Duration per practitioner": "a mapping like {default: 20min, nguyen: 15min}",
    "Reason": "a mapping describing a reason (duration, label …)",
    "Window object": "a mapping {hours, every, from}",
    "Reserved window": "a mapping describing a reserved window (id, window, for …)",
    "Protected window": "a mapping describing a protected window (id, window …)",
    "Rule": "a mapping describing a rule (id, when, then)",
    "Request": "a mapping of request keys to values",
    "Expected answer": "a mapping of expected answer keys (action, practitioners …)",
    "Test": "a mapping describing a test (name, request, expect)",
    "Sites": "a mapping of site id → site",
    "Diaries": "a mapping of diary id → diary",
    "Practitioners": "a mapping of practitioner id → practitioner",
    "Attributes": "a mapping of attribute name → attribute",
    "Reasons": "a mapping of reason id → reason",
    "Windows": "a mapping of window name → hours",
    "Motifs": "a mapping of diary id → motif",
    "Lint": "a mapping of diagnostic code → severity",
    "diaryrules rule file": "a mapping (the rule file's top-level keys)",
}
_LIST_PHRASES: dict[str, str] = {
    "Absences": "a list of dates or date ranges",
    "Reserved windows": "a list of reserved windows (`- id: …` items)",
    "Protected windows": "a list of protected windows (`- id: …` items)",
    "Triage": "a list of rules (`- id: …` items)",
    "Exceptions": "a list of rules (`- id: …` items)",
    "Rules": "a list of rules (`- id: …` items)",
    "Tests": "a list of tests (`- name: …` items)",
}
_TYPE_PHRASES: dict[str, str] = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "`true` or `false`",
    "array": "a list",
    "object": "a mapping",
    "null": "empty",
}
# What the keys of a collection are, by the name of the collection.
_KEY_NOUNS: dict[str, str] = {
    "practitioners": "practitioner id",
    "reasons": "reason id",
    "sites": "site id",
    "diaries": "diary id",
    "windows": "window name",
    "attributes": "attribute name",
    "motifs": "diary id",
    "hours": "site id",
    "duration": "practitioner id",
    "request": "request key",
    "lint": "diagnostic code",
}
# What an entry of a collection is (for "indent it under …" hints).
_ENTRY_NOUNS: dict[str, str] = {
    "practitioners": "a practitioner",
    "reasons": "a reason",
    "sites": "a site",
    "diaries": "a diary",
    "windows": "a window",
    "attributes": "an attribute",
}
# Words people write for a key, and the key they mean (used when the word is not allowed where it is).
_SYNONYMS: dict[str, str] = {
    "when": "for",
    "for": "when",
    "if": "when",
    "condition": "when",
    "do": "then",
    "outcome": "then",
    "action": "then",
    "length": "duration",
    "durée": "duration",
    "duree": "duration",
    "tz": "timezone",
    "time-zone": "timezone",
    "time_zone": "timezone",
    "zone": "school-zone",
    "override": "overrides",
    "absence": "absences",
    "holiday": "holidays",
    "motif": "motifs",
    "site": "sites",
    "practitioner": "practitioners",
    "message": "say",
    "expected": "expect",
    "test": "tests",
    "rule": "rules",
    "exception": "exceptions",
}
_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_BUILTIN_ATTRIBUTES = "`reason`, `practitioner`, `site` and `call.*`"
_ID_RULE = "ids use only ASCII letters, digits, `_` and `-`, and start with a letter or `_`"

# Non-ASCII characters that look like an ASCII one (Cyrillic and Greek homoglyphs, dashes).
_LOOKALIKES: dict[str, str] = {
    **dict(zip("аеорсухіјѕһԁԛԝӏ", "aeopcyxijshdqwl", strict=True)),
    **dict(zip("АВЕКМНОРСТУХІЈЅ", "ABEKMHOPCTYXIJS", strict=True)),
    **dict(zip("αοινκρυχı", "aoivkpuxi", strict=True)),
    **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX", strict=True)),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212\u00ad", "-"),
    "\u00a0": " ",
}


def _short(text: str, limit: int = 40) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sentence(description: str) -> str:
    """A schema description as a clause: first letter lowered, final period dropped."""
    d = description.strip().rstrip(".")
    return d[:1].lower() + d[1:] if d[1:2].islower() or d[1:2] == " " else d


def _codes(values: Iterable[Any]) -> str:
    return ", ".join(f"`{_scalar_text(v)}`" for v in values)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _join_or(phrases: Sequence[str]) -> str:
    unique = list(dict.fromkeys(phrases))
    if len(unique) <= 1:
        return unique[0] if unique else "something else"
    return ", ".join(unique[:-1]) + " or " + unique[-1]


def _nearest(word: str, candidates: Iterable[str]) -> str | None:
    """`did_you_mean`, but for one- or two-letter words only a difference of letter case counts."""
    cands = [c for c in candidates if c != word]
    if len(word) <= 2:
        low = word.lower()
        same = [c for c in sorted(cands) if c.lower() == low]
        longer = [c for c in sorted(cands) if c.lower().startswith(low)]
        return same[0] if same else longer[0] if len(longer) == 1 else None
    return did_you_mean(word, cands)


# --- hints for the commonest wrong values ---------------------------------------------------------------

_UNIT_WORDS: list[tuple[str, str]] = [
    (r"m|mn|mins?|minutes?", "min"),
    (r"h|hrs?|hours?|heures?", "h"),
    (r"d|days?|j|jours?", "d"),
    (r"w|wk|weeks?|sem|semaines?", "w"),
]


def _duration_hint(text: str) -> str:
    fixed = _fix_duration(text)
    if fixed is not None:
        return f"write `{fixed}`"
    return "units: `min`, `h` (`1h30` for an hour and a half), `d` for days, `w` for weeks; no spaces"


def _fix_duration(text: str) -> str | None:
    t = text.strip().lower()
    m = re.fullmatch(r"(\d+)\s*(?:h|hrs?|hours?|heures?)\s*(\d{1,2})\s*(?:m|mn|mins?|minutes?)?", t)
    if m:
        return f"{int(m.group(1))}h{int(m.group(2)):02d}"
    m = re.fullmatch(r"(\d+)[.,](\d+)\s*(?:h|hrs?|hours?|heures?)", t)
    if m:
        minutes = round(float(f"{m.group(1)}.{m.group(2)}") * 60)
        h, rest = divmod(minutes, 60)
        return f"{h}h{rest:02d}" if rest else f"{h}h"
    for words, unit in _UNIT_WORDS:
        m = re.fullmatch(rf"(\d+)\s*(?:{words})", t)
        if m:
            return f"{int(m.group(1))}{unit}"
    return None


def id_hint(text: str) -> str | None:
    """Why `text` is not an id, in the terms of the character at fault."""
    for ch in text:
        if ord(ch) <= 127:
            continue
        code = f"U+{ord(ch):04X}"
        name = unicodedata.name(ch, "")
        label = f"{code} {name}".strip()
        fixed = _ascii_fix(text)
        fix = f": write `{fixed}`" if _ID.fullmatch(fixed) else ""
        if ch in _LOOKALIKES:
            kind = "letter" if ch.isalpha() else "character"
            look = _LOOKALIKES[ch]
            return f"`{text}` contains the non-ASCII {kind} `{ch}` ({label}) that looks like `{look}`{fix}"
        base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
        if base:
            return f"`{text}` contains the non-ASCII letter `{ch}` ({label}); ids are plain ASCII{fix}"
        if unicodedata.category(ch) in ("Cf", "Zs", "Zl", "Zp"):
            return f"`{text}` contains the invisible character {label}; delete it{fix}"
        return f"`{text}` contains the non-ASCII character `{ch}` ({label}); {_ID_RULE}"
    if " " in text.strip():
        return f"ids cannot contain spaces: write `{re.sub(r' +', '-', text.strip())}`"
    if text[:1].isdigit():
        return "ids start with a letter or `_`"
    bad = next((ch for ch in text if not (ch.isalnum() or ch in "_-")), None)
    if bad is not None:
        return f"`{bad}` cannot appear in an id; {_ID_RULE}"
    return None


def _ascii_fix(text: str) -> str:
    out: list[str] = []
    for ch in text:
        if ord(ch) <= 127:
            out.append(ch)
        elif ch in _LOOKALIKES:
            out.append(_LOOKALIKES[ch])
        else:
            out.append(unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode())
    return "".join(out).strip()


# --- the explainer ---------------------------------------------------------------------------------------


class _Explainer:
    def __init__(self, root: Node, file: str) -> None:
        self.root = root
        self.file = file
        self.instance: Any = root.to_python()
        self.defs: dict[str, Any] = schema().get("$defs", {})

    # -- tree access

    def node_at(self, path: Path) -> tuple[Node | None, Node | None]:
        """The node at `path` and, when its parent is a mapping, the node of its key."""
        node: Node | None = self.root
        key: Node | None = None
        for seg in path:
            if node is None:
                return None, None
            if node.kind == "map" and isinstance(seg, str):
                key = node.keys.get(seg)
                node = node.get(seg)
            elif node.kind == "seq" and isinstance(seg, int) and 0 <= seg < len(node.value):
                key = None
                node = node.value[seg]
            else:
                return None, None
        return node, key

    def value_at(self, path: Path) -> Any:
        value = self.instance
        for seg in path:
            if isinstance(value, dict) and isinstance(seg, str):
                value = value.get(seg)
            elif isinstance(value, list) and isinstance(seg, int) and 0 <= seg < len(value):
                value = value[seg]
            else:
                return None
        return value

    def span(self, node: Node | None) -> Span:
        if node is None:
            return Span(self.file, 1, 1)
        s = node.span
        return Span(self.file, s.line, s.column, s.end_line, s.end_column)

    def value_span(self, path: Path) -> Span:
        """Where a value is: the value itself, or its key when the value is empty."""
        node, key = self.node_at(path)
        if node is not None and not (node.kind == "scalar" and node.value is None and key is not None):
            return self.span(node)
        return self.span(key if key is not None else self._nearest_node(path))

    def mapping_span(self, path: Path) -> Span:
        """Where to point at a mapping as a whole: its key, the list item, or 1:1 for the file."""
        if not path:
            return Span(self.file, 1, 1)
        node, key = self.node_at(path)
        if key is not None:
            return self.span(key)
        return self.span(node if node is not None else self._nearest_node(path))

    def key_span(self, path: Path, key: str) -> Span:
        node, _ = self.node_at(path)
        if node is not None and node.kind == "map" and key in node.keys:
            return self.span(node.keys[key])
        return self.mapping_span(path)

    def _nearest_node(self, path: Path) -> Node | None:
        for i in range(len(path), -1, -1):
            node, key = self.node_at(path[:i])
            if key is not None:
                return key
            if node is not None and i > 0:
                return node
        return None

    # -- words

    def where(self, path: Path) -> str:
        """`reasons.renewal.duration`, `rules[renewal-new].then`, `tests[0].expect` …"""
        out = ""
        value = self.instance
        for seg in path:
            if isinstance(seg, int):
                item = value[seg] if isinstance(value, list) and 0 <= seg < len(value) else None
                ident = item.get("id") if isinstance(item, dict) else None
                label = ident if isinstance(ident, str) and _ID.fullmatch(ident) else seg
                out += f"[{label}]"
                value = item
            else:
                out += f".{seg}" if out else seg
                value = value.get(seg) if isinstance(value, dict) else None
        return out

    def subject(self, path: Path) -> str:
        return f"`{self.where(path)}`" if path else "the file"

    def got(self, value: Any, path: Path | None = None) -> str:
        if value is None:
            return "nothing"
        if isinstance(value, bool):
            return f"`{_scalar_text(value)}`"
        if isinstance(value, int | float):
            node = self.node_at(path)[0] if path is not None else None
            raw = node.raw if node is not None and node.raw else str(value)
            return f"the number `{raw}`"
        if isinstance(value, str):
            return f"`{_short(value)}`" if value else "empty text"
        if isinstance(value, list):
            return "a list"
        if isinstance(value, dict):
            return "a mapping"
        return f"`{value}`"

    def resolve(self, sub: Any) -> dict[str, Any]:
        seen = 0
        while isinstance(sub, dict) and isinstance(sub.get("$ref"), str) and seen < 16:
            ref = sub["$ref"]
            if not ref.startswith("#/$defs/"):
                break
            sub = self.defs.get(ref[len("#/$defs/"):], {})
            seen += 1
        return sub if isinstance(sub, dict) else {}

    def expected(self, sub: Any) -> str:
        s = self.resolve(sub)
        title = s.get("title")
        kind = s.get("type")
        if kind == "array":
            if isinstance(title, str) and title in _LIST_PHRASES:
                return _LIST_PHRASES[title]
            items = self.resolve(s.get("items"))
            if items.get("title") == "Id":
                return "a list of ids like `[martin, nguyen]`"
            return "a list"
        if isinstance(title, str) and title in _PHRASES:
            return _PHRASES[title]
        if isinstance(kind, str):
            return _TYPE_PHRASES.get(kind, kind)
        if isinstance(kind, list):
            return _join_or([_TYPE_PHRASES.get(str(k), str(k)) for k in kind])
        if "oneOf" in s or "anyOf" in s:
            return _join_or([self.expected(b) for b in s.get("oneOf", s.get("anyOf", []))])
        return "something else"

    def schema_at(self, path: Path) -> dict[str, Any] | None:
        current: dict[str, Any] | None = self.resolve(schema())
        for seg in path:
            if current is None:
                return None
            current = self._child(current, seg)
        return current

    def _child(self, sub: dict[str, Any], seg: str | int) -> dict[str, Any] | None:
        candidates = [sub] + [self.resolve(b) for b in sub.get("oneOf", []) + sub.get("anyOf", [])]
        for cand in candidates:
            if isinstance(seg, str):
                props = cand.get("properties", {})
                if seg in props:
                    return self.resolve(props[seg])
                extra = cand.get("additionalProperties")
                if isinstance(extra, dict):
                    return self.resolve(extra)
            elif "items" in cand:
                return self.resolve(cand["items"])
        return None

    def finding(self, span: Span, message: str, hint: str | None, path: Path, kind: str,
                keys: tuple[str, ...] = (), target: Path | None = None) -> _Finding:
        return _Finding(Diagnostic(CODE, span, message, hint=hint), path, kind, keys, target)

    # -- dispatch

    def explain(self, error: ValidationError) -> Iterator[_Finding]:
        path: Path = tuple(error.absolute_path)
        moved = self.misplaced(path)
        if moved is not None:
            yield moved
            return
        if "propertyNames" in error.absolute_schema_path:
            yield from self.bad_key_name(error, path)
            return
        handler = getattr(self, f"on_{error.validator}", None)
        if handler is not None:
            yield from handler(error, path)
            return
        yield self.finding(self.value_span(path), f"{self.subject(path)}: {error.message}",
                           None, path, "other")

    # -- a key at the wrong indentation, seen as an entry of a collection

    def misplaced(self, path: Path) -> _Finding | None:
        for i in range(1, len(path) + 1):
            entry = path[:i]
            found = self._misplaced_entry(entry)
            if found is not None:
                return found
        return None

    def _misplaced_entry(self, entry: Path) -> _Finding | None:
        key = entry[-1]
        parent = entry[:-1]
        if not isinstance(key, str) or not parent or not isinstance(parent[-1], str):
            return None
        collection = parent[-1]
        noun = _ENTRY_NOUNS.get(collection)
        parent_schema = self.schema_at(parent)
        if noun is None or parent_schema is None or not isinstance(parent_schema.get("propertyNames"), dict):
            return None
        item = self.resolve(parent_schema.get("additionalProperties"))
        prop = item.get("properties", {}).get(key)
        if prop is None:
            return None
        mapping = self.value_at(parent)
        if not isinstance(mapping, dict):
            return None
        names = list(mapping)
        before = names[: names.index(key)] if key in names else []
        owner = next((n for n in reversed(before) if mapping[n] is None or isinstance(mapping[n], dict)),
                     None)
        if owner is None or (isinstance(mapping[owner], dict) and key in mapping[owner]):
            return None
        if not _validator().evolve(schema=prop).is_valid(mapping[key]):
            return None
        return self.finding(
            self.key_span(parent, key),
            f"`{self.where(entry)}` looks like a key of {noun[noun.index(' ') + 1:]} `{owner}` "
            f"at the wrong indentation",
            f"indent `{key}:` (and its value) under `{owner}`, like the other keys of `{owner}`",
            entry, "misplaced", (key,), parent + (owner,))

    # -- keys

    def bad_key_name(self, error: ValidationError, path: Path) -> Iterator[_Finding]:
        name = error.instance
        if not isinstance(name, str):
            return
        collection = next((seg for seg in reversed(path) if isinstance(seg, str)), "")
        noun = _KEY_NOUNS.get(collection, "key")
        span = self.key_span(path, name)
        where = f" in `{self.where(path)}`" if path else ""
        if error.validator == "not":
            yield self.finding(span, f"`{name}` is built in and cannot be declared as an attribute",
                               f"every request already has {_BUILTIN_ATTRIBUTES}; choose another name",
                               path + (name,), "key")
            return
        if noun == "diagnostic code":
            upper = name.strip().upper()
            hint = (f"write `{upper}`" if re.fullmatch(r"DR[0-9]{3}", upper)
                    else "codes are `DR` followed by three digits")
            yield self.finding(span, f"`{name}`{where} is not a diagnostic code like DR303", hint,
                               path + (name,), "key")
            return
        yield self.finding(span, f"`{name}`{where} is not a valid {noun}: {_ID_RULE}", id_hint(name),
                           path + (name,), "key")

    def on_additionalProperties(self, error: ValidationError, path: Path) -> Iterator[_Finding]:
        if not isinstance(error.instance, dict):
            return
        allowed = list(error.schema.get("properties", {}))
        present = set(error.instance)
        for key in error.instance:
            if key in allowed:
                continue
            message = (f"unknown key `{key}` in `{self.where(path)}`" if path
                       else f"unknown top-level key `{key}`")
            suggestion = self._suggest_key(key, allowed, present)
            if suggestion is not None:
                hint: str | None = f"did you mean `{suggestion}`?"
            else:
                hint = self._belongs_elsewhere(key, path) or (
                    "allowed keys here: " + _codes(allowed) if allowed else None)
            yield self.finding(self.key_span(path, key), message, hint, path, "unknown",
                               (suggestion,) if suggestion else ())

    def _suggest_key(self, key: str, allowed: list[str], present: set[str]) -> str | None:
        synonym = _SYNONYMS.get(key.lower())
        if synonym in allowed:
            return synonym
        missing = [a for a in allowed if a not in present]
        return _nearest(key, missing) or _nearest(key, allowed)

    def _belongs_elsewhere(self, key: str, path: Path) -> str | None:
        for i in range(len(path) - 1, -1, -1):
            ancestor = self.schema_at(path[:i])
            if ancestor is not None and key in ancestor.get("properties", {}):
                place = f"in `{self.where(path[:i])}`" if i else "at the top level"
                return f"`{key}` belongs {place}: check the indentation of this line"
        return None

    def on_required(self, error: ValidationError, path: Path) -> Iterator[_Finding]:
        if not isinstance(error.instance, dict):
            return
        props = error.schema.get("properties", {})
        for key in error.validator_value:
            if key in error.instance:
                continue
            owner = self.subject(path)
            prop = props.get(key)
            text = self.resolve(prop).get("description") if isinstance(prop, dict) else None
            if isinstance(prop, dict) and isinstance(prop.get("description"), str):
                text = prop["description"]
            hint = f"add `{key}:` ({_sentence(text)})" if isinstance(text, str) else f"add `{key}:`"
            yield self.finding(self.mapping_span(path), f"{owner} is missing `{key}`", hint, path, "missing",
                               (key,))

    def on_dependentRequired(self, error: ValidationError, path: Path) -> Iterator[_Finding]:
        if not isinstance(error.instance, dict):
            return
        props = error.schema.get("properties", {})
        for key, needs in error.validator_value.items():
            if key not in error.instance:
                continue
            for need in needs:
                if need in error.instance:
                    continue
                text = props.get(need, {}).get("description", "")
                hint = f"`{key}` and `{need}` go together: add `{need}:`"
                if text:
                    hint += f" ({_sentence(text).split(';')[0]})"
                message = f"`{self.where(path)}` has `{key}` but no `{need}`"
                yield self.finding(self.key_span(path, key), message, hint, path, "missing", (need,))

    def on_oneOf(self, error: ValidationError, path: Path) -> Iterator[_Finding]:
        alternatives = error.validator_value
        instance = error.instance
        subject = self.subject(path)
        if _required_only(alternatives) and isinstance(instance, dict):
            names = [a["required"][0] for a in alternatives]
            present = [k for k in instance if k in names]
            if len(present) > 1:
                yield self.finding(
                    self.key_span(path, present[1]),
                    f"{subject} has both `{present[0]}` and `{present[1]}`",
                    f"give exactly one of {_codes(names)}", path, "value")
            else:
                yield self.finding(
                    self.mapping_span(path), f"{subject} needs one of {_codes(names)}",
                    "`values: [a, b]` for names, `range: 0..120` for a number, `type: bool` for yes/no, "
                    "`set: [a, b]` for several names" if set(names) == {"values", "range", "type", "set"}
                    else None, path, "one-of", tuple(names))
            return
        branches = alternatives if isinstance(alternatives, list) else []
        expected = _join_or([self.expected(b) for b in branches])
        message = f"{subject} must be {expected} (got {self.got(instance, path)})"
        hint = None
        titles = {self.resolve(b).get("title") for b in branches}
        if "Hours expression" in titles and isinstance(instance, list) and instance \
                and all(isinstance(v, str) for v in instance):
            hint = f'write one text, rules separated by `;`: `"{"; ".join(instance)}"`'
        kind = "type" if error.context else "value"
        yield self.finding(self.value_span(path), message, hint or self._type_hint(instance, None, path),
                           path, kind, ("null",) if instance is None else ())

    on_anyOf = on_oneOf

    # -- values

    def on_type(self, error: ValidationError, path: Path) -> Iterator[_Finding]:
        expected = self.expected(error.schema)
        got = self.got(error.instance, path)
        message = f"{self.subject(path)} must be {expected} (got {got})"
        hint = self._type_hint(error.instance, error.schema, path)
        yield self.finding(self.value_span(path), message, hint, path, "type",
                           ("null",) if error.instance is None else ())

    def _type_hint(self, value: Any, sub: Mapping[str, Any] | None, path: Path) -> str | None:
        s = self.resolve(sub) if sub is not None else {}
        kind = s.get("type")
        title = s.get("title")
        last = path[-1] if path else None
        if value is None:
            return f"give a value after `{last}:` or remove the line" if isinstance(last, str) else None
        if kind == "string" and isinstance(value, bool | int | float):
            node = self.node_at(path)[0]
            raw = node.raw if node is not None and node.raw else _scalar_text(value)
            if title == "Duration" and isinstance(value, int) and not isinstance(value, bool):
                return f"add a unit: `{value}min`, `{value}h`, `{value}d` …"
            if title == "Condition" and value is True:
                return "write `always` for a condition every request meets"
            return f'quote it to keep it as text: `"{raw}"`'
        if kind == "boolean" and isinstance(value, str):
            if value.lower() in ("yes", "no", "on", "off", "y", "n", "oui", "non"):
                word = "true" if value.lower() in ("yes", "on", "y", "oui") else "false"
                return f"write `{word}`: rule files read `yes`, `no`, `on` and `off` as text"
            return "write `true` or `false`"
        if kind == "object" and isinstance(value, list):
            return "write each entry as `key: value` on its own line, not as a `- ` list item"
        if kind == "array" and isinstance(value, dict):
            return "write each entry as a `- ` list item"
        if kind == "array" and isinstance(value, str):
            items = [v.strip() for v in value.split(",") if v.strip()]
            return f"write a list: `[{', '.join(items)}]`" if items else None
        return None

    def on_pattern(self, error: ValidationError, path: Path) -> Iterator[_Finding]:
        value = error.instance
        if not isinstance(value, str):
            return
        title = error.schema.get("title")
        where = self.where(path)
        got = self.got(value)
        hint: str | None
        if title == "Duration":
            message = f"`{where}` must be a duration like 15min, 1h30, 2d (got {got})"
            hint = _duration_hint(value)
        elif title == "Id":
            message = f"`{where}` must be an id: {_ID_RULE} (got {got})"
            hint = id_hint(value)
        elif title == "Date":
            message = f"`{where}` must be a date like 2027-01-06 (got {got})"
            m = re.fullmatch(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*", value)
            hint = (f"write the year first: `{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}`"
                    if m else "write it as YYYY-MM-DD")
        elif title == "Date and time":
            message = f"`{where}` must be a date and time like 2026-12-01T10:00 (got {got})"
            hint = "write it as YYYY-MM-DDTHH:MM"
        elif title == "Public holidays":
            message = (f"`{where}` must be a country code, optionally with a subdivision, "
                       f"like FR, FR-57 or FR-971 (got {got})")
            upper = value.strip().upper().replace("_", "-")
            hint = f"write `{upper}`" if re.fullmatch(error.validator_value, upper) else None
        elif title == "Range":
            message = f"`{where}` must be an integer range like 0..120 (got {got})"
            m = re.fullmatch(r"\s*(-?\d+)\s*(?:-|–|\.\.\.?|to|à)\s*(-?\d+)\s*", value)
            hint = (f"write `{m.group(1)}..{m.group(2)}`" if m
                    else "write the lowest and highest values joined by `..`")
        else:
            message = f"`{where}` does not have the expected form (got {got})"
            hint = f"expected the pattern `{error.validator_value}`"
        yield self.finding(self.value_span(path), message, hint, path, "value")

    def on_enum(self, error: ValidationError, path: Path) -> Iterator[_Finding]:
        options = list(error.validator_value)
        got = self.got(error.instance, path)
        message = f"`{self.where(path)}` must be one of {_codes(options)} (got {got})"
        hint = None
        if isinstance(error.instance, str):
            near = _nearest(error.instance, [o for o in options if isinstance(o, str)])
            hint = f"did you mean `{near}`?" if near else None
        elif error.instance is None:
            hint = self._type_hint(None, None, path)
        yield self.finding(self.value_span(path), message, hint, path, "value")

    def on_const(self, error: ValidationError, path: Path) -> Iterator[_Finding]:
        want = _scalar_text(error.validator_value)
        where = self.where(path)
        got = self.got(error.instance, path)
        if path == ("diaryrules",):
            message = f"`diaryrules` must be {want}, the format version this tool reads (got {got})"
            hint = f"write `diaryrules: {want}`"
        else:
            message = f"`{where}` must be `{want}` (got {got})"
            hint = None
            if path[-1:] == ("type",) and len(path) >= 2 and path[-3:-2] == ("attributes",):
                hint = "`type: bool` is for yes/no attributes; use `values`, `range` or `set` for the others"
        yield self.finding(self.value_span(path), message, hint, path, "value")

    def on_minItems(self, error: ValidationError, path: Path) -> Iterator[_Finding]:
        n = error.validator_value
        message = (f"`{self.where(path)}` must not be empty" if n == 1
                   else f"`{self.where(path)}` must have at least {n} items")
        yield self.finding(self.value_span(path), message, None, path, "value")

    def on_minProperties(self, error: ValidationError, path: Path) -> Iterator[_Finding]:
        message = f"`{self.where(path)}` must not be empty"
        yield self.finding(self.value_span(path), message, None, path, "value")

    def on_uniqueItems(self, error: ValidationError, path: Path) -> Iterator[_Finding]:
        items = error.instance if isinstance(error.instance, list) else []
        seen: list[Any] = []
        for i, item in enumerate(items):
            if item in seen:
                yield self.finding(self.value_span(path + (i,)),
                                   f"`{self.where(path)}` lists {self.got(item)} twice",
                                   "remove the repeated item", path, "value")
                continue
            seen.append(item)
