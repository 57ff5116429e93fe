"""Rendering of lint diagnostics: human (plain and rich), JSON, GitHub workflow commands, SARIF 2.1.0.

Golden files live in tests/golden/report/; regenerate them with
``UPDATE_GOLDEN=1 pytest tests/test_report.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from types import MappingProxyType

import jsonschema
import pytest

from diaryrules import report
from diaryrules.diagnostics import Diagnostic, Related, Severity, Span, sort_diagnostics
from diaryrules.report import (
    caret_block,
    escape_data,
    escape_property,
    render,
    render_github,
    render_human,
    render_json,
    render_sarif,
)

HERE = Path(__file__).parent
GOLDEN = HERE / "golden" / "report"
SCHEMA = HERE / "data" / "sarif-schema-2.1.0.json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

MAIN = "rules/tilleuls.diary.yaml"
# A file name with every character GitHub properties escape, a space and a non-ASCII letter.
ODD = "sites/croix-rousse, annexe:2 %é.diary.yml"
CLEAN = "rules/clean.diary.yaml"

MAIN_SRC = """\
diaryrules: 1
practice:
  name: Maison de santé des Tilleuls
  timezone: Europe/Paris
practitioners:
  martin:
    name: Dr Claire Martin
    hours: "Mo-Fr 08:30-12:30,14:00-19:0"
rules:
  - id: urgent
    when: reason = urgence and age < 5 and age > 10
    then: book martin within 2h
  - id: urgent-2
    when: reason = urgence
    then: book martn within 2h
  - id: renouvellement
    when: >
      reason = renouvellement
      and patient = known
    then: book martin
