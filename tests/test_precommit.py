"""CI integration for practices' own repositories: the published pre-commit hook, and GitHub
annotations when `diaryrules lint` runs inside GitHub Actions.

Also: the ready GitHub Actions workflow (docs/examples/diaryrules.yml) is the one docs/ci.md shows,
and its lint and test commands work in a practice repository; the editor modeline that points a
rule file at the JSON Schema changes nothing for the linter.

The pre-commit test is an end-to-end run, as a practice would meet it: `pre-commit try-repo`
builds the hook's own virtualenv from this repository (pip installs the package and its
dependencies from PyPI: the first run needs the network and takes a minute) and runs the hook in
a scratch git repository holding a good rule file, a broken one and a YAML file that is not a
rule file. The repository is used as it stands on disk: its files (tracked and untracked, minus
what .gitignore excludes) are copied into a temporary git repository and committed there, so
that uncommitted work, such as a new `.pre-commit-hooks.yaml`, is what gets tested.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from diaryrules.linter import lint_files

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "examples" / "solo-gp.diary.yaml"
BROKEN = ROOT / "examples" / "broken" / "dr201-no-rule-for-vaccination.diary.yaml"


def _git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "GITHUB_ACTIONS"}
    env.update(GIT_AUTHOR_NAME="diaryrules tests", GIT_AUTHOR_EMAIL="tests@example.invalid",
               GIT_COMMITTER_NAME="diaryrules tests", GIT_COMMITTER_EMAIL="tests@example.invalid",
               GIT_CONFIG_NOSYSTEM="1", NO_COLOR="1")
    return env


def _git(cwd: Path, *args: str) -> str:
    p = subprocess.run(["git", *args], cwd=cwd, env=_git_env(), capture_output=True, text=True, check=True)
    return p.stdout


def _snapshot(dest: Path) -> Path:
    """This repository's working tree (what git would see, ignored files left out) as a fresh
    one-commit git repository."""
    listed = _git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for rel in filter(None, listed.split("\0")):
        src = ROOT / rel
        if src.is_file():  # a tracked file deleted in the working tree is left out
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "snapshot of the working tree")
    return dest


def test_hook_definition() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "diaryrules-lint")
    assert hook["entry"] == "diaryrules lint"
    assert hook["language"] == "python"
    assert hook["files"] == r"\.diary\.ya?ml$"
    # docs/ci.md shows the hook as it is published
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    entry = "\n".join(line for line in text.splitlines() if not line.startswith("#")) + "\n"
    assert "```yaml\n" + entry + "```" in (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def practice_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A practice's repository: a good rule file, a broken one (.yml) and a YAML file that is not a
    rule file."""
    practice = tmp_path_factory.mktemp("practice")
    (practice / "rules").mkdir()
    shutil.copy(GOOD, practice / "rules" / "cabinet.diary.yaml")
    shutil.copy(BROKEN, practice / "rules" / "centre.diary.yml")  # .yml is matched too
    (practice / "notes.yaml").write_text("not: [a, rule, file\n", encoding="utf-8")  # not matched
    _git(practice, "init", "-q")
    _git(practice, "add", "-A")
    return practice


def test_pre_commit_try_repo(tmp_path: Path, practice_repo: Path) -> None:
    pre_commit = Path(sys.executable).with_name("pre-commit")
    assert pre_commit.exists(), "pre-commit is a test dependency: pip install -e '.[test]'"
    hook_repo = _snapshot(tmp_path / "diaryrules")
    env = _git_env()
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-cache")
    p = subprocess.run([str(pre_commit), "try-repo", str(hook_repo), "diaryrules-lint", "--all-files",
                        "--verbose", "--color", "never"],
                       cwd=practice_repo, env=env, capture_output=True, text=True, timeout=900)
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    assert "diaryrules lint" in out and "Failed" in out, out
    # the broken file's gap, positioned in the file, with its witness
    assert "rules/centre.diary.yml:15:3: error[DR201] gap" in out and "witness:" in out, out
    # both rule files were linted, and only them: the broken one has the only findings
    assert "in 2 files" in out, out
    assert "cabinet.diary.yaml:" not in out, out
    assert "notes.yaml" not in out, out


