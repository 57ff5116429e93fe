"""Stage 1b — the JSON Schema of a rule file and its DR002 diagnostics.

Each `tests/fixtures/errors/dr002-*.diary.yaml` holds one mistake people really make; the golden
file beside it (`dr002-*.expected`) lists the expected diagnostics, one per line, as
`LINE:COLUMN CODE message [hint: …]`. Set DIARYRULES_UPDATE_GOLDEN=1 to rewrite the golden files
after an intended change of wording, then review the diff.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from diaryrules.diagnostics import Diagnostic
from diaryrules.loader import load_file, load_text
from diaryrules.schema import check_structure, schema, schema_text

ROOT = Path(__file__).resolve().parent.parent
ERRORS = ROOT / "tests" / "fixtures" / "errors"
VALID = ROOT / "tests" / "fixtures" / "valid"
EXAMPLES = ROOT / "examples"
ERROR_FIXTURES = sorted(ERRORS.glob("dr002-*.diary.yaml"))
EXAMPLE_FILES = sorted(
    p for pattern in ("**/*.diary.yaml", "**/*.diary.yml") for p in EXAMPLES.glob(pattern)
    if "broken" not in p.relative_to(EXAMPLES).parts
)
UPDATE = os.environ.get("DIARYRULES_UPDATE_GOLDEN") == "1"


def fmt(d: Diagnostic) -> str:
    line = f"{d.span.line}:{d.span.column} {d.code} {d.message}"
    return line + (f" [hint: {d.hint}]" if d.hint else "")


def structure(path: Path) -> list[Diagnostic]:
    src = load_file(str(path))
    assert src.root is not None, [fmt(d) for d in src.diagnostics]
    return check_structure(src.root, str(path))


def text_structure(text: str) -> list[str]:
    src = load_text(text, "t.diary.yaml")
    assert src.root is not None, [fmt(d) for d in src.diagnostics]
    return [fmt(d) for d in check_structure(src.root, "t.diary.yaml")]


# --- the schema itself ----------------------------------------------------------------------------------


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_text_is_deterministic_and_is_the_shipped_file() -> None:
    first = schema_text()
    assert first == schema_text()
    assert json.loads(first) == schema()
    shipped = (ROOT / "diaryrules" / "schema.json").read_text(encoding="utf-8")
    assert shipped == first, "schema.json must be stored exactly as schema_text() prints it"


def _subschemas(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from _subschemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _subschemas(value, f"{where}/{i}")


def test_every_property_has_a_title_and_a_description() -> None:
    missing = []
    for where, sub in _subschemas(schema()):
        props = sub.get("properties")
        for name, prop in props.items() if isinstance(props, dict) else ():
            if not (isinstance(prop, dict) and prop.get("title") and prop.get("description")):
                missing.append(f"{where}/properties/{name}")
    assert missing == []


def test_every_mapping_with_named_keys_is_closed() -> None:
    open_ones = [where for where, sub in _subschemas(schema())
                 if isinstance(sub.get("properties"), dict) and "additionalProperties" not in sub]
    assert open_ones == []


def test_top_level_keys_and_required_ones() -> None:
    top = schema()
    assert top["additionalProperties"] is False
    assert top["required"] == ["diaryrules", "practice", "practitioners", "reasons"]
    assert list(top["properties"]) == [
        "diaryrules", "practice", "diaries", "practitioners", "attributes", "reasons", "windows",
        "reserved", "protected", "triage", "exceptions", "rules", "default", "tests", "lint"]


# --- valid files ------------------------------------------------------------------------------------------


def test_language_sketch_is_valid() -> None:
    assert [fmt(d) for d in structure(VALID / "sketch.diary.yaml")] == []


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_examples_have_no_dr002(path: Path) -> None:
    assert [fmt(d) for d in structure(path)] == []


def test_yaml_1_2_scalars_fit_the_schema() -> None:
    # `off` stays text (a severity), `1` is the integer version, dates and ranges stay text.
    text = (VALID / "sketch.diary.yaml").read_text(encoding="utf-8")
    assert "DR303: off" in text and "range: 0..120" in text
    line = len(text.splitlines()) + 1
    assert text_structure(text + "windows2: x\n") == [
        f"{line}:1 DR002 unknown top-level key `windows2` [hint: did you mean `windows`?]"]


# --- golden error fixtures --------------------------------------------------------------------------------


def test_there_are_enough_error_fixtures() -> None:
    assert len(ERROR_FIXTURES) >= 8


@pytest.mark.parametrize("path", ERROR_FIXTURES, ids=lambda p: p.name.removesuffix(".diary.yaml"))
def test_error_fixture_matches_golden(path: Path) -> None:
    got = [fmt(d) for d in structure(path)]
    golden = path.with_name(path.name.removesuffix(".diary.yaml") + ".expected")
    if UPDATE:
        golden.write_text("".join(line + "\n" for line in got), encoding="utf-8")
    expected = golden.read_text(encoding="utf-8").splitlines()
    assert got == expected
    assert got, "an error fixture must produce at least one diagnostic"


@pytest.mark.parametrize("path", ERROR_FIXTURES, ids=lambda p: p.name.removesuffix(".diary.yaml"))
def test_diagnostics_are_dr002_without_severity_and_stable(path: Path) -> None:
    first = structure(path)
    assert all(d.code == "DR002" and d.severity is None for d in first)
    assert all(d.span.file == str(path) for d in first)
    assert [fmt(d) for d in first] == [fmt(d) for d in structure(path)]


# --- one mistake, one diagnostic --------------------------------------------------------------------------

BASE = """\
diaryrules: 1
practice: {name: P, timezone: Europe/Paris}
diaries: {doctolib: {tool: doctolib}}
practitioners:
  martin:
    diary: doctolib
    hours: "Mo-Fr 08:00-12:00"