"""

ODD_SRC = "diaryrules: 1\npractice:\n\tname: Annexe\n  taux%: 3\n"

RULES = {
    "DR001": ("yaml", "YAML syntax, anchors/aliases, duplicate keys, tabs, size"),
    "DR002": ("schema", "schema: missing/unknown/mistyped key"),
    "DR003": ("expression-syntax", "expression syntax error"),
    "DR004": ("unknown-name", "unknown name"),
    "DR101": ("conflict", "overlapping rules in one tier with different outcomes"),
    "DR102": ("duplicate-rule", "same condition and outcome as another rule"),
    "DR302": ("unsatisfiable", "unsatisfiable condition"),
}


def several() -> list[Diagnostic]:
    """Errors, a warning, an info; related + witness; hints; two files with findings, one without."""
    raw = [
        Diagnostic("DR003", Span(MAIN, 8, 37, 8, 41), "expected a time HH:MM after '-'",
                   hint="write 19:00").with_severity(Severity.ERROR),
        Diagnostic("DR302", Span(MAIN, 11, 11, 11, 52), "unsatisfiable condition: age < 5 and age > 10")
        .with_severity(Severity.ERROR),
        Diagnostic("DR101", Span(MAIN, 10, 5, 10, 15),
                   "conflict: rules 'urgent' and 'urgent-2' both decide this request differently",
                   hint="add `overrides: urgent-2` to the rule that should win",
                   related=(Related(Span(MAIN, 13, 5, 13, 17), "rule 'urgent-2' is here"),
                            Related(Span(MAIN, 15, 11), "its outcome")),
                   witness=MappingProxyType({"reason": "urgence", "age": 3,
                                             "at": "2026-03-02T09:00:00+01:00"}))
        .with_severity(Severity.ERROR),
        Diagnostic("DR004", Span(MAIN, 15, 16, 15, 21), "unknown practitioner 'martn'",
                   hint="did you mean 'martin'?").with_severity(Severity.ERROR),
        Diagnostic("DR102", Span(MAIN, 13, 5, 13, 17),
                   "duplicate rule: same condition and outcome as 'urgent'").with_severity(Severity.WARNING),
        # a span over several lines: the folded `when` of the last rule
        Diagnostic("DR102", Span(MAIN, 17, 11, 19, 26), "rule 'renouvellement' is covered by the default",
                   hint=None).with_severity(Severity.INFO),
        Diagnostic("DR001", Span(ODD, 3, 1, 3, 2), "a tab is used for indentation",
                   hint="YAML indents with spaces only").with_severity(Severity.ERROR),
        Diagnostic("DR002", Span(ODD, 4, 3, 4, 8),
                   "unknown key 'taux%': expected one of: name, timezone, sites\nsee `diaryrules schema`",
                   hint="keys are case-sensitive, e.g. a,b: c").with_severity(Severity.WARNING),
        # severity OFF never reaches the output
        Diagnostic("DR303", Span(MAIN, 2, 1), "switched off").with_severity(Severity.OFF),
    ]
    return sort_diagnostics(raw)


FILES = [MAIN, ODD, CLEAN]
SOURCES = {MAIN: MAIN_SRC, ODD: ODD_SRC, CLEAN: "diaryrules: 1\n"}


@pytest.fixture(autouse=True)
def fixed_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "_tool_version", lambda: "9.9.9-test")


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    assert path.exists(), f"missing golden file {path}: run with UPDATE_GOLDEN=1"
    with path.open(encoding="utf-8", newline="") as f:
        assert text == f.read()


# ------------------------------------------------------------------------------ goldens


@pytest.mark.parametrize(("fmt", "golden"), [
    ("human", "several.human.txt"),
    ("json", "several.json"),
    ("github", "several.github.txt"),
    ("sarif", "several.sarif.json"),
])
def test_golden(fmt: str, golden: str) -> None:
    out = render(fmt, several(), FILES, SOURCES, rules=RULES)
    check_golden(golden, out)
    assert out == render(fmt, several(), FILES, SOURCES, rules=RULES)  # deterministic
    assert out.endswith("\n")


def test_render_dispatches_to_helpers() -> None:
    d = several()
    assert render("human", d, FILES, SOURCES) == render_human(d, FILES, SOURCES)
    assert render("json", d, FILES, SOURCES) == render_json(d, FILES)
    assert render("github", d, FILES, SOURCES) == render_github(d)
    assert render("sarif", d, FILES, SOURCES, rules=RULES) == render_sarif(d, FILES, rules=RULES)


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render("xml", [], [], {})


# ------------------------------------------------------------------------------ human


def test_human_color_has_ansi_plain_has_none() -> None:
    plain = render("human", several(), FILES, SOURCES)
    colored = render("human", several(), FILES, SOURCES, color=True)
    assert "\x1b" not in plain
    assert "\x1b[" in colored
    assert ANSI.sub("", colored) == plain


def test_human_color_ignores_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = render("human", several(), FILES, SOURCES, color=True)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("COLUMNS", "20")
    assert render("human", several(), FILES, SOURCES, color=True) == expected
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b" not in render("human", several(), FILES, SOURCES)


def test_human_summary_lines() -> None:
    assert render_human([], [MAIN], {}) == "No problems in 1 file.\n"
    assert render_human([], FILES, {}) == "No problems in 3 files.\n"
    one = [Diagnostic("DR001", Span(MAIN, 1, 1), "x").with_severity(Severity.ERROR)]
    assert render_human(one, [MAIN], {}).splitlines()[-1] == "1 error, 0 warnings, 0 infos in 1 file"
    two = one + [Diagnostic("DR205", Span(MAIN, 2, 1), "y").with_severity(Severity.INFO),
                 Diagnostic("DR205", Span(MAIN, 3, 1), "z").with_severity(Severity.INFO)]
    assert render_human(two, FILES, {}).splitlines()[-1] == "1 error, 0 warnings, 2 infos in 3 files"
    off = [Diagnostic("DR001", Span(MAIN, 1, 1), "x").with_severity(Severity.OFF)]
    assert render_human(off, [MAIN], {}) == "No problems in 1 file.\n"


def test_human_without_source_has_no_caret() -> None:
    d = [Diagnostic("DR001", Span(MAIN, 40, 1), "beyond the text", hint="h").with_severity(Severity.ERROR)]
    assert render_human(d, [MAIN], {MAIN: MAIN_SRC}) == (
        f"{MAIN}:40:1: error[DR001] beyond the text\n  hint: h\n\n1 error, 0 warnings, 0 infos in 1 file\n")
    assert render_human(d, [MAIN], {}) == render_human(d, [MAIN], {MAIN: MAIN_SRC})


def test_human_lines_counted_like_yaml() -> None:
    # CRLF and a BOM do not shift lines or columns; a lone CR is a line break for YAML too.
    src = "\ufeffa: 1\r\nb: 2\rc: 3\r\n"
    d = [Diagnostic("DR002", Span("f", 3, 1, 3, 2), "c").with_severity(Severity.ERROR)]
    lines = render_human(d, ["f"], {"f": src}).splitlines()
    assert lines[1:3] == ["    c: 3", "    ^"]


def test_human_control_characters_are_neutralised() -> None:
    src = "a: \x1b[31mred\u202e\n"
    d = [Diagnostic("DR001", Span("f", 1, 4), "bad \x1b[2J char\tthere").with_severity(Severity.ERROR)]
    out = render_human(d, ["f"], {"f": src})
    assert "\x1b" not in out and "\u202e" not in out
    assert "bad \ufffd[2J char there" in out


# ------------------------------------------------------------------------------ caret_block


def test_caret_block_single_and_span() -> None:
    assert caret_block("when: age < 5", 7, None) == "    when: age < 5\n          ^"
    assert caret_block("when: age < 5", 7, 10) == "    when: age < 5\n          ^~~"


def test_caret_block_clamps() -> None:
    # a span past the end of the line is cut at the line's end; an empty span still shows one caret
    assert caret_block("abc", 2, 99) == "    abc\n     ^~"
    assert caret_block("abc", 2, 2) == "    abc\n     ^"
    # a position just after the last character ("expected more")
    assert caret_block("abc", 4, None) == "    abc\n       ^"
    assert caret_block("", 1, None) == "    \n    ^"


def test_caret_block_tabs_expand_consistently() -> None:
    src, carets = caret_block("\tx:\ty", 4, 5).split("\n")
    assert src == "    " + "    x:  y"
    assert carets == "    " + "      ^~"  # the tab after "x:" fills columns 7-8
    assert src[len("    ") + 6:len("    ") + 8] == "  "


def test_caret_block_wide_characters() -> None:
    src, carets = caret_block("a 漢字 b", 3, 5).split("\n")
    assert src == "    a 漢字 b"
    assert carets == "      ^~~~"


# ------------------------------------------------------------------------------ json


def test_json_shape() -> None:
    doc = json.loads(render_json(several(), FILES))
    assert list(doc) == ["files", "diagnostics", "summary"]
    assert doc["files"] == FILES
    assert doc["summary"] == {"error": 5, "warning": 2, "info": 1}
    allowed = ["code", "severity", "file", "line", "column", "message", "hint", "related", "witness"]
    for d in doc["diagnostics"]:
        keys = list(d)
        assert keys == [k for k in allowed if k in keys]
        assert keys[:6] == allowed[:6]
    conflict = next(d for d in doc["diagnostics"] if d["code"] == "DR101")
    assert conflict["related"][0] == {
        "file": MAIN, "line": 13, "column": 5, "message": "rule 'urgent-2' is here"}
    assert conflict["witness"] == {"reason": "urgence", "age": 3, "at": "2026-03-02T09:00:00+01:00"}
    info = next(d for d in doc["diagnostics"] if d["severity"] == "info")
    assert "hint" not in info and "related" not in info and "witness" not in info


def test_json_empty() -> None:
    assert json.loads(render_json([], [MAIN])) == {
        "files": [MAIN], "diagnostics": [], "summary": {"error": 0, "warning": 0, "info": 0}}


# ------------------------------------------------------------------------------ github


def test_github_escaping_matches_toolkit() -> None:
    # the cases of @actions/core's command tests
    assert escape_data("percent % percent % cr \r cr \r lf \n lf \n") == \
        "percent %25 percent %25 cr %0D cr %0D lf %0A lf %0A"
    assert escape_property("percent % percent % cr \r cr \r lf \n lf \n colon : colon : comma , comma ,") == \
        "percent %25 percent %25 cr %0D cr %0D lf %0A lf %0A colon %3A colon %3A comma %2C comma %2C"
    # `%` first, so an escape is never escaped twice
    assert escape_data("%0A") == "%250A"


def test_github_lines() -> None:
    lines = render_github(several()).splitlines()
    assert len(lines) == 8
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    odd = [line for line in lines if "title=DR002" in line][0]
    assert odd.startswith("::warning file=sites/croix-rousse%2C annexe%3A2 %25é.diary.yml,line=4,col=3,"
                          "endLine=4,endColumn=7,title=DR002::")
    assert odd.endswith("::unknown key 'taux%25': expected one of: name, timezone, sites%0A"
                        "see `diaryrules schema` — hint: keys are case-sensitive, e.g. a,b: c")
    multi = [line for line in lines if line.startswith("::notice ")][0]
    assert multi.startswith(f"::notice file={MAIN},line=17,endLine=19,title=DR102::")  # no columns
    assert render_github([]) == ""


# ------------------------------------------------------------------------------ sarif


def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema, default=None)
    assert cls is not None, "the schema must declare its own $schema"
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.mark.parametrize("diags", [several(), []], ids=["several", "empty"])
def test_sarif_valid_against_official_schema(diags: list[Diagnostic]) -> None:
    log = json.loads(render_sarif(diags, FILES, rules=RULES))
    errors = sorted(sarif_validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_sarif_validator_catches_invalid_log() -> None:
    log = json.loads(render_sarif(several(), FILES, rules=RULES))
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert not sarif_validator().is_valid(log)


def test_sarif_content() -> None:
    log = json.loads(render_sarif(several(), FILES, rules=RULES))
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "diaryrules" and driver["version"] == "9.9.9-test"
    ids = [r["id"] for r in driver["rules"]]
    assert ids == ["DR001", "DR002", "DR003", "DR004", "DR101", "DR102", "DR302"]
    assert driver["rules"][4] == {"id": "DR101", "name": "conflict", "shortDescription": {
        "text": "overlapping rules in one tier with different outcomes"}}
    for res in run["results"]:
        assert ids[res["ruleIndex"]] == res["ruleId"]
    assert {r["level"] for r in run["results"]} == {"error", "warning", "note"}
    conflict = next(r for r in run["results"] if r["ruleId"] == "DR101")
    assert conflict["message"]["text"].endswith(
        " — hint: add `overrides: urgent-2` to the rule that should win")
    assert conflict["properties"]["witness"]["age"] == 3
    assert [loc["id"] for loc in conflict["relatedLocations"]] == [0, 1]
    assert conflict["relatedLocations"][0]["message"]["text"] == "rule 'urgent-2' is here"
    assert conflict["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 10, "startColumn": 5, "endLine": 10, "endColumn": 15}
    odd = next(r for r in run["results"] if r["ruleId"] == "DR001")
    assert odd["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "sites/croix-rousse%2C%20annexe%3A2%20%25%C3%A9.diary.yml", "index": 1}
    assert [a["location"]["uri"] for a in run["artifacts"]][2] == CLEAN


def test_sarif_without_rule_metadata_uses_code() -> None:
    first = [d for d in several() if d.code == "DR003"]
    log = json.loads(render_sarif(first, FILES))
    assert log["runs"][0]["tool"]["driver"]["rules"] == [
        {"id": "DR003", "name": "DR003", "shortDescription": {"text": "DR003"}}]


def test_artifact_uri() -> None:
    assert report.artifact_uri("rules/a.diary.yaml") == "rules/a.diary.yaml"
    assert report.artifact_uri("rules\\a b.diary.yaml") == "rules/a%20b.diary.yaml"
    assert report.artifact_uri("/srv/a.diary.yaml") == "file:///srv/a.diary.yaml"
    assert report.artifact_uri("C:\\x\\a.diary.yaml") == "file:///C:/x/a.diary.yaml"


def test_tool_version_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    monkeypatch.undo()  # the real _tool_version, not the fixture's

    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    assert report._tool_version() == "0.0.0"
