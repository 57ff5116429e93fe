"""Fuzzing the front end: random byte mutations and random YAML made from the example files
never produce a traceback or a hang, only diagnostics.

Acceptance (issue): "random byte mutations and random YAML of the example files never produce a
traceback or a hang, only diagnostics (run at least 2,000 examples in CI)". Here:
  (a) byte mutations (insert / delete / replace / swap bytes: NUL, tabs, non-UTF-8, `&`, `*`, `:`,
      quotes, BOMs, CRLF, document markers …) through `load_bytes` then `load_practice`;
  (b) token-level YAML mutations (swap / duplicate / delete / re-indent a line, replace a scalar
      with another scalar, a number, a list or a map) and random YAML trees (a subtree of the
      example replaced, deleted or added, then dumped by PyYAML) through `load_practice`;
  (c) near-valid mutations (rules, outcomes, durations, hours, tests shuffled) through the whole
      linter, including the checks and the file's `tests:`; a conflict or gap it reports must be
      confirmed by the evaluator on its witness.
Every outcome is a clean practice or a non-empty list of diagnostics with a DRnnn code and a
1-based position inside the file. Hypothesis runs derandomized (fixed seeds), no database.
Time is bounded by size, not by a clock: the loader may read at most ~2 nodes per character
(no alias expansion). A generous alarm only turns a real hang into a failure instead of a stuck CI.
If a crash is found, save the input under tests/fixtures/crashes/<short-name>.diary.yaml.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import re
import signal
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import event as hypothesis_event
from hypothesis import strategies as st
from hypothesis.control import current_build_context, currently_in_test_context

from diaryrules.checks import CODES
from diaryrules.diagnostics import Diagnostic
from diaryrules.evaluate import decide
from diaryrules.linter import Loaded, lint_files, load_practice
from diaryrules.loader import MAX_NODES, Node, load_bytes, load_text

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_NAMES = ("solo-gp.diary.yaml", "maison-de-sante.diary.yaml")
EXAMPLES = {n: (ROOT / "examples" / n).read_bytes() for n in EXAMPLE_NAMES}
TEXTS = {n: b.decode("utf-8") for n, b in EXAMPLES.items()}
CRASHES = Path(__file__).parent / "fixtures" / "crashes"
FILE = "fuzz.diary.yaml"
CODE = re.compile(r"DR\d{3}\Z")
HANG_SECONDS = 30  # per example; a size-bounded front end takes milliseconds


def fuzz_settings(n: int) -> Any:
    return settings(max_examples=n, derandomize=True, deadline=None, database=None, print_blob=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


# -- oracles ---------------------------------------------------------------------------------------

def event(text: str) -> None:
    """Statistics (pytest --hypothesis-show-statistics): which stage each mutation reaches."""
    if currently_in_test_context():
        hypothesis_event(text)


@contextlib.contextmanager
def no_hang(seconds: int = HANG_SECONDS) -> Iterator[None]:
    """Turn a hang into a failure (Unix); not a timing assertion: the budget is 1000× the need."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield  # pragma: no cover - Windows, or a runner that calls tests off the main thread
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise TimeoutError(f"the front end ran for more than {seconds} s on one input")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def count_nodes(root: Node | None) -> int:
    n = 0
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        n += 1
        if node.kind == "map":
            n += len(node.value)  # the keys
            stack.extend(node.value.values())
        elif node.kind == "seq":
            stack.extend(node.value)
    return n


def check_size_bound(root: Node | None, text: str) -> None:
    nodes = count_nodes(root)
    assert nodes <= MAX_NODES
    assert nodes <= 2 * len(text) + 2, f"{nodes} nodes from {len(text)} characters: something expanded"


def check_diagnostics(diags: list[Diagnostic], n_lines: int) -> None:
    assert diags, "an unusable file without a diagnostic"
    for d in diags:
        assert isinstance(d, Diagnostic)
        assert CODE.match(d.code), d
        assert d.code in CODES, d
        assert d.message and isinstance(d.message, str), d
        for span in [d.span, *(r.span for r in d.related)]:
            assert span.line >= 1 and span.column >= 1, d
            assert span.line <= n_lines + 1, (d, n_lines)
            assert (span.end_line, span.end_column) >= (span.line, span.column), d