def _workflow() -> dict[Any, Any]:
    return yaml.safe_load((ROOT / "docs" / "examples" / "diaryrules.yml").read_text(encoding="utf-8"))


def test_workflow_is_the_one_documented() -> None:
    text = (ROOT / "docs" / "examples" / "diaryrules.yml").read_text(encoding="utf-8")
    assert "```yaml\n" + text + "```" in (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    wf = _workflow()
    triggers = wf["on"] if "on" in wf else wf[True]  # PyYAML reads the key `on` as YAML 1.1's true
    assert {"push", "pull_request", "schedule"} <= set(triggers)
    steps = wf["jobs"]["lint"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    assert any("diaryrules lint --strict" in s.get("run", "") for s in steps)
    assert any(s.get("run", "").endswith("diaryrules test") for s in steps)


def test_workflow_commands_in_a_practice_repository(practice_repo: Path) -> None:
    """The workflow's lint and test steps, as GitHub runs them (bash, GITHUB_ACTIONS=true)."""
    runs = {s["name"]: s["run"] for s in _workflow()["jobs"]["lint"]["steps"] if "run" in s and "$" not in s["run"]}
    env = _git_env()
    env.update(GITHUB_ACTIONS="true", PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""))
    lint = subprocess.run(["bash", "-e", "-c", runs["Lint the rule files"]], cwd=practice_repo, env=env,
                          capture_output=True, text=True, timeout=120)
    assert lint.returncode != 0, lint.stdout
    lines = lint.stdout.splitlines()
    assert lines and all(line.startswith("::") for line in lines), lint.stdout
    assert any(line.startswith("::error file=rules/centre.diary.yml,line=15,col=3,") for line in lines)
    assert not any("cabinet.diary.yaml" in line or "notes.yaml" in line for line in lines)
    test = subprocess.run(["bash", "-e", "-c", runs["Run the rule files' tests, with coverage"]], cwd=practice_repo,
                          env=env, capture_output=True, text=True, timeout=120)
    assert test.returncode == 0, test.stdout + test.stderr
    assert "rules/cabinet.diary.yaml\n" in test.stdout and "coverage: 7/7 rules (100%)" in test.stdout


def test_schema_modeline_changes_nothing(tmp_path: Path) -> None:
    schema = subprocess.run([sys.executable, "-m", "diaryrules", "schema"], capture_output=True, text=True,
                            timeout=120, env={**os.environ, "NO_COLOR": "1"})
    (tmp_path / "diaryrules.schema.json").write_text(schema.stdout, encoding="utf-8")
    (tmp_path / "practices").mkdir()
    target = tmp_path / "practices" / "acacias.diary.yaml"
    target.write_text("# yaml-language-server: $schema=../diaryrules.schema.json\n"
                      + (ROOT / "examples" / "guide-final.diary.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    result = lint_files([str(target)], today=date(2026, 11, 26))
    assert result.diagnostics == [] and result.exit_code(strict=True) == 0
    assert (target.parent / "../diaryrules.schema.json").resolve().is_file()


def test_github_actions_annotations() -> None:
    """Inside GitHub Actions (GITHUB_ACTIONS=true) `lint` prints workflow commands by default."""
    env = {k: v for k, v in os.environ.items() if k not in ("TZ", "FORCE_COLOR")}
    env.update(NO_COLOR="1", GITHUB_ACTIONS="true")
    rel = BROKEN.relative_to(ROOT).as_posix()
    p = subprocess.run([sys.executable, "-m", "diaryrules", "lint", rel, "--today", "2026-11-26"], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1, p.stderr
    lines = p.stdout.splitlines()
    assert lines and all(line.startswith("::") for line in lines), p.stdout
    assert any(line.startswith(f"::error file={rel},line=") and "DR201" in line for line in lines), p.stdout
    # an explicit --format still wins, and outside Actions the default is the human report
    p = subprocess.run([sys.executable, "-m", "diaryrules", "lint", rel, "--today", "2026-11-26", "--format",
                        "json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert p.stdout.startswith("{"), p.stdout
    env.pop("GITHUB_ACTIONS")
    p = subprocess.run([sys.executable, "-m", "diaryrules", "lint", rel, "--today", "2026-11-26"], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=120)
    assert "::error" not in p.stdout and "error[DR201]" in p.stdout, p.stdout
