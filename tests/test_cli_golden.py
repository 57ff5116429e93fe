"""Golden tests of the command line, as data: every `tests/golden/cli/<name>.cmd` holds one
command's arguments as a JSON list; `<name>.out` its expected stdout, `<name>.err` its expected
stderr (absent when empty) and `<name>.code` its exit code.

Each command runs as a real subprocess (`python -m diaryrules …`, from the repository root, with
NO_COLOR=1, COLUMNS=100, no TZ and a private compiled-practice cache), all of them concurrently
once per session, and is compared exactly. No command may ever print a traceback.

Set DIARYRULES_UPDATE_GOLDEN=1 to rewrite the goldens after an intended change, then READ the
diff: a golden is a statement of the right behaviour (docs: /work/shared/spec/LANGUAGE.md).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "cli"
CASES = sorted(p.name.removesuffix(".cmd") for p in GOLDEN.glob("*.cmd"))
UPDATE = bool(os.environ.get("DIARYRULES_UPDATE_GOLDEN"))


@dataclass(frozen=True)
class Run:
    args: list[str]
    code: int
    out: str
    err: str


# the compiled-practice cache of this test session: hermetic (never the user's ~/.cache), and shared
# by the commands so that most of them also take the cached path
CACHE_DIR = tempfile.mkdtemp(prefix="diaryrules-test-cache-")
atexit.register(shutil.rmtree, CACHE_DIR, True)


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("TZ", "GITHUB_ACTIONS", "FORCE_COLOR", "PYTHONWARNINGS", "DIARYRULES_NO_CACHE")}
    env.update(NO_COLOR="1", COLUMNS="100", DIARYRULES_CACHE_DIR=CACHE_DIR)
    return env


def run_cli(args: list[str], stdin: str | None = None, timeout: float = 60) -> Run:
    p = subprocess.run([sys.executable, "-m", "diaryrules", *args], cwd=ROOT, env=cli_env(),
                       input=stdin if stdin is not None else "", capture_output=True, text=True,
                       encoding="utf-8", timeout=timeout)
    return Run(args, p.returncode, p.stdout, p.stderr)


def read_cmd(name: str) -> list[str]:
    args = json.loads((GOLDEN / f"{name}.cmd").read_text(encoding="utf-8"))
    assert isinstance(args, list) and all(isinstance(a, str) for a in args), name
    return args


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest) -> dict[str, Run]:
    """Every selected case, run concurrently (start-up dominates: most of a second per command)."""
    here = request.module.__name__
    selected = sorted({item.callspec.params["name"] for item in request.session.items
                       if getattr(item, "module", None) is not None and item.module.__name__ == here
                       and hasattr(item, "callspec") and "name" in item.callspec.params})
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(run_cli, read_cmd(name)) for name in selected}
        return {name: f.result() for name, f in futures.items()}


def test_enough_cases() -> None:
    assert len(CASES) >= 50
    for example in ("solo-gp", "maison-de-sante"):
        cmds = [read_cmd(n) for n in CASES]
        mine = [c for c in cmds if any(example in a for a in c)]
        for command in ("query", "explain", "tree", "test", "lint"):
            assert any(c[0] == command for c in mine), (example, command)


@pytest.mark.parametrize("name", CASES)
def test_cli_golden(name: str, runs: dict[str, Run]) -> None:
    run = runs[name]
    out_path, err_path, code_path = (GOLDEN / f"{name}{ext}" for ext in (".out", ".err", ".code"))
    if UPDATE:
        out_path.write_text(run.out, encoding="utf-8")
        if run.err:
            err_path.write_text(run.err, encoding="utf-8")
        elif err_path.exists():
            err_path.unlink()
        code_path.write_text(f"{run.code}\n", encoding="utf-8")
    assert out_path.exists() and code_path.exists(), f"no golden for {name}: run with DIARYRULES_UPDATE_GOLDEN=1"
    assert "Traceback" not in run.err, run.err
    assert "internal error" not in run.err, run.err
    assert run.out == out_path.read_text(encoding="utf-8"), f"stdout of {run.args}"
    expected_err = err_path.read_text(encoding="utf-8") if err_path.exists() else ""
    assert run.err == expected_err, f"stderr of {run.args}"
    assert run.code == int(code_path.read_text(encoding="utf-8")), f"exit code of {run.args}"
    # the contract on exit codes: a bad argument or an unusable file is 2 and says so on stderr
    if run.code == 2 and run.args[0] != "lint":  # lint's report is its output, on stdout
        assert run.err.strip(), "exit 2 without a message"
    if run.code == 0:
        assert not run.err, "a clean run writes nothing to stderr"


@pytest.mark.parametrize("name", [n for n in CASES if "-json" in n or "-sarif" in n])
def test_json_outputs_parse(name: str, runs: dict[str, Run]) -> None:
    run = runs[name]
    if run.code in (0, 1):
        json.loads(run.out)


def test_schema_is_the_packaged_schema() -> None:
    run = run_cli(["schema"])
    assert run.code == 0 and not run.err
    assert json.loads(run.out) == json.loads((ROOT / "diaryrules" / "schema.json").read_text(encoding="utf-8"))
