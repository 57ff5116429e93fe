"""Fuzzing requests: random requests through `build_request` (the Python API) and through the CLI's
`--request` / `KEY=VALUE` / `--at` handling, in the same example.

Acceptance (issue "Hostile and broken input"): wrong types, unknown names, look-alike letters, huge
numbers, deep JSON and very long strings never give a traceback or a hang: `build_request` returns a
Request (which `decide` and `explain` then answer) or raises `RequestError` with a message; the CLI
exits 0 with an answer or 2 with `error: …` on stderr — never its "internal error" line.

The campaign draws 5,000 derandomized examples; each one goes
  1. through `build_request` with Python values (sets, tuples, NaN, huge ints, deep lists …),
  2. as JSON through `diaryrules query FILE --request JSON [--at …]`, in-process through
     `diaryrules.cli.main()` (the command built once, the rule file loaded once: both are what
     they are for every request; subprocesses are kept for a few cases at the end), and
  3. when it can be written as words, through `KEY=VALUE` words (`parse_words`, then the CLI).
Inputs that crashed are saved under tests/fixtures/crashes/request-*.json and replayed by
`test_saved_request_crashes_are_fixed`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.control import current_build_context, currently_in_test_context

from diaryrules import cli
from diaryrules.evaluate import Decision, decide, explain
from diaryrules.linter import load
from diaryrules.request import MAX_VALUE_CHARS, Request, RequestError, build_request, parse_words
from tests import helpers

ROOT = Path(__file__).resolve().parent.parent
CRASHES = Path(__file__).parent / "fixtures" / "crashes"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5000"))
FILES = {
    "mds": ROOT / "examples" / "maison-de-sante.diary.yaml",
    "guide": ROOT / "examples" / "guide-final.diary.yaml",
}


def fuzz_settings(n: int = EXAMPLES) -> Any:
    return helpers.fuzz_settings(n)


@cache
def practice(name: str) -> Any:
    return load(str(FILES[name]))


# -- the CLI, in-process ---------------------------------------------------------------------------

REAL_APP = cli.app


@cache
def _command() -> Any:
    import typer.main

    return typer.main.get_command(REAL_APP)


@contextlib.contextmanager
def fast_cli() -> Iterator[None]:
    """`cli.main()` as it is, with typer's command built once and each rule file loaded once."""
    real_app, real_practice = cli.app, cli._practice
    cli.app = lambda **kw: _command()(**kw)  # type: ignore[assignment]
    cli._practice = lambda path: practice(next(k for k, v in FILES.items() if str(v) == path))  # type: ignore
    try:
        yield
    finally:
        cli.app, cli._practice = real_app, real_practice


def run_cli(args: list[str]) -> tuple[int, str, str]:
    return helpers.run_cli(*args)


def check_cli(code: int, out: str, err: str, fmt: str) -> None:
    assert "internal error" not in err and "Traceback" not in err, err[:2000]
    assert code in (0, 2), (code, out[:500], err[:500])
    if code == 2:  # ours, or click's usage error (a word starting with `-` is read as an option)
        assert (err.startswith("error: ") and len(err.strip()) > len("error:")) or (
            err.startswith("Usage: ") and "\nError: " in err
        ), err[:500]
    elif fmt == "json":
        answer = json.loads(out)
        assert answer["action"] in DECISION_ACTIONS, answer
    else:
        assert out.strip(), "an answer without text"


# -- requests --------------------------------------------------------------------------------------


def names_of(p: Any) -> list[str]:
    return sorted(k for k in p.attributes if not k.startswith("call."))


def lookalike(word: str) -> str:
    return word.replace("a", "а", 1).replace("o", "о", 1).replace("e", "е", 1)  # Cyrillic а, о, е


def huge(negative: bool) -> int:
    """A 5,001-digit integer (Python's str() and json refuse those: hypothesis must not print it)."""
    return -(10**5000) if negative else 10**5000


