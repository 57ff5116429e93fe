"""Atomic writes, untouched inputs: no command leaves a half-written file behind.

Acceptance (issue "Hostile and broken input"): the only files diaryrules writes are the entries of
its compiled cache (`diaryrules/cache.py`: `write` and `write_blob`, both through `atomic_write`:
temporary file, fsync, rename). Here:
  * a child process calling `atomic_write` is SIGKILLed while the temporary file is being written
    (and, in a second run, with a large payload at whatever moment the temporary file shows up): the
    destination holds the old content or the new one, never a part;
  * `lint`, `query`, `slots`, `explain`, `tree` and `test` leave the rule file (bytes and mtime), the
    busy file and the request file as they were, create nothing next to them, and leave no temporary
    file in the cache;
  * a cache entry cut short (a killed writer from an older version, a full disk) is ignored and
    rebuilt, never trusted.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from diaryrules import cache
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
OLD = b"old content\n" * 1000

CHILD = r"""
import os, sys, time
from pathlib import Path
from diaryrules import cache

dest, size, slow = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "slow"
if slow:  # the same atomic_write, its file written in 64 KiB pieces with a pause between them
    real_fdopen = os.fdopen

    class Slow:
        def __init__(self, f):
            self.f = f
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return self.f.__exit__(*exc)
        def write(self, data):
            for i in range(0, len(data), 1 << 16):
                self.f.write(data[i:i + (1 << 16)])
                self.f.flush()
                time.sleep(0.02)
            return len(data)
        def __getattr__(self, name):
            return getattr(self.f, name)

    os.fdopen = lambda fd, mode="r", *a, **k: Slow(real_fdopen(fd, mode, *a, **k))
print("ready", flush=True)
cache.atomic_write(dest, b"N" * size)
print("done", flush=True)
"""


def temporaries(folder: Path, dest: Path) -> list[Path]:
    return list(folder.glob(f".{dest.name}.*.tmp"))


@pytest.mark.parametrize("mode, size", [("slow", 4 << 20), ("fast", 64 << 20)])
def test_a_killed_writer_leaves_the_old_file_or_the_new(tmp_path: Path, mode: str, size: int) -> None:
    dest = tmp_path / "entry.pickle"
    dest.write_bytes(OLD)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(dest), str(size), mode], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        partial = -1
        for _ in range(200_000):  # poll for the temporary file (a count, not a clock)
            tmp = temporaries(tmp_path, dest)
            if tmp:
                with contextlib.suppress(OSError):
                    partial = tmp[0].stat().st_size
                if mode == "fast" or 0 < partial < size:
                    break
            if child.poll() is not None:
                break
            time.sleep(0.0005)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    content = dest.read_bytes()
    assert content in (OLD, b"N" * size), f"partial destination: {len(content)} bytes"
    if mode == "slow":  # the kill really came in the middle of the write
        assert 0 < partial < size, partial
        assert content == OLD
    # SIGKILL leaves no chance to clean up: what remains is a hidden `.entry.pickle.*.tmp` that no reader
    # opens (entries are read by their exact name); the cache's next write removes it once it is stale
    # (tests/test_cache_housekeeping.py)
    assert all(p.name.startswith(".entry.pickle.") for p in tmp_path.iterdir() if p != dest)


def test_an_interrupted_write_removes_its_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception inside atomic_write (a full disk, Ctrl-C) removes the temporary file and keeps
    the old content."""
    dest = tmp_path / "entry.pickle"
    dest.write_bytes(OLD)

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError):
        cache.atomic_write(dest, b"N" * 100_000)
    assert dest.read_bytes() == OLD
    assert list(tmp_path.iterdir()) == [dest]


# -- commands never touch their inputs -------------------------------------------------------------




def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def test_commands_leave_their_inputs_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    rules = inputs / "mds.diary.yaml"
    rules.write_bytes((ROOT / "examples" / "maison-de-sante.diary.yaml").read_bytes())
    busy = inputs / "martin.ics"
    busy.write_bytes((ROOT / "tests" / "fixtures" / "busy" / "martin.ics").read_bytes())
    request = inputs / "request.json"
    request.write_text(
        json.dumps({"reason": "consultation", "patient": "known", "symptoms": [], "pregnant": "no"}),
        encoding="utf-8",
    )
    old = 1_600_000_000_000_000_000  # inputs dated 2020: a rewrite would show in the mtime
    for p in inputs.iterdir():
        os.utime(p, ns=(old, old))
    before = snapshot(inputs)
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("DIARYRULES_CACHE_DIR", str(cache_dir))
    monkeypatch.delenv("DIARYRULES_NO_CACHE", raising=False)
    at = ["--at", "2026-12-01T10:00"]
    for args in (
        ["lint", str(rules), "--today", "2026-11-01"],
        ["query", str(rules), "--request", f"@{request}", *at],
        ["query", str(rules), "--request", f"@{request}", *at],  # the second one from the cache
        ["slots", str(rules), "--request", f"@{request}", *at, "--busy", str(busy), "--days", "3"],
        ["explain", str(rules), "--request", f"@{request}", *at],
        ["tree", str(rules)],
        ["test", str(rules)],
    ):
        code, _out, err = run_cli(*args)
        assert code in (0, 1), (args[0], code, err)
    assert snapshot(inputs) == before
    written = sorted(p.name for p in cache_dir.iterdir())
    # compiled practices, parsers, and the holidays package's answers (written only by a process
    # that has not read them yet: this test alone writes them, after other tests it may not)
    entries = [n for n in written if n.endswith((".pickle", ".bin")) or (n.startswith("holidays-") and n.endswith(".txt"))]
    assert written and entries == written, written
    assert not [n for n in written if n.startswith(".")], "a temporary file left in the cache"


def test_a_truncated_cache_entry_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIARYRULES_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("DIARYRULES_NO_CACHE", raising=False)
    rules = ROOT / "examples" / "solo-gp.diary.yaml"
    args = [
        "query",
        str(rules),
        "reason=renewal",
        "patient=known",
        "red_flag=no",
        "--at",
        "2026-12-01T10:00",
        "--format",
        "json",
    ]
    code, first, _err = run_cli(*args)
    assert code == 0
    entries = [p for p in tmp_path.glob("*.pickle")]
    assert len(entries) == 1
    entries[0].write_bytes(entries[0].read_bytes()[:200])  # cut short
    code, second, err = run_cli(*args)
    assert (code, second, err) == (0, first, "")
    assert len(entries[0].read_bytes()) > 200  # written again, whole
