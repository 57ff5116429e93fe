"""Every resource bounded, every limit a clear message and exit code 2.

Acceptance (issue "Hostile and broken input"): one test per limit shows the message, the exit code 2
and that the work stays bounded — counted, never timed: the bytes the loader reads, the YAML nodes it
builds, the conditions the model parses, the tokens the expression parser sees, the did-you-mean
searches a request costs. The file-level limits (size, nesting, rule count) run the real command in
a subprocess; the others run `diaryrules.cli.main()` in-process.

| limit | where | message |
|---|---|---|
| file size 5 MB | loader.MAX_BYTES | `the file is larger than 5 MB` (DR001) |
| nesting depth 64 | loader.MAX_DEPTH | `the file is nested deeper than 64 levels` (DR001) |
| rule count | model.MAX_RULES | `more than N rules in one file` (DR002) |
| expression length | parse.MAX_EXPR_CHARS | `the expression is longer than 4000 characters` (DR003) |
| expression depth | parse.MAX_DEPTH | deeper than 50 `(`, more than 50 `not` or `else` |
| integer size | loader, parse, request, cli | 5,000 digits: DR002/DR003 in a file, `error:` in a request |
| string length | request.MAX_VALUE_CHARS | the value of `reason` is longer than 200 characters |
| recurrence expansion | busy.MAX_OCCURRENCES | `more than N busy occurrences between …` (test_fuzz_ics) |
| look-alike letters | schema, parse | DR002 / DR003 with a "looks like `a`" hint |
| BOM and CRLF | loader | accepted: the same diagnostics as the plain file |

Rule files that once crashed a command are kept in tests/fixtures/crashes/*.diary.yaml; the last test
runs `lint`, `tree` and `slots` on each.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import diaryrules.busy as busy_module
import diaryrules.loader as loader
import diaryrules.model as model
import diaryrules.parse as parse_module
import diaryrules.request as request_module
from tests.helpers import count_calls, run_cli

ROOT = Path(__file__).resolve().parent.parent
SOLO = ROOT / "examples" / "solo-gp.diary.yaml"
MDS = ROOT / "examples" / "maison-de-sante.diary.yaml"
CRASHES = Path(__file__).parent / "fixtures" / "crashes"
SOLO_TEXT = SOLO.read_text(encoding="utf-8")




def run_subprocess(*args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real command (or, with `code`, the CLI after that Python statement: a lowered limit)."""
    env = {**os.environ, "DIARYRULES_NO_CACHE": "1"}
    prefix = ["-c", f"{code}; from diaryrules.cli import main; main()"] if code else ["-m", "diaryrules"]
    return subprocess.run(
        [sys.executable, *prefix, *args], capture_output=True, text=True, env=env, timeout=120, cwd=ROOT
    )


def lint_json(path: Path) -> tuple[int, list[dict[str, Any]]]:
    code, out, err = run_cli("lint", str(path), "--format", "json", "--today", "2026-11-01")
    assert "internal error" not in err, err
    return code, json.loads(out)["diagnostics"]


def no_internal_error(err: str) -> None:
    assert "internal error" not in err and "Traceback" not in err, err[:1000]


def with_rule(when: str, then: str = "book within 7d") -> str:
    """solo-gp with its `consultation` rule's condition (and outcome) replaced."""
    old = "    when: reason is consultation\n    then: book within 7d\n"
    assert old in SOLO_TEXT
    return SOLO_TEXT.replace(old, f"    when: {when}\n    then: {then}\n")


@pytest.fixture
def nodes_built(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the YAML nodes the loader builds."""
    return count_calls(monkeypatch, loader._Builder, "_node")


@pytest.fixture
def tokens_seen(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the tokens the expression parsers are given (every call to a grammar's parser)."""
    count = [0]
    real_parser = parse_module.parser

    class Counting:
        def __init__(self, lark: Any) -> None:
            self.lark = lark

        def parse(self, text: str, *args: Any, **kw: Any) -> Any:
            count[0] += sum(1 for _ in self.lark.lex(text)) if len(text) < 100_000 else len(text)
            return self.lark.parse(text, *args, **kw)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.lark, name)

    monkeypatch.setattr(parse_module, "parser", lambda grammar: Counting(real_parser(grammar)))
    return count


# -- file size -------------------------------------------------------------------------------------


