"""`diaryrules ask`: the interactive triage, driven through stdin.

As a subprocess (the real command, piped input): answering the questions ends in the expected
decision, `b` goes back, `q` quits (exit 1), an invalid answer is asked again, end of input quits
cleanly, and only the questions that change the answer are asked (solo-gp: red_flag first, then
the reason; the age only for a home visit).

In process (fast, exhaustive): every path through the questions of both examples, checking that
each question asked is one whose answer changes the outcome, and that the final answer is what
`query` decides for the same answers.
"""

from __future__ import annotations

import io
import itertools
import re
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from diaryrules.evaluate import decide, make_request
from diaryrules.interactive import run_ask
from diaryrules.linter import load_practice
from diaryrules.render import decision_human
from tests.test_cli_golden import Run, run_cli

SOLO = "examples/solo-gp.diary.yaml"
MDS = "examples/maison-de-sante.diary.yaml"
AT_SOLO = "2026-12-01T09:00"
AT_MDS = "2026-12-01T10:00"
PROMPT = re.compile(r"([\w.-]+) \(b: back, q: quit\)> ")

# (file, at, stdin) for every subprocess case, run concurrently once
SCRIPTS: dict[str, tuple[str, str, str]] = {
    "solo-home-visit-adult": (SOLO, AT_SOLO, "2\n4\n30\n"),
    "solo-red-flag": (SOLO, AT_SOLO, "1\n"),
    "solo-renewal": (SOLO, AT_SOLO, "no\nrenewal\nnew\n"),  # answers by name
    "solo-back": (SOLO, AT_SOLO, "b\n2\n4\nb\n1\n"),  # `b` first: nothing to go back to
    "solo-quit": (SOLO, AT_SOLO, "2\nq\n"),
    "solo-invalid": (SOLO, AT_SOLO, "7\nmaybe\n2\n9\nhome-visti\n4\n-3\nabc\n200\n6\n"),
    "solo-eof": (SOLO, AT_SOLO, "2\n"),
    "mds-renewal": (MDS, AT_MDS, "0\n2\n2\n"),
    "mds-red-flag": (MDS, AT_MDS, "1,3\n"),
    "mds-consultation": (MDS, AT_MDS, "0\nconsultation\n1\n"),
    "mds-christmas": (MDS, "2026-12-28T09:00", "0\nconsultation\n"),
}


def _run(file: str, at: str, stdin: str) -> Run:
    return run_cli(["ask", file, "--at", at], stdin=stdin)


@pytest.fixture(scope="module")
def runs() -> dict[str, Run]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {k: pool.submit(_run, *v) for k, v in SCRIPTS.items()}
        return {k: f.result() for k, f in futures.items()}


def asked(run: Run) -> list[str]:
    return PROMPT.findall(run.out)


def first_line_of_decision(run: Run) -> str:
    """The decision's head line (`BOOK  (rule x, rules)`), printed after the last prompt."""
    tail = PROMPT.split(run.out)[-1]
    lines = [line for line in tail.splitlines() if line.strip()]
    return lines[0] if lines else ""