def check_loaded(loaded: Loaded, n_lines: int) -> None:
    check_size_bound(loaded.source.root, loaded.source.text)
    if loaded.practice is None:
        check_diagnostics(loaded.diagnostics, n_lines)
        event("diagnostics: " + min(d.code for d in loaded.diagnostics))
    else:
        assert loaded.diagnostics == [], loaded.diagnostics
        event("clean practice")


def save_crash(tag: str, data: bytes) -> None:
    """Keep a failing mutated input as a regression fixture: only the final (shrunk) one Hypothesis
    reports, never an unmutated example or an input already saved."""
    if not currently_in_test_context() or not current_build_context().is_final:
        return
    CRASHES.mkdir(parents=True, exist_ok=True)
    (CRASHES / f"{tag}-{hashlib.sha1(data).hexdigest()[:8]}.diary.yaml").write_bytes(data)


def front_end_on_bytes(data: bytes, tag: str) -> Loaded | None:
    try:
        with no_hang():
            src = load_bytes(data, FILE)
            n_lines = data.count(b"\n") + 1
            if src.root is None:
                check_diagnostics(src.diagnostics, n_lines)
                event("diagnostics: DR001 (unreadable)")
                return None
            check_size_bound(src.root, src.text)
            loaded = load_practice(FILE, src.text)
            check_loaded(loaded, n_lines)
            return loaded
    except Exception:
        save_crash(tag, data)
        raise


def front_end_on_text(text: str, tag: str) -> Loaded:
    try:
        with no_hang():
            loaded = load_practice(FILE, text)
            check_loaded(loaded, text.count("\n") + 1)
            return loaded
    except Exception:
        save_crash(tag, text.encode("utf-8", "surrogatepass"))
        raise


def test_examples_are_clean() -> None:
    for name, data in EXAMPLES.items():
        loaded = front_end_on_bytes(data, "example")
        assert loaded is not None and loaded.practice is not None, name


def test_saved_crashes_are_fixed() -> None:
    """Every input that once crashed the front end now gives diagnostics or a practice."""
    for path in sorted(CRASHES.glob("*.diary.yaml")) if CRASHES.exists() else []:
        front_end_on_bytes(path.read_bytes(), "regression")


# -- (a) byte mutations ----------------------------------------------------------------------------

SPECIAL = [b"\x00", b"\t", b"\xff", b"\xfe", b"\xc3", b"\xe9", b"\x80", b"&", b"*", b":", b'"', b"'",
           b"\n", b" ", b"-", b"{", b"}", b"[", b"]", b",", b"#", b"|", b">", b"!", b"%", b"@", b"`",
           b"?", b"\r", b"\\", b"\x0b", b"\x0c", b"\x1b", b"\x7f"]
TOKENS = [b"&a ", b"*a", b"&x [1]\n", b"!!str ", b"!!python/object ", b"!x ", b"\t", b"\xef\xbb\xbf",
          b"\r\n", b"\r", b"\n---\n", b"\n...\n", b"? ", b"<<: ", b": ", b"- ", b"\xed\xa0\x80",
          b"%YAML 1.1\n", b"\\u00e9", b"\xe2\x80\xa8", b"\xc2\x85", b"\xf0\x9f\x98\x80", b"'", b'"\\',
          b"{a: ", b"[[[[", b"]]", b"\x00\x00", b"# ", b"|\n", b">-\n  "]

payload_st = st.one_of(st.sampled_from(SPECIAL), st.sampled_from(TOKENS), st.binary(min_size=1, max_size=4))
byte_op_st = st.tuples(st.sampled_from(["insert", "delete", "replace", "swap", "cut"]),
                       st.integers(0, 2**31), st.integers(0, 2**31), payload_st)


def mutate_bytes(data: bytes, ops: list[tuple[str, int, int, bytes]]) -> bytes:
    buf = bytearray(data)
    for kind, i, j, payload in ops:
        n = len(buf)
        at = i % (n + 1)
        if kind == "insert":
            buf[at:at] = payload
        elif kind == "delete":
            del buf[at:at + 1 + j % 8]
        elif kind == "replace":
            buf[at:at + len(payload)] = payload
        elif kind == "swap" and n:
            a, b = i % n, j % n
            buf[a], buf[b] = buf[b], buf[a]
        elif kind == "cut":  # the file ends early (a truncated save)
            del buf[at:]
    return bytes(buf)