def test_file_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nodes_built: list[int]) -> None:
    """A 1 GB rule file (sparse: it costs no disk): exit 2, DR001 at 1:1; the loader reads 5 MB + 1
    byte of it and builds no YAML node."""
    big = tmp_path / "big.diary.yaml"
    with big.open("wb") as f:
        f.write(b"diaryrules: 1\n# ")
        f.truncate(1 << 30)
    r = run_subprocess("lint", str(big))
    assert r.returncode == 2, (r.returncode, r.stdout[-500:], r.stderr[-500:])
    assert f"{big}:1:1: error[DR001] the file is larger than 5 MB" in r.stdout, r.stdout[:500]
    no_internal_error(r.stderr)

    read = [0]
    real_open = open

    def counting_open(*args: Any, **kw: Any) -> Any:
        f = real_open(*args, **kw)
        real_read = f.read

        def read_counted(n: int = -1) -> Any:
            data = real_read(n)
            read[0] += len(data)
            return data

        f.read = read_counted
        return f

    monkeypatch.setattr(loader, "open", counting_open, raising=False)
    src = loader.load_file(str(big))
    assert [d.message for d in src.diagnostics] == ["the file is larger than 5 MB"]
    assert read[0] == loader.MAX_BYTES + 1
    assert nodes_built[0] == 0


# -- nesting depth ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "label, text, position",
    [
        ("flow", "diaryrules: 1\nx: " + "[" * 500 + "]" * 500 + "\n", (2, 67)),
        (
            "block",
            "diaryrules: 1\n" + "".join(" " * (2 * i) + f"k{i}:\n" for i in range(1000)) + " " * 2000 + "v\n",
            (65, 127),
        ),
    ],
)
def test_nesting_depth(
    tmp_path: Path, nodes_built: list[int], label: str, text: str, position: tuple[int, int]
) -> None:
    """500 nested lists, 1,000 nested maps: exit 2, DR001 where the 65th level opens; the loader
    builds no more nodes than 64 levels hold."""
    deep = tmp_path / f"{label}.diary.yaml"
    deep.write_text(text, encoding="utf-8")
    r = run_subprocess("lint", str(deep))
    assert r.returncode == 2, (r.returncode, r.stdout[-500:], r.stderr[-500:])
    line, column = position
    assert f"{deep}:{line}:{column}: error[DR001] the file is nested deeper than 64 levels" in r.stdout, (
        r.stdout[:300]
    )
    no_internal_error(r.stderr)
    src = loader.load_file(str(deep))
    assert [d.message for d in src.diagnostics] == ["the file is nested deeper than 64 levels"]
    assert nodes_built[0] <= 2 * loader.MAX_DEPTH + 4  # a key and a value per level of maps