@pytest.fixture(autouse=True)
def _no_traceback(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "runs" in request.fixturenames:
        for name, run in request.getfixturevalue("runs").items():
            assert "Traceback" not in run.err + run.out, (name, run.err)


def test_answers_end_in_the_decision(runs: dict[str, Run]) -> None:
    run = runs["solo-home-visit-adult"]
    assert run.code == 0, run.err
    assert asked(run) == ["red_flag", "reason", "age"]
    assert first_line_of_decision(run) == "VALIDATE FIRST  (rule home-visit-adult, rules)"
    assert "validated by bernard (Dr Sophie Bernard)" in run.out
    assert "Douleur thoracique, difficulté à respirer, signes d'AVC ?" in run.out  # the file's own question
    assert "the answer changes at: 0..17, 18..120" in run.out
    assert not run.err


def test_only_questions_that_matter_solo(runs: dict[str, Run]) -> None:
    # a red flag decides alone: the reason is never asked
    assert asked(runs["solo-red-flag"]) == ["red_flag"]
    assert first_line_of_decision(runs["solo-red-flag"]) == "REDIRECT  (rule red-flag, triage)"
    # a renewal needs the patient, never the age
    run = runs["solo-renewal"]
    assert asked(run) == ["red_flag", "reason", "patient"]
    assert first_line_of_decision(run) == "BOOK  (rule renewal-new, rules)"
    for name, run in runs.items():
        if name.startswith("solo") and "age" in asked(run):
            # the age is asked only once the reason is a home visit
            i = asked(run).index("age")
            assert "reason" in asked(run)[:i]
            assert "4. home-visit" in run.out


def test_only_questions_that_matter_maison(runs: dict[str, Run]) -> None:
    run = runs["mds-renewal"]
    assert run.code == 0
    assert asked(run) == ["symptoms", "reason", "patient"]
    assert first_line_of_decision(run) == "BOOK  (rule renewal-known, rules)"
    # only the symptoms that change the answer are offered (high_fever never does)
    assert "  1. chest_pain\n  2. breathlessness\n  3. stroke_signs\n  0. none of these" in run.out
    assert "high_fever" not in run.out.split("symptoms (b: back")[0]
    run = runs["mds-red-flag"]
    assert asked(run) == ["symptoms"]
    assert first_line_of_decision(run) == "REDIRECT  (rule red-flags, triage)"
    # pregnancy matters for a consultation in December …
    run = runs["mds-consultation"]
    assert asked(run) == ["symptoms", "reason", "pregnant"]
    assert first_line_of_decision(run) == "BOOK  (rule consultation-pregnant, rules)"
    # … but not during the Christmas cover, where the exception decides whatever the answer
    run = runs["mds-christmas"]
    assert asked(run) == ["symptoms", "reason"]
    assert first_line_of_decision(run) == "BOOK  (rule christmas-cover, exceptions)"


def test_back(runs: dict[str, Run]) -> None:
    run = runs["solo-back"]
    assert run.code == 0
    # `b` at the first question asks it again; `b` after the age goes back to the reason
    assert asked(run) == ["red_flag", "red_flag", "reason", "age", "reason"]
    assert first_line_of_decision(run) == "BOOK  (rule consultation, rules)"


def test_quit(runs: dict[str, Run]) -> None:
    run = runs["solo-quit"]
    assert run.code == 1
    assert asked(run) == ["red_flag", "reason"]
    assert run.out.rstrip().endswith("stopped before a decision")
    assert "BOOK" not in run.out and not run.err


def test_invalid_answers_are_asked_again(runs: dict[str, Run]) -> None:
    run = runs["solo-invalid"]
    assert run.code == 0, run.err
    assert asked(run) == ["red_flag"] * 3 + ["reason"] * 3 + ["age"] * 4
    assert "`red_flag` is yes or no; got `7`" in run.out
    assert "`red_flag` is yes or no; got `maybe`" in run.out
    assert "did you mean `home-visit`?" in run.out
    assert "`abc` is not a number" in run.out
    assert "200 is outside the range of `age` (0..120)" in run.out
    assert first_line_of_decision(run) == "REFUSE  (rule home-visit-child, rules)"


def test_end_of_input_quits_cleanly(runs: dict[str, Run]) -> None:
    run = runs["solo-eof"]  # the input ends while a question waits for its answer
    assert run.code == 1
    assert asked(run) == ["red_flag", "reason"]
    assert run.out.rstrip().endswith("stopped before a decision")
    assert not run.err


# -- in process: every path through the questions --------------------------------------------------

def _ask_once(practice: Any, at: str, answers: list[str], capsys: pytest.CaptureFixture[str],
              monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(a + "\n" for a in answers) + "q\n"))
    code = run_ask(practice, at)
    return code, capsys.readouterr().out


def _choices(out: str) -> tuple[str, list[str], dict[str, Any]]:
    """The last question's attribute, the answers to try, and how each maps to a request value."""
    block = PROMPT.split(out)[-3] if len(PROMPT.split(out)) >= 3 else ""
    attr = PROMPT.findall(out)[-1]
    changes = re.search(r"the answer changes at: (.*)", block)
    if changes:  # an integer: the lowest value of each group
        lows = [g.split("..")[0].strip() for g in changes.group(1).split(",")]
        return attr, lows, {v: int(v) for v in lows}
    items = re.findall(r"^  (\d+)\. (\S+)$", block, flags=re.M)
    if re.search(r"^  0\. none of these", block, flags=re.M):  # a set: every subset
        names = [v for _k, v in items]
        subsets = [list(c) for r in range(len(names) + 1) for c in itertools.combinations(range(1, len(names) + 1), r)]
        answers = [",".join(map(str, s)) or "0" for s in subsets]
        return attr, answers, {a: [names[i - 1] for i in s] for a, s in zip(answers, subsets, strict=True)}
    return attr, [k for k, _v in items], {k: v for k, v in items}


@pytest.mark.parametrize(("file", "at"), [(SOLO, AT_SOLO), (MDS, AT_MDS), (MDS, "2026-12-28T09:00")])
def test_every_question_changes_the_answer(file: str, at: str, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = load_practice(file)
    practice = loaded.practice
    assert practice is not None

    def explore(answers: list[str], given: dict[str, Any]) -> set[str]:
        """The decisions reachable from here (as the head line printed)."""
        code, out = _ask_once(practice, at, answers, capsys, monkeypatch)
        if code == 0:
            tail = PROMPT.split(out)[-1]
            expected = decision_human(practice, decide(practice, make_request(practice, given, at)))
            assert tail.strip().endswith(expected.strip()), (answers, tail, expected)
            assert expected.split("\n")[0] != "ASK"
            return {expected.split("\n")[0]}
        assert code == 1 and out.rstrip().endswith("stopped before a decision"), out
        attr, tries, values = _choices(out)
        assert attr not in given, f"{attr} asked twice ({answers})"
        per_answer = [explore([*answers, t], {**given, attr: values[t]}) for t in tries]
        assert len({frozenset(s) for s in per_answer}) > 1, f"asking {attr} after {given} changes nothing"
        return set().union(*per_answer)

    outcomes = explore([], {})
    assert len(outcomes) >= 3