@fuzz_settings(1000)
@given(name=st.sampled_from(EXAMPLE_NAMES), ops=st.lists(byte_op_st, min_size=1, max_size=4))
def test_byte_mutations(name: str, ops: list[tuple[str, int, int, bytes]]) -> None:
    front_end_on_bytes(mutate_bytes(EXAMPLES[name], ops), "bytes")


# -- (b) token-level mutations and random YAML trees -----------------------------------------------

def _scalar_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for tok in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(tok, yaml.ScalarToken):
            spans.append((tok.start_mark.index, tok.end_mark.index))
    return spans


SCALARS = {n: _scalar_spans(t) for n, t in TEXTS.items()}
SCALAR_TEXTS = sorted({t[a:b] for n, t in TEXTS.items() for a, b in SCALARS[n] if 0 < b - a <= 60})
REPLACEMENTS = ["[]", "{}", "[a, b]", "{x: 1}", "[1, [2, [3]]]", "{a: {b: {c: d}}}", "~", "null", "true",
                "no", "yes", "off", "''", '""', "1.5", "-1", "0", "1e999", ".nan", "0x1F", "2026-02-30",
                "2026-12-24", "25:00", "24:00", "Mo-Fr 08:00-", "Mo-Fr 25:00-26:00", "sunrise-sunset",
                "reason is", "reason is renewal and", "not", "(reason is renewal", "book within",
                "book with nobody", "redirect", "callback within 0min", "0min", "99999999d", "1h30",
                "'unterminated", '"unterminated', "[", "{", "- x", "a: b", "&x v", "*x", "!!int 3", "|", ">",
                "age < 5 and age > 10", "symptoms has any {}", "call.time in 08:00..07:00", "é" * 3,
                "Europe/Nowhere", "FR-XX", "D", "5", "-5min", "always", "x" * 300]
replacement_st = st.one_of(st.sampled_from(SCALAR_TEXTS), st.sampled_from(REPLACEMENTS),
                           st.integers(-10**20, 10**20).map(str),
                           st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12))
line_op_st = st.one_of(
    st.tuples(st.just("swap"), st.integers(0, 10**6), st.integers(0, 10**6)),
    st.tuples(st.just("duplicate"), st.integers(0, 10**6), st.just(0)),
    st.tuples(st.just("delete"), st.integers(0, 10**6), st.just(0)),
    st.tuples(st.just("indent"), st.integers(0, 10**6), st.sampled_from([-8, -4, -2, -1, 1, 2, 4, 8, -999])),
)


def mutate_tokens(name: str, scalar_ops: list[tuple[int, str]], line_ops: list[tuple[str, int, int]]) -> str:
    text = TEXTS[name]
    spans = SCALARS[name]
    chosen: dict[int, str] = {}
    for k, rep in scalar_ops:
        chosen[k % len(spans)] = rep
    last = len(text) + 1
    for k in sorted(chosen, key=lambda k: spans[k][0], reverse=True):
        a, b = spans[k]
        if b <= last:  # non-overlapping, applied from the end so indexes stay valid
            text = text[:a] + chosen[k] + text[b:]
            last = a
    lines = text.split("\n")
    for kind, i, j in line_ops:
        if not lines:
            break
        a = i % len(lines)
        if kind == "swap":
            b = j % len(lines)
            lines[a], lines[b] = lines[b], lines[a]
        elif kind == "duplicate":
            lines.insert(a, lines[a])
        elif kind == "delete":
            del lines[a]
        elif kind == "indent":
            body = lines[a].lstrip(" ")
            width = len(lines[a]) - len(body)
            lines[a] = " " * (0 if j == -999 else max(0, width + j)) + body
    return "\n".join(lines)


@fuzz_settings(750)
@given(name=st.sampled_from(EXAMPLE_NAMES),
       scalar_ops=st.lists(st.tuples(st.integers(0, 10**6), replacement_st), max_size=2),
       line_ops=st.lists(line_op_st, max_size=3))
def test_token_mutations(name: str, scalar_ops: list[tuple[int, str]], line_ops: list[tuple[str, int, int]]) -> None:
    front_end_on_text(mutate_tokens(name, scalar_ops, line_ops), "tokens")