def test_nesting_beyond_libyaml(tmp_path: Path, nodes_built: list[int]) -> None:
    """100,000 nested lists: libyaml's scanner refuses them first (its own limit is 1,000 levels):
    still DR001 with a position and exit 2, and the loader builds a handful of nodes."""
    deep = tmp_path / "deeper.diary.yaml"
    deep.write_text("diaryrules: 1\nx: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    code, diags = lint_json(deep)
    assert code == 2
    [d] = diags
    assert (d["code"], d["line"], d["message"]) == (
        "DR001",
        2,
        "YAML syntax error: exceeded maximum nesting depth",
    )
    assert nodes_built[0] <= 6  # the root, `diaryrules`, 1, `x` and what libyaml gave before refusing


# -- rule count ------------------------------------------------------------------------------------


def many_rules(n: int) -> str:
    """solo-gp with n rules (its triage rule counts too: MAX_RULES counts every tier)."""
    head, _, rest = SOLO_TEXT.partition("\nrules:\n")
    _, _, tail = rest.partition("\ntests:\n")
    rules = "".join(f"  - id: r{i}\n    when: age is {i % 100}\n    then: refuse\n" for i in range(n))
    return f"{head}\nrules:\n{rules}\ntests:\n{tail}"


def test_rule_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """More rules than model.MAX_RULES: exit 2, DR002 at the first rule too many, and no condition
    after it is parsed. The subprocess lowers the limit to 50 so that the file stays small (20,001
    real rules take ten seconds to read: schema and parser are linear in the file)."""
    text = many_rules(200)
    path = tmp_path / "many.diary.yaml"
    path.write_text(text, encoding="utf-8")
    first_too_many = 1 + text.split("\n").index("  - id: r49")  # the 51st: triage has one rule
    r = run_subprocess("lint", str(path), code="import diaryrules.model as m; m.MAX_RULES = 50")
    assert r.returncode == 2, (r.returncode, r.stdout[-500:], r.stderr[-500:])
    assert f"{path}:{first_too_many}:5: error[DR002] more than 50 rules in one file" in r.stdout, r.stdout[
        :800
    ]
    assert "hint: split the practice into several files" in r.stdout
    assert r.stdout.count("error[") == 1, r.stdout[:2000]
    no_internal_error(r.stderr)

    parsed: list[str] = []
    real = model.parse_condition

    def counting(text: str, locate: Any) -> Any:
        parsed.append(text)
        return real(text, locate)

    monkeypatch.setattr(model, "MAX_RULES", 50)
    monkeypatch.setattr(model, "parse_condition", counting)
    code, diags = lint_json(path)
    assert code == 2
    assert [d["message"] for d in diags] == ["more than 50 rules in one file"]
    assert sum(1 for t in parsed if t.startswith("age is")) == 49  # r0 … r48: r49 is the 51st rule


# -- expression length and depth -------------------------------------------------------------------


def test_expression_length(tmp_path: Path, tokens_seen: list[int]) -> None:
    """A 100,000-character condition: exit 2, DR003 pointing at its 4,001st character; the parser
    is never given it."""
    when = "reason is consultation" + " or reason is renewal" * 5000
    path = tmp_path / "long.diary.yaml"
    path.write_text(with_rule(when), encoding="utf-8")
    code, diags = lint_json(path)
    assert code == 2
    [d] = [d for d in diags if d["code"] == "DR003"]
    line = with_rule(when).split("\n").index(f"    when: {when}") + 1
    assert (d["line"], d["column"], d["message"]) == (
        line,
        11 + parse_module.MAX_EXPR_CHARS,
        "the expression is longer than 4000 characters",
    )
    assert tokens_seen[0] < 200, tokens_seen  # the other, ordinary expressions of the file


@pytest.mark.parametrize(
    "label, when, then, message",
    [
        (
            "parentheses",
            "(" * 1000 + "reason is consultation" + ")" * 1000,
            "book within 7d",
            "the expression nests deeper than 50 parentheses",
        ),
        (
            "braces",
            "reason in " + "{" * 200 + "consultation" + "}" * 200,
            "book within 7d",
            "the expression nests deeper than 50 parentheses",
        ),
        ("not", "not " * 900 + "red_flag", "book within 7d", "the expression uses `not` more than 50 times"),
        (
            "else",
            "reason is consultation",
            "book within 7d" + " else book" * 390,
            "the outcome chains more than 50 `else` fallbacks",
        ),
    ],
)
def test_expression_depth(
    tmp_path: Path, tokens_seen: list[int], label: str, when: str, then: str, message: str
) -> None:
    """Deep nesting inside the length limit: exit 2 with DR003, never Python's recursion limit;
    refused before the parser sees a token."""
    path = tmp_path / f"{label}.diary.yaml"
    path.write_text(with_rule(when, then), encoding="utf-8")
    before = tokens_seen[0]
    code, diags = lint_json(path)
    assert code == 2, diags
    assert [d["message"] for d in diags if d["code"] == "DR003"] == [message]
    seen_by_others = tokens_seen[0] - before
    assert seen_by_others < 200, seen_by_others


@pytest.mark.parametrize(
    "when, then",
    [
        ("(" * 50 + "reason is consultation" + ")" * 50, "book within 7d"),
        ("not " * 50 + "red_flag", "book within 7d"),
        ("reason is consultation", "book within 7d" + " else book within 14d" * 50),
    ],
)
def test_expression_depth_at_the_limit_runs_everywhere(tmp_path: Path, when: str, then: str) -> None:
    """At the limit the expression is read, compiled, queried, drawn as a tree and searched for slots."""
    path = tmp_path / "at-limit.diary.yaml"
    path.write_text(with_rule(when, then), encoding="utf-8")
    request = json.dumps({"reason": "consultation", "patient": "known", "red_flag": "no", "age": 40})
    for args in (
        ["lint", str(path), "--today", "2026-11-01"],
        ["tree", str(path)],
        ["query", str(path), "--request", request, "--at", "2026-12-01T10:00"],
        ["slots", str(path), "--request", request, "--at", "2026-12-01T10:00", "--days", "2"],
    ):
        code, _out, err = run_cli(*args)
        no_internal_error(err)
        assert code in (0, 1), (args[0], code, err[:500])


# -- integer size ----------------------------------------------------------------------------------


def test_integer_size_in_a_rule_file(tmp_path: Path, tokens_seen: list[int]) -> None:
    """A 5,000-digit number: as a YAML value it stays text (DR002 names what was expected); in a
    condition it is longer than an expression may be (DR003, unparsed); 3,900 digits fit in a
    condition and are out of the attribute's range (DR005). Exit 2 each time."""
    digits = "9" * 5000
    cases = [
        (
            SOLO_TEXT.replace("diaryrules: 1\n", f"diaryrules: {digits}\n", 1),
            "DR002",
            "`diaryrules` must be 1, the format version this tool reads (got `" + "9" * 39 + "…`)",
        ),
        (with_rule(f"age < {digits}"), "DR003", "the expression is longer than 4000 characters"),
    ]
    for i, (text, code_, message) in enumerate(cases):
        path = tmp_path / f"int{i}.diary.yaml"
        path.write_text(text, encoding="utf-8")
        code, diags = lint_json(path)
        assert code == 2, diags
        assert [(d["code"], d["message"]) for d in diags] == [(code_, message)]
    assert tokens_seen[0] < 300
    path = tmp_path / "int-fits.diary.yaml"
    path.write_text(with_rule(f"reason is consultation and age < {'9' * 3900}"), encoding="utf-8")
    code, diags = lint_json(path)
    assert code == 1  # a type error (DR005): the file is read, its values are wrong
    [d] = diags
    assert d["code"] == "DR005" and d["message"].endswith("is outside the range of `age` (0..120)"), d
    assert len(d["message"]) < 4100


def test_integer_size_in_a_request(tmp_path: Path) -> None:
    digits = "9" * 5000
    code, _out, err = run_cli("query", str(SOLO), "--request", f'{{"age": {digits}}}')
    assert (code, err) == (
        2,
        "error: --request: a number has more than 4,300 digits\n  hint: no attribute takes such a number\n",
    )
    code, _out, err = run_cli("query", str(SOLO), f"age={digits}", "reason=renewal")
    assert (code, err) == (2, "error: the value of `age` is longer than 200 characters\n")
    p = load_solo()
    with pytest.raises(request_module.RequestError) as info:
        request_module.build_request(p.attributes, {"age": 10**5000}, None, p.zone)
    assert info.value.message == "the value of `age` is a number of more than 4,000 digits"


def load_solo() -> Any:
    from diaryrules.linter import load

    return load(str(SOLO))


# -- string length ---------------------------------------------------------------------------------


def test_string_length_in_a_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Request values longer than 200 characters, and names longer than that: exit 2, a message
    that does not repeat them, and no did-you-mean search over a megabyte."""
    searched: list[int] = []
    real = request_module.did_you_mean

    def counting(word: str, candidates: Any) -> Any:
        searched.append(len(word))
        return real(word, candidates)

    monkeypatch.setattr(request_module, "did_you_mean", counting)
    long_value = tmp_path / "value.json"
    long_value.write_text(json.dumps({"reason": "r" * 1_000_000}), encoding="utf-8")
    long_name = tmp_path / "name.json"
    long_name.write_text(json.dumps({"r" * 1_000_000: "renewal"}), encoding="utf-8")
    for args, expected in (
        (["reason=" + "r" * 201], "error: the value of `reason` is longer than 200 characters\n"),
        (
            ["--request", f"@{long_value}"],
            "error: --request `reason`: the value of `reason` is longer than 200 characters\n",
        ),
        (
            ["--request", f"@{long_name}"],
            "error: --request: an attribute name is longer than 200 characters\n",
        ),
    ):
        code, _out, err = run_cli("query", str(SOLO), *args)
        assert (code, err) == (2, expected)
    assert max(searched, default=0) <= request_module.MAX_VALUE_CHARS


# -- recurrence expansion --------------------------------------------------------------------------


def test_recurrence_expansion_through_slots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`slots --busy` with an event every minute and no end: exit 2 naming the file; busy.py turns
    at most MAX_OCCURRENCES occurrences into busy times (lowered to 500 here; see test_fuzz_ics)."""
    monkeypatch.setattr(busy_module, "MAX_OCCURRENCES", 500)
    count = count_calls(monkeypatch, busy_module._Ics, "_interval")
    ics = tmp_path / "bernard.ics"
    ics.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:m@x\r\n"
        "DTSTART:20261201T000000Z\r\nDURATION:PT1M\r\nRRULE:FREQ=MINUTELY\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n",
        encoding="utf-8",
    )
    code, _out, err = run_cli(
        "slots",
        str(SOLO),
        "reason=renewal",
        "patient=known",
        "red_flag=no",
        "--at",
        "2026-12-01T09:00",
        "--days",
        "2",
        "--busy",
        str(ics),
    )
    assert code == 2, err
    assert re.fullmatch(
        rf"error: {re.escape(str(ics))}: more than 500 busy occurrences between \S+ and \S+\n"
        r"  hint: .*export a shorter period\n",
        err,
    ), err
    assert count[0] == 500


