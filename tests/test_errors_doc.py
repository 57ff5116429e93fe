"""docs/errors.md: every error message a user can see, with its cause and fix — current, and complete.

The document is generated from the code by tests/gen_errors_doc.py (every call that makes a
message: `Diagnostic`, `self.err`, `ExprError`, `RequestError`, `BusyError`, `SlotsError`, `_err` …).
Here: the file on disk is what the generator writes today; every message the fixtures and goldens
show (tests/fixtures/errors/*.expected, examples/broken/*.lint.json, tests/golden/**/*.err and the
diagnostics of tests/golden/**/*.out) is an instance of a documented template of its own code (or,
for a command-line error, of a command-line section, after its `--option:` / `FILE:LINE:` prefix);
and so is every message of the limits (tests/test_limits.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_errors_doc as gen  # noqa: E402

from diaryrules.checks import CODES  # noqa: E402


@pytest.fixture(scope="module")
def messages() -> dict[tuple[str, str], gen.Message]:
    return gen.catalogue()


def test_errors_doc_is_current() -> None:
    current = gen.DOC.read_text(encoding="utf-8") if gen.DOC.exists() else ""
    assert current == gen.render(), (
        "docs/errors.md is not current: run .venv/bin/python tests/gen_errors_doc.py"
    )


def test_every_code_and_command_has_its_section() -> None:
    text = gen.DOC.read_text(encoding="utf-8")
    for code in CODES:
        assert f"\n### {code}\n" in text, code
    for title in gen.CLI_TITLES.values():
        assert f"\n### {title}\n" in text, title


def test_every_message_of_the_fixtures_is_documented(messages: dict[tuple[str, str], gen.Message]) -> None:
    seen = gen.seen_messages()
    assert len(seen) > 100  # the fixtures are found
    missing = [
        f"{s.section or 'CLI'}: {s.message} ({s.where})" for s in seen if gen.find(s, messages) is None
    ]
    assert not missing, "messages shown by fixtures but not in docs/errors.md:\n" + "\n".join(missing)


LIMITS = [
    ("DR001", "the file is larger than 5 MB"),
    ("DR001", "the file is nested deeper than 64 levels"),
    ("DR001", "YAML syntax error: exceeded maximum nesting depth"),
    ("DR002", "more than 20000 rules in one file"),
    ("DR003", "the expression is longer than 4000 characters"),
    ("DR003", "the expression nests deeper than 50 parentheses"),
    ("DR003", "the expression uses `not` more than 50 times"),
    ("DR003", "the outcome chains more than 50 `else` fallbacks"),
    ("DR005", "`9999-12-31` is outside the years diaryrules handles (1900–2199)"),
    ("DR003", "`о` is not allowed in names"),
    ("DR002", "`diaryrules` must be 1, the format version this tool reads (got `99999…`)"),
    ("DR005", "999 is outside the range of `age` (0..120)"),
    (None, "--request: a number has more than 4,300 digits"),
    (None, "--request: an attribute name is longer than 200 characters"),
    (None, "the value of `reason` is longer than 200 characters"),
    (None, "--request `age`: the value of `age` is a number of more than 4,000 digits"),
    (None, "--request: the JSON is nested too deeply"),
    (None, "every-minute.ics: more than 100000 busy occurrences between 2026-12-01 and 2027-12-01"),
    (None, "huge.ics:300002: more than 100000 events"),
    (None, "tz.ics:6: unknown time zone `Mars/Olympus`"),
]


@pytest.mark.parametrize("code, message", LIMITS)
def test_the_limit_messages_are_documented(
    messages: dict[tuple[str, str], gen.Message], code: str | None, message: str
) -> None:
    assert gen.find(gen.Seen(code, message, "tests/test_limits.py"), messages) is not None, message