DECISION_ACTIONS = ("book", "validate", "callback", "redirect", "refuse", "transfer", "ask", "none")
DEEP = 200  # nesting of lists/objects; the CLI receives deeper JSON as text (below)
KEYS = [
    "reason",
    "patient",
    "age",
    "pregnant",
    "symptoms",
    "urgency",
    "practitioner",
    "site",
    "at",
    "call.day",
    "call.date",
    "call.holiday",
    "reasons",
    "Reason",
    "REASON",
    " reason",
    "reason ",
    "",
    "k" * 300,
    lookalike("patient"),
    lookalike("reason"),
    "âge",
    "😀",
    "\x00",
    "age\n",
    "1",
    "null",
    "__proto__",
]
WORDS = [
    "consultation",
    "renewal",
    "first-visit",
    "certificate",
    "urgent",
    "acute",
    "new",
    "known",
    "yes",
    "no",
    "true",
    "false",
    "oui",
    "non",
    "1",
    "0",
    "-1",
    "54",
    "121",
    "0x10",
    "1e3",
    "5.0",
    "  54  ",
    "chest_pain",
    "chest_pain,high_fever",
    "chest_pain, ,",
    ",",
    "martin",
    "nguyen",
    "centre",
    "annexe",
    "none",
    "",
    " ",
    "\t",
    "consultaion",
    lookalike("consultation"),
    lookalike("known"),
    "x" * MAX_VALUE_CHARS,
    "x" * (MAX_VALUE_CHARS + 1),
    "9" * 300,
    "é",
    "\u202e",
    "\x00",
    "null",
    "{}",
    "[]",
]
ATS = [
    "2026-12-01T10:00",
    "2026-12-01T10:00:00+01:00",
    "2026-12-01T09:00Z",
    "2026-12-24",
    "2026-03-29T02:30",
    "2026-10-25T02:30",
    "2027-01-01T09:00",
    "2026-12-01 10:00",
    "2026-13-01T10:00",
    "2026-12-01T25:00",
    "demain",
    "",
    " ",
    "0001-01-01T00:00",
    "0001-01-01T00:00+14:00",
    "9999-12-31T23:59",
    "9999-12-31T23:59-12:00",
    "2026-12-01T10:00+25:00",
    "2026-W49-2",
    "20261201T1000",
    "9" * 300,
    "2026-12-01T10:00" + " " * 300,
]


def long_text(kind: str) -> str:
    """Very long strings (made on demand: Hypothesis need not print them)."""
    return {
        "key": "k" * 100_000,
        "word": "y" * 100_000,
        "digits": "9" * 5000,
        "at": "2026-12-01T10:00" + " " * 50_000,
        "lookalike": lookalike("consultation") * 1000,
    }[kind]


long_st = st.builds(long_text, st.sampled_from(["key", "word", "digits", "at", "lookalike"]))

leaf = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=12),
    st.booleans(),
    st.none(),
    st.integers(-(10**6), 10**6),
    st.sampled_from([0, 1, 2, -1, 121, 2**63, -(2**63), 10**30]),
    st.builds(huge, st.booleans()),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.5, 54.0, 1e308, -0.0]),
)
value = st.recursive(
    leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS[:8]), inner, max_size=2),
    max_leaves=4,
)


def nested(kind: str) -> Any:
    """Deeply nested lists or objects (Python's json refuses to write deeper than ~1,000: the CLI
    gets deeper JSON as text, in test_hostile_request_files)."""
    v: Any = "known"
    for _ in range(DEEP):
        v = [v] if kind == "list" else {"x": v}
    return v


class Opaque:
    """An object that is no JSON and no text a request could hold."""

    def __repr__(self) -> str:
        return "Opaque()"


def odd(kind: str) -> Any:
    return {
        "deep-list": lambda: nested("list"),
        "deep-dict": lambda: nested("dict"),
        "set": set,
        "frozenset": lambda: frozenset({"chest_pain"}),
        "tuple": lambda: ("known",),
        "bytes": lambda: b"known",
        "object": Opaque,
        "nan": lambda: math.nan,
        "inf": lambda: math.inf,
    }[kind]()


odd_st = st.builds(
    odd,
    st.sampled_from(["deep-list", "deep-dict", "set", "frozenset", "tuple", "bytes", "object", "nan", "inf"]),
)


@cache
def key_st(p_name: str) -> st.SearchStrategy[str]:
    """Mostly the practice's own names; now and then a wrong one, free text or a very long name."""
    own = st.sampled_from(names_of(practice(p_name)) + ["reason", "practitioner", "site", "at"])
    return st.one_of(own, own, own, st.sampled_from(KEYS), st.text(max_size=6), long_st)


@cache
def valid_values(p_name: str, key: str) -> st.SearchStrategy[Any]:
    """Values a caller could rightly give for `key` (so that many requests reach `decide`)."""
    p = practice(p_name)
    if key == "reason":
        return st.sampled_from(sorted(p.reasons))
    if key == "at":
        return st.sampled_from(ATS[:8])
    attr = p.attributes.get(key)
    kind = getattr(attr, "kind", None)
    if kind == "enum":
        return st.sampled_from(list(attr.values))  # type: ignore[union-attr]
    if kind == "int":
        return st.one_of(st.integers(attr.lo, attr.hi), st.integers(attr.lo, attr.hi).map(str))  # type: ignore
    if kind == "bool":
        return st.sampled_from([True, False, "yes", "no", "oui", "non", 1, 0])
    if kind == "set":
        return st.lists(st.sampled_from(list(attr.values)), max_size=3)  # type: ignore[union-attr]
    return st.nothing()


