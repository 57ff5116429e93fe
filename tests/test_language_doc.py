"""docs/language.md documents the whole language: every key of the JSON Schema of rule files
(walked recursively, `$defs` included) appears in it as `key`, and so does every check code."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from diaryrules.checks import CODES
from diaryrules.model import TOOLS

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "language.md"
SCHEMA = ROOT / "diaryrules" / "schema.json"


def schema_keys(node: Any) -> set[str]:
    """Every property name of the schema, at any depth ($defs, items, oneOf … included)."""
    keys: set[str] = set()
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            keys.update(props)
        for value in node.values():
            keys |= schema_keys(value)
    elif isinstance(node, list):
        for value in node:
            keys |= schema_keys(value)
    return keys


def test_walk_finds_the_nested_keys() -> None:
    keys = schema_keys(json.loads(SCHEMA.read_text(encoding="utf-8")))
    # top level, inside $defs, and two levels down
    assert {"practice", "school-zone", "overrides", "release", "every", "motif", "address"} <= keys
    assert len(keys) >= 60


def test_every_schema_key_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    keys = schema_keys(json.loads(SCHEMA.read_text(encoding="utf-8")))
    missing = sorted(k for k in keys if f"`{k}`" not in doc)
    assert missing == [], f"keys of diaryrules/schema.json not documented in docs/language.md: {missing}"


def test_every_check_code_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    missing = sorted(code for code in CODES if not re.search(rf"\b{code}\b", doc))
    assert missing == []
    # each in the table of checks, with its default severity
    for code, (severity, _name, _summary) in CODES.items():
        assert re.search(rf"^\| {code} \| {severity.value} \|", doc, re.M), code


def test_every_tool_and_action_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for word in (*TOOLS, "book", "validate", "callback", "redirect", "refuse", "transfer", "ask", "none"):
        assert f"`{word}`" in doc, word


def test_links_point_to_existing_docs_or_the_ones_being_written() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([a-z-]+\.md)(?:#[a-z-]+)?\)", doc):
        assert (ROOT / "docs" / target).exists() or target == "slots.md", target