# -- look-alike letters ----------------------------------------------------------------------------


def test_lookalike_letter_in_an_id() -> None:
    """A Cyrillic `а` in `mаrtin` as a key: exit 2, DR002 with a hint naming the letter."""
    code, diags = lint_json(ROOT / "tests" / "fixtures" / "errors" / "dr002-lookalike-letter.diary.yaml")
    assert code == 2
    [d] = diags
    assert (d["code"], d["line"], d["column"]) == ("DR002", 15, 3)
    assert "that looks like `a`" in d["hint"] and "U+0430 CYRILLIC SMALL LETTER A" in d["hint"]
    assert d["hint"].endswith("write `martin`")


def test_lookalike_letter_in_a_condition(tmp_path: Path) -> None:
    """`reason is cоnsultation` with a Cyrillic `о`: exit 2, DR003 at the letter, the same kind of hint."""
    path = tmp_path / "o.diary.yaml"
    text = with_rule("reason is cоnsultation")
    path.write_text(text, encoding="utf-8")
    code, diags = lint_json(path)
    assert code == 2
    [d] = diags
    line = text.split("\n").index("    when: reason is cоnsultation") + 1
    assert (d["code"], d["line"], d["column"], d["message"]) == (
        "DR003",
        line,
        22,
        "`о` is not allowed in names",
    )
    assert "that looks like `o`" in d["hint"] and d["hint"].endswith("write `consultation`")