KEYS = ["diaryrules", "practice", "name", "timezone", "holidays", "school-zone", "grid", "sites", "diaries",
        "tool", "practitioners", "role", "diary", "hours", "absences", "attributes", "values", "range", "type",
        "set", "question", "reasons", "label", "duration", "motifs", "notice", "horizon", "mode", "say",
        "windows", "every", "from", "reserved", "protected", "id", "window", "for", "release", "triage",
        "exceptions", "rules", "when", "then", "overrides", "default", "tests", "request", "expect", "at",
        "lint", "action", "reason", "patient", "age"]
scalar_value_st = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(), st.text(max_size=16),
    st.sampled_from(REPLACEMENTS + SCALAR_TEXTS), st.dates(date(1990, 1, 1), date(2100, 1, 1)))
yaml_value_st = st.recursive(
    scalar_value_st,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8), st.integers(0, 3)), inner, max_size=3),
    max_leaves=8)


def _as_python(name: str) -> Any:
    root = load_text(TEXTS[name], FILE).root
    assert root is not None
    return root.to_python()  # YAML 1.2 core values: `off` stays a string


DOCS = {n: _as_python(n) for n in EXAMPLE_NAMES}
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump(doc: Any, flow: bool = False) -> str:
    return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=None if flow else False)


def mutate_tree(doc: Any, path: list[int], action: str, value: Any, key: str) -> Any:
    parent: Any = None
    slot: Any = None
    node = doc
    for i in path:
        if isinstance(node, dict) and node:
            parent, slot = node, list(node)[i % len(node)]
        elif isinstance(node, list) and node:
            parent, slot = node, i % len(node)
        else:
            break
        node = parent[slot]
    if parent is None:
        return value if action == "replace" else doc
    if action == "replace":
        parent[slot] = value
    elif action == "delete":
        del parent[slot]
    elif action == "add" and isinstance(parent, dict):
        parent[key] = value
    elif action == "add":
        parent.insert(slot, value)
    return doc


@fuzz_settings(300)
@given(name=st.sampled_from(EXAMPLE_NAMES), path=st.lists(st.integers(0, 10**6), min_size=1, max_size=6),
       action=st.sampled_from(["replace", "replace", "delete", "add"]), value=yaml_value_st,
       key=st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), flow=st.booleans())
def test_random_yaml_trees(name: str, path: list[int], action: str, value: Any, key: str, flow: bool) -> None:
    doc = mutate_tree(copy.deepcopy(DOCS[name]), path, action, value, key)
    front_end_on_text(dump(doc, flow), "tree")


def test_round_trip_through_pyyaml_is_clean() -> None:
    """The baseline of the tree mutations: an unmutated round trip still loads cleanly."""
    for name in EXAMPLE_NAMES:
        loaded = front_end_on_text(dump(DOCS[name]), "roundtrip")
        assert loaded.practice is not None, (name, loaded.diagnostics)


# -- (c) near-valid mutations through the whole linter ---------------------------------------------

VALUE_LINE = re.compile(r"^(\s*(?:- )?(when|then|for|window|hours|duration|release|notice|horizon|default|expect)"
                        r": )(.*)$")
DROPPABLE = re.compile(r"^\s*((overrides|default|say|release|notice|closed-on-holidays):|- 20\d\d-)")
DURATIONS = ["5min", "15min", "20min", "45min", "1h", "1h30", "2h", "1d", "2d", "3d", "7d", "14d", "3w", "120d"]
TIMES = ["00:00", "07:30", "08:00", "09:00", "11:30", "12:00", "12:30", "14:00", "17:00", "18:30", "19:00", "23:59"]


def _value_lines(text: str) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, line in enumerate(text.split("\n")):
        m = VALUE_LINE.match(line)
        if m:
            out.setdefault(m.group(2), []).append(i)
    return out


VALUE_LINES = {n: _value_lines(t) for n, t in TEXTS.items()}
near_op_st = st.tuples(
    st.sampled_from(["swap-when", "swap-then", "copy-then", "drop-rule", "drop-line", "duration", "time",
                     "name"]),
    st.integers(0, 10**6), st.integers(0, 10**6))