@cache
def value_for(p_name: str) -> Any:
    """Anything at all: values of other attributes, wrong types, odd Python objects, long text."""
    p = practice(p_name)
    domain: list[Any] = list(p.reasons) + list(p.practitioners) + list(p.sites) + ["none"]
    for a in p.attributes.values():
        domain += list(getattr(a, "values", ()) or ())
    return st.one_of(
        st.sampled_from(sorted(set(domain))),
        value,
        st.sampled_from(ATS),
        odd_st,
        long_st,
        st.lists(st.sampled_from(sorted(set(domain))), max_size=4),
    )


@st.composite
def requests(draw: Any) -> tuple[str, dict[str, Any], str | None, str]:
    p_name = draw(st.sampled_from(sorted(FILES)))
    given: dict[str, Any] = {}
    for _ in range(draw(st.integers(0, 4))):
        key = draw(key_st(p_name))
        given[key] = draw(st.one_of(valid_values(p_name, key), value_for(p_name)))
    at = draw(st.one_of(st.none(), st.sampled_from(ATS), long_st))
    fmt = draw(st.sampled_from(["json", "human"]))
    return p_name, given, at, fmt


# -- saved crashes: requests, including Python values JSON cannot hold --------------------------


def encode(v: Any) -> Any:
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v if v.bit_length() < 1000 else {"$int": hex(v)}
    if isinstance(v, float):
        return v if math.isfinite(v) else {"$float": repr(v)}
    if isinstance(v, list):
        return [encode(x) for x in v]
    if isinstance(v, dict):
        return {"$dict": [[encode(k), encode(x)] for k, x in v.items()]}
    if isinstance(v, (set, frozenset, tuple)):
        return {f"${type(v).__name__}": [encode(x) for x in v]}
    if isinstance(v, bytes):
        return {"$bytes": v.hex()}
    return {"$opaque": None}


def decode(v: Any) -> Any:
    if isinstance(v, list):
        return [decode(x) for x in v]
    if not isinstance(v, dict):
        return v
    ((tag, x),) = v.items()
    return {
        "$int": lambda: int(x, 16),
        "$float": lambda: float(x),
        "$dict": lambda: {decode(k): decode(y) for k, y in x},
        "$set": lambda: {decode(y) for y in x},
        "$frozenset": lambda: frozenset(decode(y) for y in x),
        "$tuple": lambda: tuple(decode(y) for y in x),
        "$bytes": lambda: bytes.fromhex(x),
        "$opaque": Opaque,
    }[tag]()


def save_crash(case: tuple[str, dict[str, Any], Any, str]) -> None:
    """Keep a failing request (the final, shrunk one) as a regression fixture."""
    if not currently_in_test_context() or not current_build_context().is_final:
        return
    p_name, given, at, fmt = case
    text = json.dumps(
        {"file": FILES[p_name].name, "request": encode(given), "at": encode(at), "format": fmt},
        ensure_ascii=False,
        indent=1,
    )
    CRASHES.mkdir(parents=True, exist_ok=True)
    (CRASHES / f"request-{hashlib.sha1(text.encode()).hexdigest()[:8]}.json").write_text(
        text, encoding="utf-8"
    )


