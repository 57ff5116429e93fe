"""The example library (`examples/*.diary.yaml`): real practices on every diary tool.

For every example: `lint --strict` is clean (no error, no warning), its `tests:` all pass and
cover exactly every rule, every test has a fixed call moment, every reason has its motif in
the diary of each practitioner who handles it, and the header comment says what the practice
is and what the file shows.

Golden `query` and `slots` runs, as data (at least two queries and one slot search per example): `tests/golden/examples/<example>-<case>.cmd` holds
one command's arguments as a JSON list, `<case>.out` its expected stdout and `<case>.code` its
exit code. Each runs as a real subprocess (`python -m diaryrules …` from the repository root,
with NO_COLOR=1), all concurrently once per session. DIARYRULES_UPDATE_GOLDEN=1 rewrites the
goldens; then READ them: each one says which practitioners, duration, motif and tool the
secretary gets for that call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from diaryrules.linter import lint_files, load_practice
from diaryrules.model import TOOLS
from diaryrules.testing import run_tests

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.diary.yaml"))
GOLDEN = Path(__file__).parent / "golden" / "examples"
CASES = sorted(p.name.removesuffix(".cmd") for p in GOLDEN.glob("*.cmd"))
UPDATE = bool(os.environ.get("DIARYRULES_UPDATE_GOLDEN"))
TODAY = date(2026, 11, 26)
IDS = [p.name.removesuffix(".diary.yaml") for p in EXAMPLES]


def _rel(p: Path) -> str:
    return p.relative_to(ROOT).as_posix()


@pytest.fixture(autouse=True)
def _cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_the_library_has_every_tool() -> None:
    assert len(EXAMPLES) >= 7
    tools: set[str] = set()
    for path in EXAMPLES:
        practice = load_practice(_rel(path)).practice
        assert practice is not None, path
        tools.update(d.tool for d in practice.diaries.values())
    assert tools == set(TOOLS)


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_example_lints_clean_with_strict(path: Path) -> None:
    result = lint_files([_rel(path)], today=TODAY)
    assert [f"{d.code} {d.span.line}:{d.span.column} {d.message}" for d in result.diagnostics] == []
    assert result.exit_code(strict=True) == 0


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_example_tests_pass_and_cover_every_rule(path: Path) -> None:
    practice = load_practice(_rel(path)).practice
    assert practice is not None
    report = run_tests(practice)
    failures = {r.case.name: r.failures for r in report.results if r.failures}
    assert failures == {}
    assert report.passed == len(practice.tests) > 0
    # exactly counted: every rule (the default included) is the deciding rule of some test
    assert report.uncovered == []
    assert sorted(report.covered) == sorted(r.id for r in practice.rules)
    assert report.coverage_text() == f"{len(practice.rules)}/{len(practice.rules)} rules (100%)"


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_example_tests_have_a_fixed_call_moment(path: Path) -> None:
    practice = load_practice(_rel(path)).practice
    assert practice is not None
    assert [t.name for t in practice.tests if not t.at] == []


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_example_reasons_carry_their_motif_in_each_tool(path: Path) -> None:
    practice = load_practice(_rel(path)).practice
    assert practice is not None
    missing = []
    for reason in practice.reasons.values():
        motifs = dict(reason.motifs)
        for pid in reason.practitioners if reason.practitioners is not None else practice.practitioners:
            diary = practice.practitioners[pid].diary
            if not motifs.get(diary):
                missing.append(f"{reason.id} for {pid} in {diary}")
    assert missing == []


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_example_header_says_what_it_shows(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    assert len(header) >= 3, "a header comment: the practice, then what the file shows"


# -- goldens ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    args: list[str]
    code: int
    out: str
    err: str


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("TZ", "GITHUB_ACTIONS", "FORCE_COLOR", "PYTHONWARNINGS")}
    env.update(NO_COLOR="1", COLUMNS="100")
    return env


def read_cmd(name: str) -> list[str]:
    args = json.loads((GOLDEN / f"{name}.cmd").read_text(encoding="utf-8"))
    assert isinstance(args, list) and all(isinstance(a, str) for a in args), name
    return args


def run_cli(args: list[str]) -> Run:
    p = subprocess.run([sys.executable, "-m", "diaryrules", *args], cwd=ROOT, env=_env(), input="",
                       capture_output=True, text=True, encoding="utf-8", timeout=120)
    return Run(args, p.returncode, p.stdout, p.stderr)


@cache
def all_runs() -> dict[str, Run]:
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(run_cli, read_cmd(name)) for name in CASES}
        return {name: f.result() for name, f in futures.items()}


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_every_example_has_golden_queries(path: Path) -> None:
    stem = path.name.removesuffix(".diary.yaml")
    mine = [n for n in CASES if read_cmd(n)[1] == _rel(path)]
    assert all(n.startswith(stem + "-") for n in mine), "a golden is named after its example"
    queries = [n for n in mine if read_cmd(n)[0] == "query"]
    assert len(queries) >= 2, f"{stem}: at least two golden queries"
    assert [n for n in mine if read_cmd(n)[0] == "slots"], f"{stem}: a golden slots search"
    for n in mine:
        args = read_cmd(n)
        assert "--at" in args and args[args.index("--format") + 1] == "json", n


@pytest.mark.parametrize("name", CASES)
def test_example_golden(name: str) -> None:
    run = all_runs()[name]
    out_path, code_path = GOLDEN / f"{name}.out", GOLDEN / f"{name}.code"
    if UPDATE:
        out_path.write_text(run.out, encoding="utf-8")
        code_path.write_text(f"{run.code}\n", encoding="utf-8")
    assert run.err == "", run.err
    assert run.out == out_path.read_text(encoding="utf-8"), f"stdout of {run.args}"
    assert run.code == int(code_path.read_text(encoding="utf-8")), f"exit code of {run.args}"
    data = json.loads(run.out)
    decision = data.get("decision", data)
    # what the golden is for: who, how long and which motif in which tool
    if decision["action"] in ("book", "validate"):
        assert decision["practitioners"] and decision["duration"]
        assert set(decision["motifs"]) == set(decision["practitioners"])
        assert all(m["motif"] and m["tool"] for m in decision["motifs"].values())
    for slot in data.get("slots", []):
        # every slot is with a practitioner offered, in their diary, with the reason's motif there
        assert slot["practitioner"] in decision["practitioners"]
        assert slot["site"] in decision["sites"]
        assert slot["diary"] == decision["motifs"][slot["practitioner"]]["diary"]
        assert slot["motif"] == decision["motifs"][slot["practitioner"]]["motif"]
