"""The command line's own parse of plain `query` / `explain` lines (`cli._fast_parse`) against typer's.

`main()` skips typer (a third of a cold `query`) when it can read the command line itself. That is
only right if it reads every line it accepts exactly as typer would, and leaves the rest to typer:
- its table of options is the one typer builds from the commands' signatures;
- on generated command lines (options in every spelling, `--`, `-`, help, values that look like
  options, repeats), whatever it accepts, typer parses into the same keyword arguments;
- the lines people type (and the benchmark's) are accepted, so the fast path is really taken.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diaryrules import cli
from tests import helpers


def _typer_command(name: str) -> Any:
    import typer.main

    return typer.main.get_command(cli._typer_app()).commands[name]  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(cli.FAST_COMMANDS))
def test_options_table_is_typers(name: str) -> None:
    command = _typer_command(name)
    takes_value = {}
    arguments = []
    for p in command.params:
        if p.param_type_name == "argument":
            arguments.append(p.name)
        elif not p.is_flag:
            for spelling in [*p.opts, *p.secondary_opts]:
                takes_value[spelling] = p.name
    assert takes_value == cli.FAST_OPTIONS
    assert arguments == ["file", "words"]


@functools.cache
def _recording_app() -> tuple[Any, list[tuple[str, dict[str, Any]]]]:
    """typer's app for the fast commands, with their real signatures, recording what it passes."""
    import typer

    cli._typer_app()  # puts `typer` where the signatures' Annotated hints are evaluated
    seen: list[tuple[str, dict[str, Any]]] = []
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    for f, name, settings in cli._COMMANDS:
        if f.__name__ in cli.FAST_COMMANDS:
            def record(*args: Any, _name: str = f.__name__, **kw: Any) -> None:
                assert not args
                seen.append((_name, kw))

            app.command(name, **settings)(functools.wraps(f)(record))
    return app, seen


def as_called(read: tuple[str, dict[str, Any]] | None) -> tuple[str, dict[str, Any]] | None:
    """What the command function receives: its parameters, the defaults filled in."""
    if read is None:
        return None
    name, kw = read
    bound = inspect.signature(getattr(cli, name)).bind(**kw)
    bound.apply_defaults()
    return name, dict(bound.arguments)


def typer_reads(args: list[str]) -> tuple[str, dict[str, Any]] | None:
    app, seen = _recording_app()
    seen.clear()
    try:
        app(args, standalone_mode=False, prog_name="diaryrules")
    except Exception:  # a usage error: typer does not read this line
        return None
    return as_called(seen[0]) if seen else None


def fast_reads(args: list[str]) -> tuple[str, dict[str, Any]] | None:
    return as_called(cli._fast_parse(args))


FILE = "examples/maison-de-sante.diary.yaml"
PLAIN = [
    ["query", FILE, "reason=renewal", "patient=known", "age=54", "--at", "2026-12-01T10:00"],
    ["query", "--at", "2026-12-01T10:00", FILE, "reason=renewal", "-f", "json"],
    ["explain", FILE, "reason=renewal", "--format=json", "--at=2026-12-01T10:00"],
    ["query", FILE, "-r", '{"reason": "renewal"}'],
    ["query", FILE, "--request", "@request.json", "--at", "2026-12-01T10:00", "--at", "2026-12-02T09:00"],
    ["query", FILE],
    ["query", FILE, "--at", "-5", "reason=renewal"],  # click takes the next word as the value, as we do
]
LEFT_TO_TYPER = [
    [], ["query"], ["lint", FILE], ["slots", FILE, "reason=renewal"], ["query", "--help"],
    ["query", FILE, "--help"], ["query", FILE, "-h"], ["query", FILE, "--", "reason=renewal"],
    ["query", FILE, "-"], ["query", FILE, "-fjson"], ["query", FILE, "-r={}"], ["query", FILE, "--at"],
    ["query", FILE, "--bogus"], ["query", FILE, "--a", "x"], ["--help", "query", FILE],
    ["query", "--at", "2026-12-01T10:00"], ["explain", FILE, "--FORMAT", "json"],
]


@pytest.mark.parametrize("args", PLAIN, ids=" ".join)
def test_plain_lines_take_the_fast_path_and_read_as_typer_does(args: list[str]) -> None:
    fast = fast_reads(args)
    assert fast is not None
    assert fast == typer_reads(args)


@pytest.mark.parametrize("args", LEFT_TO_TYPER, ids=" ".join)
def test_anything_else_is_left_to_typer(args: list[str]) -> None:
    assert cli._fast_parse(args) is None


TOKENS = [
    FILE, "reason=renewal", "age=54", "patient=known", "", "x", "=", "a=b=c", "2026-12-01T10:00", "json",
    "human", "@r.json", "{}", "--at", "--at=", "--at=2026-12-01T10:00", "--format", "--format=json", "-f",
    "-fjson", "-r", "-r=x", "--request", "--request={}", "--", "-", "--help", "-h", "--a", "--at2", "-x",
    "--format=", "query", "explain", "-5", "é=ü", "--=x",
]
WORDS = st.sampled_from(TOKENS)


@helpers.fuzz_settings(1500)
@given(st.sampled_from(sorted(cli.FAST_COMMANDS)), st.lists(WORDS, max_size=8))
def test_whatever_the_fast_parse_accepts_typer_reads_the_same(command: str, rest: list[str]) -> None:
    args = [command, *rest]
    fast = fast_reads(args)
    if fast is not None:
        assert typer_reads(args) == fast, args


def test_the_generated_lines_are_often_accepted() -> None:
    """The property above is empty if the fast parse declines everything: count what it takes."""
    import random

    rng = random.Random(7)
    lines = [["query", *rng.choices(TOKENS, k=rng.randint(0, 8))] for _ in range(2000)]
    accepted = [a for a in lines if cli._fast_parse(a) is not None]
    assert len(accepted) > 200
    assert [a for a in accepted if typer_reads(a) != fast_reads(a)] == []
