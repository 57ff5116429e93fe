"""docs/guide.md ("Write your practice's booking grid") stays true.

- Every shell command of the guide (a line starting with `$ ` in a ```console block) is run
  from the repository root, with NO_COLOR=1 and COLUMNS=100, and what it prints (stdout and
  stderr together) must be exactly what the guide shows right after it, up to trailing spaces.
  The commands are plain `diaryrules …` commands (no pipes, no redirections); they run through
  the console script's own entry point, `diaryrules.cli:main`, in this process — forty Python
  start-ups would cost a minute — and a sample of them also as real subprocesses, to show that
  both print the same.
- Every ```yaml fragment announced by `<!-- file: PATH -->` is a verbatim part of that file.
- The guide's final file is lint-clean with --strict and its tests pass, covering every rule.
- The section on examples/broken/ is generated from those files (their header comment: the
  mistake and the fix) and from the linter's real output; it lists every broken example.

DIARYRULES_UPDATE_GOLDEN=1 rewrites the commands' outputs and the broken-examples section in
the guide; READ the diff: the guide is documentation, its outputs are statements about the tool.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from diaryrules.linter import lint_files, load_practice
from diaryrules.testing import run_tests

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "guide.md"
FINAL = "examples/guide-final.diary.yaml"
BROKEN_DIR = ROOT / "examples" / "broken"
BEGIN, END = "<!-- broken-examples:begin -->", "<!-- broken-examples:end -->"
UPDATE = bool(os.environ.get("DIARYRULES_UPDATE_GOLDEN"))
TODAY = "2026-11-26"


# -- reading the guide -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Command:
    line: int  # 1-based line of the `$ ` line in the guide
    command: str
    expected: str


def _blocks(text: str, lang: str) -> list[tuple[int, int, str]]:
    """(first content line index, end line index, preceding non-blank line) of each ```lang block."""
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == f"```{lang}":
            j = i + 1
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            k = i - 1
            while k >= 0 and not lines[k].strip():
                k -= 1
            out.append((i + 1, j, lines[k] if k >= 0 else ""))
            i = j + 1
        else:
            i += 1
    return out


def commands(text: str) -> list[Command]:
    lines = text.split("\n")
    out: list[Command] = []
    for start, end, _before in _blocks(text, "console"):
        current: tuple[int, str] | None = None
        body: list[str] = []
        for idx in range(start, end):
            line = lines[idx]
            if line.startswith("$ "):
                if current is not None:
                    out.append(Command(current[0], current[1], _norm("\n".join(body))))
                current, body = (idx + 1, line[2:].strip()), []
            elif current is not None:
                body.append(line)
            else:
                raise AssertionError(f"docs/guide.md:{idx + 1}: a console block starts with a command (`$ …`)")
        if current is not None:
            out.append(Command(current[0], current[1], _norm("\n".join(body))))
    return out


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip().split("\n")).strip("\n")


def guide_text() -> str:
    return GUIDE.read_text(encoding="utf-8")


# -- running the commands --------------------------------------------------------------------------

@dataclass(frozen=True)
class Output:
    text: str  # stdout and stderr, as a terminal shows them
    code: int


@contextmanager
def _environment() -> Iterator[None]:
    saved = dict(os.environ)
    for key in ("TZ", "GITHUB_ACTIONS", "FORCE_COLOR"):
        os.environ.pop(key, None)
    os.environ.update(NO_COLOR="1", COLUMNS="100")
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)


def run(command: str) -> Output:
    """`diaryrules ARGS` through the console script's entry point, in this process."""
    from diaryrules.cli import main

    args = shlex.split(command)
    assert args[0] == "diaryrules", command
    buf = io.StringIO()
    code = 0
    argv = sys.argv
    with _environment(), redirect_stdout(buf), redirect_stderr(buf):
        sys.argv = args
        try:
            main()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        finally:
            sys.argv = argv
    return Output(_norm(buf.getvalue()), code)


def run_subprocess(command: str) -> Output:
    """The same command as a real process, `diaryrules` on the PATH (for the sample)."""
    env = {k: v for k, v in os.environ.items() if k not in ("TZ", "GITHUB_ACTIONS", "FORCE_COLOR")}
    env.update(NO_COLOR="1", COLUMNS="100", PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""))
    p = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8", timeout=120)
    return Output(_norm(p.stdout), p.returncode)


_RUNS: dict[str, Output] = {}


def output(command: str) -> Output:
    if command not in _RUNS:
        _RUNS[command] = run(command)
    return _RUNS[command]


# -- the broken examples section ---------------------------------------------------------------------

