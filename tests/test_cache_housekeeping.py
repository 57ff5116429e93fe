"""The compiled cache's housekeeping (`diaryrules/cache.py`, `_prune`).

A writer killed between creating its temporary file and the rename (SIGKILL, a power cut) leaves a
hidden `.NAME.*.tmp` that no reader opens. The next entry written to the cache removes it once it
is STALE_TEMPORARY_SECONDS old, and leaves a younger one alone: it may be another process's write
in progress. The files' ages are set with `os.utime`, nothing waits or is timed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from diaryrules import cache

ROOT = Path(__file__).resolve().parent.parent

# atomic_write as it is, killed when it comes to the rename: its temporary file is written and
# synced, and stays
KILLED_BEFORE_RENAME = r"""
import os, signal, sys
from pathlib import Path
from diaryrules import cache

os.replace = lambda src, dst: os.kill(os.getpid(), signal.SIGKILL)
cache.atomic_write(Path(sys.argv[1]), b"N" * 10_000)
"""


def killed_writer(dest: Path) -> Path:
    """The temporary file a writer of `dest` killed before its rename leaves behind."""
    before = set(dest.parent.glob(f".{dest.name}.*.tmp"))
    child = subprocess.run([sys.executable, "-c", KILLED_BEFORE_RENAME, str(dest)], cwd=ROOT, check=False)
    assert child.returncode == -signal.SIGKILL
    assert not dest.exists()
    (left,) = set(dest.parent.glob(f".{dest.name}.*.tmp")) - before
    assert left.stat().st_size == 10_000
    return left


def aged(path: Path, seconds: float) -> Path:
    t = time.time() - seconds
    os.utime(path, (t, t))
    return path


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DIARYRULES_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("DIARYRULES_NO_CACHE", raising=False)
    return tmp_path


def test_a_killed_writers_temporary_file_is_removed_once_stale(cache_dir: Path) -> None:
    stale = cache.STALE_TEMPORARY_SECONDS
    old_entry = aged(killed_writer(cache_dir / f"{'a' * 64}.pickle"), stale + 60)
    old_blob = aged(killed_writer(cache_dir / "lark-condition-0123456789abcdef01234567.bin"), stale + 60)
    live = aged(killed_writer(cache_dir / f"{'b' * 64}.pickle"), stale - 60)  # a write in progress
    others = []  # not temporary files of atomic_write's: never removed, however old
    for name in (".keep", "notes.tmp", f"{'c' * 64}.pickle"):
        (cache_dir / name).write_bytes(b"x")
        others.append(aged(cache_dir / name, stale + 60))

    cache.write(b"diaryrules: 1\n", {"compiled": True})

    assert not old_entry.exists() and not old_blob.exists()
    assert live.exists()
    assert all(p.exists() for p in others)
    assert cache.read(b"diaryrules: 1\n") == {"compiled": True}
    assert sorted(p.name for p in cache_dir.glob(".*.tmp")) == [live.name]


def test_temporary_files_are_removed_with_few_entries_and_when_pruning(cache_dir: Path) -> None:
    """The temporary files are swept at every write, not only when there are more than MAX_ENTRIES
    entries to prune; pruning still keeps the MAX_ENTRIES newest entries."""
    first = aged(killed_writer(cache_dir / "x.pickle"), cache.STALE_TEMPORARY_SECONDS + 1)
    cache.write(b"one", 1)
    assert not first.exists()
    assert len(list(cache_dir.glob("*.pickle"))) == 1

    for i in range(cache.MAX_ENTRIES):
        entry = cache_dir / f"{i:064d}.pickle"
        entry.write_bytes(b"x")
        aged(entry, 10_000 - i)  # entry 0 the oldest
    second = aged(killed_writer(cache_dir / "y.pickle"), cache.STALE_TEMPORARY_SECONDS + 1)
    cache.write(b"two", 2)
    assert not second.exists()
    entries = {p.name for p in cache_dir.glob("*.pickle")}
    assert len(entries) == cache.MAX_ENTRIES
    assert f"{0:064d}.pickle" not in entries and f"{1:064d}.pickle" not in entries
    assert cache.read(b"two") == 2
