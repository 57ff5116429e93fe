"""Cross-stage — the compiled-practice cache: a rule file's Practice and decision diagram, kept
between runs so that `query`, `slots`, `explain` and `ask` start in a blink. Named entries beside
them (`read_blob` / `write_blob`) keep the serialised LALR parsers and the holidays package's
answers (French subdivisions, public holidays per year), which are slow to rebuild.

Keyed by the SHA-256 of the file's bytes and a fingerprint of the installed package (so a new
version or an edited module never reads an old layout). Only files with no front-end error are
cached; a rule file holds no patient data, and requests are never cached. Writes are atomic
(temporary file, fsync, rename); a corrupt, truncated or foreign cache entry is ignored and
rebuilt. `DIARYRULES_NO_CACHE=1` turns it off; `DIARYRULES_CACHE_DIR` moves it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from functools import cache
from pathlib import Path
from typing import Any

MAGIC = b"diaryrules-cache-1\n"


def cache_dir() -> Path | None:
    if os.environ.get("DIARYRULES_NO_CACHE"):
        return None
    explicit = os.environ.get("DIARYRULES_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "diaryrules"


_CODE = (".py", ".json", ".c", ".so", ".pyd")  # the C part too: a rebuilt module may make other diagrams


@cache
def _fingerprint() -> str:
    """The package's version and its modules' sizes and times: any change invalidates the cache."""
    pkg = Path(__file__).parent
    h = hashlib.sha256(f"{sys.version_info[:3]}".encode())
    for rel in _code_files(str(pkg)):
        st = os.stat(os.path.join(pkg, rel))
        h.update(f"{rel}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    try:
        from .grammar import __file__ as grammar_init

        for p in sorted(Path(grammar_init).parent.glob("*.lark")):
            st = p.stat()
            h.update(f"{p.name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    except ImportError:  # pragma: no cover - the grammar package ships with the code
        pass
    return h.hexdigest()[:16]


def _code_files(top: str) -> list[str]:
    """The package's code files, relative and sorted (os.scandir: a cold start pays for this)."""
    out: list[str] = []
    stack = [""]
    while stack:
        rel = stack.pop()
        with os.scandir(os.path.join(top, rel)) as it:
            for e in it:
                name = os.path.join(rel, e.name) if rel else e.name
                if e.is_dir(follow_symlinks=False):
                    if e.name != "__pycache__":
                        stack.append(name)
                elif e.name.endswith(_CODE):
                    out.append(name)
    return sorted(out)


def key_for(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest() + "-" + _fingerprint()


def read(data: bytes) -> Any | None:
    """The cached object for a file's bytes, or None (missing, stale, corrupt: never an error)."""
    d = cache_dir()
    if d is None:
        return None
    key = key_for(data)
    path = d / f"{key[:64]}.pickle"
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head = MAGIC + key.encode() + b"\n"
    if not blob.startswith(head):
        return None
    from .compile import paused_gc  # millions of acyclic objects: no collection while they are made

    try:
        with paused_gc():
            return pickle.loads(memoryview(blob)[len(head):])
    except Exception:  # a truncated or foreign entry is rebuilt, never trusted
        return None


def write(data: bytes, obj: Any) -> None:
    """Store atomically; a cache that cannot be written is simply not used."""
    d = cache_dir()
    if d is None:
        return
    key = key_for(data)
    try:
        payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # something in the model cannot be pickled: run without a cache
        return
    try:
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(d / f"{key[:64]}.pickle", MAGIC + key.encode() + b"\n" + payload)
        _prune(d)
    except OSError:
        return


MAX_ENTRIES = 200
STALE_TEMPORARY_SECONDS = 10 * 60  # a temporary file untouched this long has no writer any more


def _prune(d: Path) -> None:
    """Keep the most recently written entries: every edit of a rule file makes a new one. Remove
    the temporary files of writers killed before their rename (`atomic_write`'s `.NAME.*.tmp`) once
    they are STALE_TEMPORARY_SECONDS old: a younger one may be another process's write in progress."""
    import time

    oldest = time.time() - STALE_TEMPORARY_SECONDS
    for p in d.glob(".*.tmp"):
        try:
            if p.lstat().st_mtime < oldest:
                p.unlink()
        except OSError:  # gone already, or not ours to remove
            pass
    entries = list(d.glob("*.pickle"))
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime_ns)
    for p in entries[: len(entries) - MAX_ENTRIES]:
        try:
            p.unlink()
        except OSError:
            pass


def read_blob(name: str) -> bytes | None:
    """A named entry (e.g. a serialised parser), or None."""
    d = cache_dir()
    if d is None:
        return None
    try:
        blob = (d / name).read_bytes()
    except OSError:
        return None
    return blob[len(MAGIC):] if blob.startswith(MAGIC) else None


def write_blob(name: str, content: bytes) -> None:
    d = cache_dir()
    if d is None:
        return
    try:
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(d / name, MAGIC + content)
    except OSError:
        return


def atomic_write(path: Path, content: bytes) -> None:
    """Write `content` to `path` so that readers see the old file or the new one, never a part."""
    import tempfile  # only when writing: a cache hit does not pay for it

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
