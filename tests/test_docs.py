"""Generated documentation stays in step with the code."""

from __future__ import annotations

from pathlib import Path

from diaryrules.checks import CODES, check_modules, checks_markdown

ROOT = Path(__file__).parent.parent


def test_checks_md_is_current() -> None:
    assert (ROOT / "docs" / "checks.md").read_text(encoding="utf-8") == checks_markdown(), \
        "regenerate: python -c 'from diaryrules.checks import checks_markdown; print(checks_markdown(), end=\"\")' > docs/checks.md"


def test_every_check_module_documents_a_bad_and_a_good_example() -> None:
    for c in check_modules():
        assert c.code in CODES
        assert "Bad" in c.doc and "Good" in c.doc, c.code
        assert c.module.__name__.split(".")[-1].startswith(c.code.lower() + "_")
