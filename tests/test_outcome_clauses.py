"""An outcome takes each of its clauses at most once (`diaryrules/parse.py`, `_outcome`).

`book in a in b` used to keep `b` and drop `a` without a word. Every clause given twice — `in`,
`not in`, `with`, `at`, `within`, `notice`, `duration` — is a DR003 at the second clause, the caret
under all of it; `lint` exits 2. The fixture tests/fixtures/errors/dr003-outcome-clause-twice shows
the whole diagnostic.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from diaryrules.diagnostics import ExprError
from diaryrules.parse import parse_outcome
from tests.helpers import run_cli

FIXTURE = Path(__file__).parent / "fixtures" / "errors" / "dr003-outcome-clause-twice.diary.yaml"


def locate(offset: int, length: int) -> tuple[int, int]:
    return offset, length


@pytest.mark.parametrize(
    ("text", "second", "message", "hint"),
    [
        ("book in a in b", "in b", "`in` is given twice", "keep one `in`"),
        ("book not in a within 7d not in b", "not in b", "`not in` is given twice", "keep one `not in`"),
        ("book with x in a with y, z", "with y, z", "`with` is given twice", "give all of them in one: `with a, b`"),
        ("book at c at d", "at d", "`at` is given twice", "give all of them in one: `at a, b`"),
        ("book within 7d notice 2h within 3d", "within 3d", "`within` is given twice", "keep one `within`"),
        ("book notice 1h notice 2h", "notice 2h", "`notice` is given twice", "keep one `notice`"),
        ("book duration 20min duration 30min", "duration 30min", "`duration` is given twice", "keep one `duration`"),
        ("validate by bernard in a in b", "in b", "`in` is given twice", "keep one `in`"),
        ("book in a else book in b in c", "in c", "`in` is given twice", "keep one `in`"),  # in the fallback
    ],
)
def test_a_clause_given_twice_is_an_error_at_the_second(text: str, second: str, message: str, hint: str) -> None:
    with pytest.raises(ExprError) as info:
        parse_outcome(text, locate)
    e = info.value
    assert (e.code, e.message, e.hint) == ("DR003", message, hint)
    assert text[e.offset : e.offset + e.length] == second
    assert e.offset == text.rindex(second)


@pytest.mark.parametrize(
    "text",
    [
        "book in a not in b",  # two different clauses
        "book in a else book in b",  # the fallback is an outcome of its own
        "book with x, y at c within 7d notice 2h duration 20min in a not in b",
    ],
)
def test_each_clause_once_is_fine(text: str) -> None:
    parse_outcome(text, locate)


def test_lint_exits_2_with_the_caret_under_the_second_clause() -> None:
    code, out, err = run_cli("lint", str(FIXTURE))
    assert code == 2, (out, err)
    lines = (out + err).splitlines()
    assert lines[0] == f"{FIXTURE}:36:38: error[DR003] `in` is given twice"
    source, caret = lines[1], lines[2]
    assert source.endswith("then: book in mornings within 7d in afternoons")
    assert caret == " " * source.index("in afternoons") + "^" + "~" * (len("in afternoons") - 1)
    assert lines[3] == "  hint: keep one `in`"