reasons:
  renewal: {duration: 15min}
"""


def test_base_is_valid() -> None:
    assert text_structure(BASE) == []


def test_misspelt_required_key_gives_one_diagnostic() -> None:
    text = BASE.replace("timezone: Europe/Paris", "timzone: Europe/Paris")
    assert text_structure(text) == [
        "2:21 DR002 unknown key `timzone` in `practice` [hint: did you mean `timezone`?]"]


def test_missing_key_in_a_list_item_points_at_the_item() -> None:
    text = BASE + "rules:\n  - when: reason is renewal\n    then: book within 7d\n"
    assert text_structure(text) == [
        "11:5 DR002 `rules[0]` is missing `id` "
        "[hint: add `id:` (the rule's id, shown in answers and named by `overrides`)]"]


def test_attribute_kinds_are_exclusive() -> None:
    both = BASE + "attributes:\n  age: {range: 0..120, values: [young, old]}\n"
    assert text_structure(both) == [
        "11:24 DR002 `attributes.age` has both `range` and `values` "
        "[hint: give exactly one of `values`, `range`, `type`, `set`]"]
    none = BASE + "attributes:\n  age: {label: Age}\n"
    assert [line.split(" [hint")[0] for line in text_structure(none)] == [
        "11:3 DR002 `attributes.age` needs one of `values`, `range`, `type`, `set`"]


def test_window_rhythm_needs_both_every_and_from() -> None:
    ok = BASE + 'windows:\n  kids: {hours: "We 14:00-17:00", every: 2w, from: 2027-01-06}\n'
    assert text_structure(ok) == []
    only_from = BASE + 'windows:\n  kids: {hours: "We 14:00-17:00", from: 2027-01-06}\n'
    assert [line.split(" [hint")[0] for line in text_structure(only_from)] == [
        "11:35 DR002 `windows.kids` has `from` but no `every`"]


def test_duration_per_practitioner() -> None:
    ok = BASE.replace("{duration: 15min}", "{duration: {default: 15min, martin: 10min}}")
    assert text_structure(ok) == []
    bad = BASE.replace("{duration: 15min}", "{duration: {default: 15min, martin: 10 mn}}")
    assert text_structure(bad) == [
        "9:48 DR002 `reasons.renewal.duration.martin` must be a duration like 15min, 1h30, 2d "
        "(got `10 mn`) [hint: write `10min`]"]


def test_builtin_attribute_names_are_refused() -> None:
    text = BASE + "attributes:\n  reason: {values: [a, b]}\n"
    assert [line.split(" [hint")[0] for line in text_structure(text)] == [
        "11:3 DR002 `reason` is built in and cannot be declared as an attribute"]


def test_request_values_in_tests() -> None:
    ok = BASE + ("tests:\n  - name: t\n    request: {reason: renewal, age: 54, pregnant: true, s: [a, b]}\n"
                 "    at: 2026-12-01T10:00\n    expect: {action: book, tier: rules, duration: 15min}\n")
    assert text_structure(ok) == []
    bad = ok.replace("s: [a, b]", "s: {a: 1}")
    assert text_structure(bad) == [
        "12:60 DR002 `tests[0].request.s` must be text, a whole number, `true` or `false` or a list "
        "(got a mapping)"]
