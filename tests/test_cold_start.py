"""Cold start: answering a call from the compiled cache loads no front end.

`diaryrules query` must start fast (docs/performance.md: ≤ 350 ms wall for a cold run). With the
compiled-practice cache warm, the practice is unpickled, never parsed: nothing may import the YAML
loader's PyYAML, Lark, jsonschema, the holiday packages or our own parser, schema and check modules;
nor typer, since `main()` reads a plain `query` or `explain` command line itself (cli._fast_parse).
Timings are the benchmark's business (benchmarks/run.py); this test checks the import set, which
does not depend on how busy the machine is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "maison-de-sante.diary.yaml"
REQUEST = ["reason=renewal", "patient=known", "age=54", "--at", "2026-12-01T10:00"]  # as benchmarks/run.py

# A fresh interpreter runs the command in-process, then writes its exit code and sys.modules.
CHILD = """
import json, sys
out, *args = sys.argv[1:]
sys.argv = ["diaryrules", *args]
from diaryrules.cli import main
code = 0
try:
    main()
except SystemExit as e:
    code = e.code
with open(out, "w", encoding="utf-8") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""

HEAVY_PACKAGES = {"lark", "yaml", "jsonschema", "referencing", "holidays", "vacances_scolaires_france",
                  "icalendar", "dateutil", "rich", "typer", "click"}  # a plain query or explain skips typer
FRONT_END = {"diaryrules.parse", "diaryrules.hours_parse", "diaryrules.schema", "diaryrules.checks",
             "diaryrules.analysis", "diaryrules.report"}


def run_child(tmp_path: Path, cache: Path, *args: str) -> tuple[int, set[str]]:
    out = tmp_path / "modules.json"
    env = {**os.environ, "DIARYRULES_CACHE_DIR": str(cache), "NO_COLOR": "1"}
    env.pop("DIARYRULES_NO_CACHE", None)
    proc = subprocess.run([sys.executable, "-c", CHILD, str(out), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert out.exists(), proc.stderr[-2000:]
    data = json.loads(out.read_text(encoding="utf-8"))
    return data["code"], set(data["modules"])


def too_heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY_PACKAGES
                  or any(m == f or m.startswith(f + ".") for f in FRONT_END))


@pytest.mark.parametrize("command", ["query", "explain"])
def test_cache_hit_imports_no_front_end(tmp_path: Path, command: str) -> None:
    cache = tmp_path / "cache"
    args = (command, str(EXAMPLE), *REQUEST)
    code, cold = run_child(tmp_path, cache, *args)  # cold cache: the front end runs and fills it
    assert code == 0
    assert "diaryrules.parse" in cold, "the first run should have parsed the file"
    assert list(cache.glob("*.pickle")), "the first run did not write the compiled cache"
    code, warm = run_child(tmp_path, cache, *args)
    assert code == 0
    assert too_heavy(warm) == [], "a heavy module is imported when the compiled cache hits"
