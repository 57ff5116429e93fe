"""Helpers shared by the test modules: the fuzz campaigns' settings and an in-process CLI run."""

from __future__ import annotations

import contextlib
import io
import sys
from typing import Any

from hypothesis import HealthCheck, settings

from diaryrules import cli


def fuzz_settings(n: int) -> Any:
    """Fixed seed and example count: CI runs the same campaign every time."""
    return settings(
        max_examples=n,
        derandomize=True,
        deadline=None,
        database=None,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ],
    )


def run_cli(*args: str) -> tuple[int, str, str]:
    """`diaryrules ARGS` in-process, through `cli.main()` and its exit codes."""
    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["diaryrules", *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli.main()
                code = 0
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else 1
    finally:
        sys.argv = argv
    return code, out.getvalue(), err.getvalue()


def count_calls(monkeypatch: Any, owner: Any, name: str) -> list[int]:
    """Wraps `owner.name` (a function or method) so that each call adds one to the counter returned:
    the limit tests bound work by counting steps, never by timing."""
    count = [0]
    real = getattr(owner, name)

    def counting(*args: Any, **kw: Any) -> Any:
        count[0] += 1
        return real(*args, **kw)

    monkeypatch.setattr(owner, name, counting)
    return count