# -- BOM and CRLF ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "example",
    [
        "examples/solo-gp.diary.yaml",
        "examples/broken/dr101-overlapping-renewals.diary.yaml",
        "tests/fixtures/errors/dr003-missing-and.diary.yaml",
    ],
)
def test_bom_and_crlf_lint_exactly_like_the_original(tmp_path: Path, example: str) -> None:
    original = ROOT / example
    copy = tmp_path / original.name
    copy.write_bytes(b"\xef\xbb\xbf" + original.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    code_a, diags_a = lint_json(original)
    code_b, diags_b = lint_json(copy)
    assert code_a == code_b

    def same(diags: list[dict[str, Any]], name: str) -> str:
        return json.dumps(diags, sort_keys=True).replace(name, "FILE")

    assert same(diags_a, str(original)) == same(diags_b, str(copy))


# -- rule files that once crashed ------------------------------------------------------------------



def saved_rule_files() -> list[Any]:
    files = sorted(CRASHES.glob("*.diary.yaml")) if CRASHES.exists() else []
    return [pytest.param(f, id=f.name) for f in files]


@pytest.mark.parametrize("saved", saved_rule_files())
def test_saved_rule_file_crashes(saved: Path) -> None:
    """lint, tree and slots on each saved crash: an answer or a clear error, never "internal error"."""
    request = json.dumps({"reason": "renewal", "patient": "known", "red_flag": "no"})
    for args in (
        ["lint", str(saved), "--today", "2026-11-01"],
        ["tree", str(saved)],
        ["slots", str(saved), "--request", request, "--at", "2026-12-01T10:00", "--days", "2"],
    ):
        code, _out, err = run_cli(*args)
        no_internal_error(err)
        assert code in (0, 1, 2)