def mutate_near(name: str, ops: list[tuple[str, int, int]]) -> str:
    lines = TEXTS[name].split("\n")
    where = VALUE_LINES[name]

    def pick(kind: str, k: int) -> int | None:
        idx = where.get(kind) or []
        return idx[k % len(idx)] if idx else None

    def value(i: int) -> str:
        m = VALUE_LINE.match(lines[i])
        return m.group(3) if m else ""

    def set_value(i: int, v: str) -> None:
        m = VALUE_LINE.match(lines[i])
        if m:
            lines[i] = m.group(1) + v

    dropped: set[int] = set()
    for kind, i, j in ops:
        if kind in ("swap-when", "swap-then", "copy-then"):
            key = "when" if kind == "swap-when" else "then"
            a, b = pick(key, i), pick(key, j)
            if a is not None and b is not None:
                va, vb = value(a), value(b)
                set_value(a, vb)
                if kind != "copy-then":
                    set_value(b, va)
        elif kind == "drop-rule":  # a whole `- id:` item of a list
            starts = [k for k, line in enumerate(lines) if re.match(r"^\s+- (id|name): ", line)]
            if starts:
                s = starts[i % len(starts)]
                indent = len(lines[s]) - len(lines[s].lstrip())
                e = s + 1
                while e < len(lines) and lines[e].strip() and len(lines[e]) - len(lines[e].lstrip()) > indent:
                    e += 1
                dropped.update(range(s, e))
        elif kind == "drop-line":  # `overrides:`, `default:`, a `say:`, an absence …
            cands = [k for k, line in enumerate(lines) if DROPPABLE.match(line)]
            if cands:
                dropped.add(cands[i % len(cands)])
        elif kind == "duration":
            cands = [k for k, line in enumerate(lines) if re.search(r"\b\d+(min|h|d|w)\b", line)]
            if cands:
                k = cands[i % len(cands)]
                lines[k] = re.sub(r"\b\d+(min|h\d*|d|w)\b", DURATIONS[j % len(DURATIONS)], lines[k], count=1)
        elif kind == "time":
            cands = [k for k, line in enumerate(lines) if re.search(r"\b\d\d:\d\d\b", line)]
            if cands:
                k = cands[i % len(cands)]
                found = re.findall(r"\b\d\d:\d\d\b", lines[k])
                old = found[j % len(found)]
                lines[k] = lines[k].replace(old, TIMES[(i + j) % len(TIMES)], 1)
        elif kind == "name":  # a value name in a condition swapped for another one of the file
            names = ["known", "new", "consultation", "renewal", "acute", "urgent", "certificate", "first-visit",
                     "home-visit", "martin", "nguyen", "bernard", "chest_pain", "high_fever"]
            a = pick("when", i)
            if a is not None:
                words = [w for w in names if re.search(rf"\b{w}\b", value(a))]
                if words:
                    old = words[j % len(words)]
                    set_value(a, re.sub(rf"\b{old}\b", names[(i + j) % len(names)], value(a), count=1))
    return "\n".join(line for k, line in enumerate(lines) if k not in dropped)


def check_witnesses(path: str, diags: list[Diagnostic]) -> None:
    """A reported conflict or gap comes with a request on which the evaluator shows it."""
    semantic = [d for d in diags if d.code in ("DR101", "DR201") and d.witness is not None]
    if not semantic:
        return
    practice = load_practice(path).practice
    assert practice is not None
    for d in semantic:
        got = decide(practice, dict(d.witness or {}))
        if d.code == "DR201":
            assert got.action == "none", (d, got)
        else:
            assert got.ambiguous, (d, got)


@pytest.fixture(scope="module")
def lint_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-lint")


@fuzz_settings(200)
@given(name=st.sampled_from(EXAMPLE_NAMES), ops=st.lists(near_op_st, min_size=1, max_size=3))
def test_near_valid_files_through_the_linter(lint_dir: Path, name: str, ops: list[tuple[str, int, int]]) -> None:
    text = mutate_near(name, ops)
    path = lint_dir / name
    path.write_text(text, encoding="utf-8")
    try:
        with no_hang():
            result = lint_files([str(path)], today=date(2026, 11, 1))
            n_lines = text.count("\n") + 1
            if result.diagnostics:
                check_diagnostics(result.diagnostics, n_lines)
            for d in result.diagnostics:
                assert d.severity is not None
            assert result.exit_code() in (0, 1, 2)
            assert (result.exit_code() == 2) == result.unreadable
            check_witnesses(str(path), result.diagnostics)
            event("lint: " + (", ".join(sorted({d.code for d in result.diagnostics})) or "clean"))
    except Exception:
        save_crash("lint", text.encode("utf-8"))
        raise
