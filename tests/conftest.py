"""Test session set-up: the compiled-practice and parser caches go to a private folder, so the
tests neither read a developer's cache nor write into their home directory."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("DIARYRULES_CACHE_DIR", tempfile.mkdtemp(prefix="diaryrules-test-cache-"))