def as_json(given: dict[str, Any]) -> str | None:
    """The request as JSON text, or None when it holds something JSON cannot say (a set, bytes …)."""
    try:
        return json.dumps(given, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        return None


def through_api(p_name: str, given: dict[str, Any], at: Any) -> None:
    p = practice(p_name)
    try:
        req = build_request(p.attributes, given, at, p.zone, p.calendar, p.used_attributes)
    except RequestError as e:
        assert isinstance(e.message, str) and e.message.strip(), e
        assert e.key is None or isinstance(e.key, str)
        return
    assert isinstance(req, Request)
    d = decide(p, req)
    assert isinstance(d, Decision) and d.action in DECISION_ACTIONS, d
    json.dumps(d.to_json())
    explain(p, req)


def through_cli(p_name: str, given: dict[str, Any], at: Any, fmt: str) -> None:
    text = as_json(given)
    at_args = ["--at", at] if isinstance(at, str) else []

    def check(code: int, out: str, err: str) -> None:
        check_cli(code, out, err, fmt)

    if text is not None:
        check(*run_cli(["query", str(FILES[p_name]), "--request", text, *at_args, "--format", fmt]))
    if all(isinstance(k, str) and isinstance(v, str) and "\x00" not in k + v for k, v in given.items()):
        words = [f"{k}={v}" for k, v in given.items()]
        try:
            parse_words(words)
        except RequestError as e:
            assert e.message.strip()
        check(*run_cli(["query", str(FILES[p_name]), *words, *at_args, "--format", fmt]))


@fuzz_settings()
@given(case=requests())
def test_random_requests(case: tuple[str, dict[str, Any], Any, str]) -> None:
    p_name, given, at, fmt = case
    try:
        through_api(p_name, given, at)
        with fast_cli():
            through_cli(p_name, given, at, fmt)
    except BaseException:
        save_crash(case)
        raise


def test_saved_request_crashes_are_fixed() -> None:
    for path in sorted(CRASHES.glob("request-*.json")) if CRASHES.exists() else []:
        case = json.loads(path.read_text(encoding="utf-8"))
        p_name = next(k for k, v in FILES.items() if v.name == case["file"])
        given, at = decode(case["request"]), decode(case["at"])
        through_api(p_name, given, at)
        with fast_cli():
            through_cli(p_name, given, at, case.get("format", "json"))


def test_call_moment_at_the_edge_of_time() -> None:
    """Once an OverflowError (fixed in afe7d9c): a call moment outside 1900–2199 is a clear error."""
    p = practice("mds")
    for at in ("0001-01-01T00:00+14:00", "9999-12-31T23:59-12:00"):
        with pytest.raises(RequestError) as info:
            build_request(p.attributes, {}, at, p.zone, p.calendar, p.used_attributes)
        assert info.value.message == f"`{at}` is outside the years diaryrules handles (1900–2199)"
    with fast_cli():
        code, _out, err = run_cli(
            ["query", str(FILES["mds"]), "reason=consultation", "--at", "0001-01-01T00:00+14:00"]
        )
    assert (code, err) == (
        2,
        "error: --at: `0001-01-01T00:00+14:00` is outside the years diaryrules handles (1900–2199)\n",
    )


def test_python_set_for_a_yes_no_attribute() -> None:
    p = practice("mds")
    with pytest.raises(RequestError):
        build_request(p.attributes, {"pregnant": set()}, None, p.zone)


def test_huge_number_inside_a_set_value() -> None:
    p = practice("mds")
    with pytest.raises(RequestError):
        build_request(p.attributes, {"symptoms": [huge(False)]}, None, p.zone)


# -- deep JSON, long strings and huge numbers as a file: `--request @file` --------------------------

HOSTILE = {
    "deep list": "[" * 100_000 + "]" * 100_000,
    "deep object": '{"age":' + "[" * 100_000 + "]" * 100_000 + "}",
    "long key": json.dumps({"k" * 1_000_000: 1}),
    "long value": json.dumps({"reason": "r" * 1_000_000}),
    "huge number": '{"age": ' + "9" * 5000 + "}",
    "huge number in a list": '{"symptoms": [' + "9" * 5000 + "]}",
    "not an object": '"reason=renewal"',
    "not JSON": "reason=renewal",
    "NaN": '{"age": NaN}',
    "empty": "",
}


def cli_subprocess(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DIARYRULES_NO_CACHE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "diaryrules", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )


def check_hostile(label: str, code: int, err: str) -> None:
    assert code == 2, (label, code, err[:300])
    assert err.startswith("error: --request"), (label, err[:300])
    assert "internal error" not in err and "Traceback" not in err, (label, err[:300])
    assert len(err) < 2000, f"{label}: the message repeats the input ({len(err)} characters)"


@pytest.mark.parametrize("label", sorted(HOSTILE))
def test_hostile_request_files(tmp_path: Path, label: str) -> None:
    """`--request @file` (a request too big for a command line): exit 2, a one-line error."""
    path = tmp_path / "request.json"
    path.write_text(HOSTILE[label], encoding="utf-8")
    with fast_cli():
        code, _out, err = run_cli(["query", str(FILES["mds"]), "--request", f"@{path}"])
    check_hostile(label, code, err)


def test_hostile_requests_through_the_real_command(tmp_path: Path) -> None:
    """The same through `python -m diaryrules` itself (one process per input), for the worst two."""
    for label in ("deep object", "huge number"):
        path = tmp_path / f"{label}.json"
        path.write_text(HOSTILE[label], encoding="utf-8")
        r = cli_subprocess("query", str(FILES["mds"]), "--request", f"@{path}")
        check_hostile(label, r.returncode, r.stderr)
