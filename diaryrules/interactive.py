"""Interface — `diaryrules ask`: the interactive triage a secretary follows on the phone.

Asks only what changes the answer (the decision engine's `ask`), with numbered choices,
`b` to go back and `q` to quit; works with piped input as well as at a terminal. The
answers stay in memory: nothing the caller says is written anywhere.
"""

from __future__ import annotations

import sys
from typing import Any

from .evaluate import Decision, decide, make_request
from .model import Practice
from .render import decision_human
from .request import RequestError


def _read(prompt: str) -> str | None:
    sys.stdout.write(prompt)
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        return None
    return line.strip()


def _answer(practice: Practice, decision: Decision, text: str) -> Any:
    """The request value for a typed answer: a choice number, a value, or for sets a list."""
    assert decision.ask is not None
    attr = practice.attributes[decision.ask["attribute"]]
    values = [str(v) for v in decision.ask["values"]]
    if attr.kind == "set":
        if text in ("0", "", "none", "aucun"):
            return []
        picked = []
        for part in text.replace(" ", "").split(","):
            if part.isdigit() and 1 <= int(part) <= len(values):
                picked.append(values[int(part) - 1])
            elif part in attr.values:
                picked.append(part)
            else:
                raise RequestError(attr.name, f"`{part}` is not one of the choices")
        return picked
    if text.isdigit() and attr.kind != "int" and 1 <= int(text) <= len(values):
        return values[int(text) - 1]
    if attr.kind == "int" and not text.lstrip("-").isdigit():
        raise RequestError(attr.name, f"`{text}` is not a number")
    return text


def run_ask(practice: Practice, at: str | None) -> int:
    answers: list[tuple[str, Any]] = []
    while True:
        given = dict(answers)
        try:
            decision = decide(practice, make_request(practice, given, at))
        except RequestError as e:
            sys.stderr.write(f"error: {e.message}\n")
            return 2
        if decision.action != "ask" or decision.ask is None:
            sys.stdout.write("\n" + decision_human(practice, decision))
            return 0
        attr = practice.attributes[decision.ask["attribute"]]
        question = decision.ask.get("question") or attr.label or f"{attr.name}?"
        sys.stdout.write(f"\n{question}\n")
        values = [str(v) for v in decision.ask["values"]]
        if attr.kind == "int":
            sys.stdout.write(f"  a number ({attr.lo}..{attr.hi}); the answer changes at: {', '.join(values)}\n")
        else:
            for i, v in enumerate(values, 1):
                sys.stdout.write(f"  {i}. {v}\n")
            if attr.kind == "set":
                sys.stdout.write("  0. none of these (several: 1,3)\n")
        hint = "b: back, q: quit"
        line = _read(f"{attr.name} ({hint})> ")
        if line is None or line.lower() in ("q", "quit"):
            sys.stdout.write("\nstopped before a decision\n")
            return 1
        if line.lower() in ("b", "back"):
            if answers:
                answers.pop()
            continue
        try:
            value = _answer(practice, decision, line)
            make_request(practice, {**given, attr.name: value}, at)  # check it before keeping it
        except RequestError as e:
            sys.stdout.write(f"  {e.message}" + (f" ({e.hint})" if e.hint else "") + "\n")
            continue
        answers.append((attr.name, value))