def _header(path: Path) -> tuple[str, str, str | None]:
    """(code, the mistake, the fix) from a broken example's header comment."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        text = line.lstrip("#").strip()
        if not text.startswith("also:"):
            lines.append(text)
    words = " ".join(lines)
    mistake, _, fix = words.partition("Fix:")
    m = re.match(r"Broken on purpose \(([^)]*)\):\s*", mistake)
    code = path.name[:5].upper()
    if m:
        mistake = mistake[m.end():]
    mistake = mistake.strip()
    return code, mistake[:1].upper() + mistake[1:], fix.strip() or None


def broken_command(path: Path) -> str:
    return f"diaryrules lint {path.relative_to(ROOT).as_posix()} --today {TODAY}"


def broken_section() -> str:
    parts = [BEGIN, ""]
    for path in sorted(BROKEN_DIR.glob("*.diary.yaml")):
        code, mistake, fix = _header(path)
        cmd = broken_command(path)
        parts += [f"### {code}: `{path.name}`", "", mistake, ""]
        if fix:
            parts += [f"**Fix:** {fix}", ""]
        parts += ["```console", f"$ {cmd}", output(cmd).text, "```", ""]
    parts.append(END)
    return "\n".join(parts)


def broken_commands() -> list[str]:
    return [broken_command(p) for p in sorted(BROKEN_DIR.glob("*.diary.yaml"))]


def _rewrite(text: str) -> str:
    """The guide with every command's output replaced by its real output."""
    lines = text.split("\n")
    new: list[str] = []
    i = 0
    in_console = False
    while i < len(lines):
        line = lines[i]
        if line.strip() == "```console":
            in_console = True
            new.append(line)
        elif in_console and line.strip() == "```":
            in_console = False
            new.append(line)
        elif in_console and line.startswith("$ "):
            new.append(line)
            shown = output(line[2:].strip()).text
            if shown:
                new.extend(shown.split("\n"))
            i += 1
            while i < len(lines) and not lines[i].startswith("$ ") and lines[i].strip() != "```":
                i += 1
            continue
        else:
            new.append(line)
        i += 1
    return "\n".join(new)


# -- tests -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def guide() -> str:
    text = guide_text()
    if UPDATE:
        begin, end = text.index(BEGIN), text.index(END) + len(END)
        text = text[:begin] + broken_section() + text[end:]
        text = _rewrite(text)
        GUIDE.write_text(text, encoding="utf-8")
    return text


def test_guide_commands_print_what_the_guide_shows(guide: str) -> None:
    cmds = commands(guide)
    assert len(cmds) >= 20
    wrong = []
    for c in cmds:
        got = output(c.command).text
        assert "Traceback" not in got and "internal error" not in got, c.command
        if got != c.expected:
            wrong.append(f"docs/guide.md:{c.line}: $ {c.command}\n--- the guide shows:\n{c.expected}\n"
                         f"--- the command prints:\n{got}")
    assert not wrong, "\n\n".join(wrong)


@pytest.mark.parametrize("command", [
    f"diaryrules lint docs/examples/guide/09-wrong-conflict.diary.yaml --today {TODAY}",
    "diaryrules query examples/guide-final.diary.yaml reason=acute symptoms= --at 2026-12-22T10:00",
    "diaryrules lint docs/examples/guide/01-wrong-french-times.diary.yaml",
])
def test_in_process_runs_print_what_a_terminal_shows(guide: str, command: str) -> None:
    assert f"$ {command}" in guide
    assert run_subprocess(command) == output(command)


def test_guide_commands_are_diaryrules_commands(guide: str) -> None:
    for c in commands(guide):
        assert c.command.startswith("diaryrules "), c.command
        assert not set(c.command) & set("|<>;&`$*"), f"{c.command}: a plain command, without shell syntax"
        if c.command.split()[1] in ("query", "explain", "slots"):
            assert "--at " in c.command, f"{c.command}: a fixed call moment keeps the output true"


def test_guide_fragments_are_in_their_files(guide: str) -> None:
    lines = guide.split("\n")
    count = 0
    for start, end, before in _blocks(guide, "yaml"):
        m = re.fullmatch(r"<!-- file: (\S+) -->", before.strip())
        if not m:
            continue
        count += 1
        fragment = "\n".join(lines[start:end]) + "\n"
        path = ROOT / m.group(1)
        assert path.is_file(), m.group(1)
        assert fragment in path.read_text(encoding="utf-8"), f"docs/guide.md:{start}: not in {m.group(1)}:\n{fragment}"
    assert count >= 10


def test_guide_ends_with_the_final_file(guide: str) -> None:
    assert FINAL in guide
    assert f"$ diaryrules lint {FINAL} --strict --today {TODAY}" in guide
    assert f"$ diaryrules test {FINAL}" in guide
    result = lint_files([str(ROOT / FINAL)], today=date.fromisoformat(TODAY))
    assert result.diagnostics == [] and result.exit_code(strict=True) == 0
    practice = load_practice(str(ROOT / FINAL)).practice
    assert practice is not None
    report = run_tests(practice)
    assert report.failed == 0 and report.uncovered == []


def test_guide_steps_are_linted_in_the_guide(guide: str) -> None:
    """Each step file is linted by a command of the guide: the good ones are clean, the
    mistakes are not."""
    steps = sorted((ROOT / "docs" / "examples" / "guide").glob("*.diary.yaml"))
    assert len(steps) >= 10
    shown = {c.command.split()[2]: c for c in commands(guide) if c.command.split()[1] == "lint"}
    for path in steps:
        rel = path.relative_to(ROOT).as_posix()
        assert rel in shown, f"{rel} is not linted by the guide"
        clean = shown[rel].expected == "No problems in 1 file."
        assert clean == ("-wrong-" not in path.name), rel
        assert (output(shown[rel].command).code == 0) == clean, rel


def test_guide_lists_every_broken_example(guide: str) -> None:
    begin, end = guide.index(BEGIN), guide.index(END) + len(END)
    assert guide[begin:end] == broken_section(), \
        "the broken-examples section is stale: rerun with DIARYRULES_UPDATE_GOLDEN=1 and read the diff"
    for path in BROKEN_DIR.glob("*.diary.yaml"):
        assert f"`{path.name}`" in guide
