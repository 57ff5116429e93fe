"""The long fuzzing campaign (`make fuzz`): atheris (libFuzzer, coverage-guided) on the loader and
the expression parsers, from the saved corpus in tests/fuzz/corpus/.

Targets:
  loader       bytes of a rule file → `load_bytes`, then the whole front end (`load_practice`): a
               practice or diagnostics with a DR code and a position inside the file.
  expressions  `GRAMMAR\\nTEXT` → the parser of that grammar (condition, outcome, duration, span,
               hours): a value or an `ExprError` with an offset inside the text.
Anything else (an exception of another type, a RecursionError, a MemoryError) is a crash; libFuzzer
saves the input and this script moves it to tests/fixtures/crashes/ (`atheris-loader-<sha>.diary.yaml`
is replayed by tests/test_fuzz_frontend.py, `atheris-expressions-<sha>.txt` by this script's
`replay`). An input that runs longer than -timeout (10 s) is a hang, saved the same way.

    python tests/fuzz/run_atheris.py all                 # every target, FUZZ_SECONDS each (default 300)
    python tests/fuzz/run_atheris.py loader [-- libFuzzer flags]
    python tests/fuzz/run_atheris.py replay              # the saved crashes, once each
    python tests/fuzz/run_atheris.py seed                # rebuild the seed corpus from examples/fixtures

New corpus entries are written to build/fuzz-corpus/TARGET (the saved seeds stay as they are).

atheris needs a wheel for this Python (`pip install atheris`; 3.0.0 installs on CPython 3.11 x86-64).
When it cannot be imported, the same targets run as a long Hypothesis campaign instead: the seeds
of the corpus mutated (inserted, deleted, swapped and replaced bytes and characters, the mutations
of tests/test_fuzz_grammars.py) plus, for the expressions, strings generated from the grammars;
FUZZ_EXAMPLES examples per target (default 100,000), derandomized unless FUZZ_RANDOM=1.
FUZZ_ENGINE=hypothesis chooses that campaign even where atheris is installed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "corpus"
WORK = ROOT / "build" / "fuzz-corpus"
CRASHES = ROOT / "tests" / "fixtures" / "crashes"
TARGETS = ("loader", "expressions")
GRAMMARS = ("condition", "outcome", "duration", "span", "hours")
FILE = "fuzz.diary.yaml"

sys.path.insert(0, str(ROOT))


# -- the targets -----------------------------------------------------------------------------------

def check_loader(data: bytes) -> None:
    from diaryrules.checks import CODES
    from diaryrules.linter import load_practice
    from diaryrules.loader import load_bytes

    src = load_bytes(data, FILE)
    # YAML's line breaks (a lone CR is one, as libyaml and most editors count it)
    n_lines = len(re.split("\r\n|[\r\n\x85\u2028\u2029]", data.decode("utf-8", "replace")))
    diags = list(src.diagnostics)
    if src.root is not None:
        loaded = load_practice(FILE, src.text)
        diags = loaded.diagnostics
        if loaded.practice is not None:
            assert not diags, diags
            return
    assert diags, "an unusable file without a diagnostic"
    for d in diags:
        assert d.code in CODES and d.message, d
        assert 1 <= d.span.line <= n_lines + 1 and d.span.column >= 1, (d, n_lines)


def check_expression(data: bytes) -> None:
    from diaryrules.diagnostics import ExprError, Span
    from diaryrules.hours import parse_hours
    from diaryrules.parse import parse_condition, parse_duration, parse_outcome, parse_span

    head, _, body = data.partition(b"\n")
    grammar = head.decode("ascii", "replace").strip()
    if grammar not in GRAMMARS:
        grammar = GRAMMARS[sum(head) % len(GRAMMARS)]
    text = body.decode("utf-8", "replace")

    def locate(offset: int, length: int) -> Span:
        return Span("expr", 1, offset + 1, 1, offset + max(1, length) + 1)

    parsers = {
        "condition": lambda t: parse_condition(t, locate),
        "outcome": lambda t: parse_outcome(t, locate),
        "duration": lambda t: parse_duration(t, locate),
        "span": parse_span,
        "hours": parse_hours,
    }
    try:
        parsers[grammar](text)
    except ExprError as e:
        assert e.message and 0 <= e.offset <= len(text), (e.message, e.offset, len(text))


CHECKS = {"loader": check_loader, "expressions": check_expression}


# -- atheris ---------------------------------------------------------------------------------------


def have_atheris() -> bool:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


def run_atheris(target: str, flags: list[str]) -> None:
    """In this process: libFuzzer runs until -max_total_time, or until a crash (it then exits)."""
    import atheris

    with atheris.instrument_imports(include=["diaryrules"]):
        import diaryrules.checks  # noqa: F401
        import diaryrules.hours  # noqa: F401
        import diaryrules.linter  # noqa: F401
        import diaryrules.model  # noqa: F401
        import diaryrules.parse  # noqa: F401
        import diaryrules.schema  # noqa: F401
    check = CHECKS[target]

    def one_input(data: bytes) -> None:
        check(data)

    work = WORK / target
    work.mkdir(parents=True, exist_ok=True)
    CRASHES.mkdir(parents=True, exist_ok=True)
    args = [
        sys.argv[0],
        str(work),
        str(CORPUS / target),
        f"-artifact_prefix={CRASHES}/atheris-{target}-",
        "-timeout=10",
        "-rss_limit_mb=2048",
        f"-max_len={1 << 16 if target == 'loader' else 8192}",
        *flags,
    ]
    atheris.Setup(args, one_input)
    atheris.Fuzz()


def collect_artifacts(target: str) -> list[Path]:
    """libFuzzer names its findings `crash-<sha>`, `timeout-<sha>`, `oom-<sha>`: give them the suffix
    their replay expects."""
    suffix = ".diary.yaml" if target == "loader" else ".txt"
    moved = []
    for p in sorted(CRASHES.glob(f"atheris-{target}-*")):
        if p.name.endswith(suffix):
            continue
        dest = p.with_name(p.name + suffix)
        p.rename(dest)
        moved.append(dest)
    return moved


# -- the fallback: a long Hypothesis campaign -------------------------------------------------------


def run_hypothesis(target: str) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    sys.path.insert(0, str(ROOT / "tests"))
    import test_fuzz_grammars as grammars  # the grammar strategies and the character mutations

    n = int(os.environ.get("FUZZ_EXAMPLES", "100000"))
    seeds = [p.read_bytes() for p in sorted((CORPUS / target).iterdir())]
    check = CHECKS[target]
    if target == "loader":
        data_st = st.tuples(st.sampled_from(seeds), st.binary(max_size=24)).map(
            lambda t: mutate_bytes(t[0], t[1])
        )
    else:
        generated = st.one_of(
            *[
                grammars.generated(g).map(lambda s, g=g: f"{g}\n{s}".encode())
                for g in ("condition", "outcome", "duration", "hours")
            ],
            grammars.generated("when").map(lambda s: f"span\n{s}".encode()),
        )
        data_st = st.tuples(st.one_of(st.sampled_from(seeds), generated), st.binary(max_size=16)).map(
            lambda t: mutate_expression(t[0], t[1])
        )

    @settings(
        max_examples=n,
        derandomize=not os.environ.get("FUZZ_RANDOM"),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=data_st)
    def campaign(data: bytes) -> None:
        try:
            check(data)
        except BaseException:
            save(target, data)
            raise

    campaign()


def mutate_bytes(data: bytes, ops: bytes) -> bytes:
    buf = bytearray(data)
    palette = [
        b"\x00",
        b"\t",
        b"\xff",
        b"&a ",
        b"*a",
        b"\n---\n",
        b"\r\n",
        b"\xef\xbb\xbf",
        b"[" * 80,
        b": ",
        b"- ",
        b"'",
        b'"',
        b"#",
        b"9" * 5000,
        b"\xd0\xb0",
    ]
    for k in range(0, len(ops) - 2, 3):
        kind, pick, pos = ops[k : k + 3]
        at = (pos * len(buf)) // 256 if buf else 0
        if kind % 3 == 0:
            buf[at:at] = palette[pick % len(palette)]
        elif kind % 3 == 1:
            del buf[at : at + 1 + pick % 16]
        elif buf:
            other = (pick * len(buf)) // 256
            buf[at % len(buf)], buf[other] = buf[other], buf[at % len(buf)]
    return bytes(buf)


def mutate_expression(data: bytes, ops: bytes) -> bytes:
    import test_fuzz_grammars as grammars

    head, _, body = data.partition(b"\n")
    return (
        head + b"\n" + grammars.mutate(body.decode("utf-8", "replace"), ops).encode("utf-8", "surrogatepass")
    )


def save(target: str, data: bytes) -> None:
    suffix = ".diary.yaml" if target == "loader" else ".txt"
    CRASHES.mkdir(parents=True, exist_ok=True)
    (CRASHES / f"atheris-{target}-{hashlib.sha1(data).hexdigest()[:12]}{suffix}").write_bytes(data)


# -- commands --------------------------------------------------------------------------------------


def replay() -> int:
    """Each saved crash of these targets, once: 0 when all are fixed."""
    failed = 0
    for target in TARGETS:
        for p in sorted(CRASHES.glob(f"atheris-{target}-*")):
            try:
                CHECKS[target](p.read_bytes())
            except BaseException as e:  # noqa: B036 - a report of every failure, then the exit code
                failed += 1
                print(f"{p.relative_to(ROOT)}: {type(e).__name__}: {str(e)[:200]}")
    print(f"{failed} saved crash(es) still failing")
    return 1 if failed else 0


FIXTURE_SEEDS = (
    "dr001-alias-bomb",
    "dr001-duplicate-key",
    "dr001-not-utf8",
    "dr001-tab-indent",
    "dr001-too-deep",
    "dr001-two-documents",
    "dr002-lookalike-letter",
    "dr002-wrong-indentation",
    "dr003-hours-8h",
    "dr003-lookalike-in-condition",
    "dr003-unclosed-paren",
    "dr004-unknown-value",
    "dr005-empty-range",
    "dr006-duplicate-rule-id",
)
HOSTILE_SEEDS = (
    ("condition", "(" * 51 + "a" + ")" * 51),
    ("condition", "not " * 51 + "a"),
    ("condition", "reason is cоnsultation"),
    ("outcome", "book" + " else book" * 51),
    ("span", "9999-12-31"),
    ("span", "2026-12-10 14:00..18:00"),
    ("span", "2026-12-24..2027-01-02"),
    ("span", "2026-12-10 14:00..2026-12-10 18:00"),
    ("hours", "Mo-Fr 08:00-12:00; PH off; sunrise-sunset"),
    ("duration", "1h75"),
    ("condition", "age < " + "9" * 3990),
    ("hours", "2026 Dec 24-2027 Jan 02 off; week 01-53/2 We 14:00-17:00"),
    ("hours", "Mo[1],Fr[-1] 22:00-02:00"),
)


def seed() -> None:
    """The seed corpus: the examples, the broken examples and a choice of error fixtures as files; a
    few hostile expressions and the expressions of the examples (conditions, outcomes, durations,
    hours, absences; 15 of each) as `GRAMMAR\nTEXT`."""
    loader = CORPUS / "loader"
    loader.mkdir(parents=True, exist_ok=True)
    for f in sorted(ROOT.glob("examples/*.diary.yaml")) + sorted(ROOT.glob("examples/broken/*.diary.yaml")):
        shutil.copy(f, loader / f.name)
    for name in FIXTURE_SEEDS:
        shutil.copy(
            ROOT / "tests" / "fixtures" / "errors" / f"{name}.diary.yaml",
            loader / f"fixture-{name}.diary.yaml",
        )
    kinds = {
        "when": "condition",
        "for": "condition",
        "then": "outcome",
        "default": "outcome",
        "duration": "duration",
        "notice": "duration",
        "horizon": "duration",
        "release": "duration",
        "grid": "duration",
    }
    found: list[tuple[str, str]] = list(HOSTILE_SEEDS)
    for f in sorted(ROOT.glob("examples/*.diary.yaml")):
        for line in f.read_text(encoding="utf-8").splitlines():
            m = re.match(r"^\s*(?:- )?([a-z-]+): (.+?)\s*$", line)
            if m and m.group(1) in kinds:
                value = m.group(2)
                if value.startswith('"') and value.endswith('"') and m.group(1) not in ("then", "default"):
                    value = value[1:-1]
                found.append((kinds[m.group(1)], value))
            m = re.match(r'^\s*(?:hours|window|[a-z]+): "([^"]*(?:\d\d:\d\d|off|PH)[^"]*)"\s*$', line)
            if m:
                found.append(("hours", m.group(1)))
            m = re.match(r"^\s*- (\d{4}-\d\d-\d\d[^#]*?)\s*(#.*)?$", line)
            if m:
                found.append(("span", m.group(1)))
    expressions = CORPUS / "expressions"
    expressions.mkdir(parents=True, exist_ok=True)
    per: dict[str, int] = {}
    for kind, text in dict.fromkeys(found):
        if per.get(kind, 0) < 15:
            per[kind] = per.get(kind, 0) + 1
            h = hashlib.sha1(f"{kind}\n{text}".encode()).hexdigest()[:8]
            (expressions / f"{kind}-{h}.txt").write_text(f"{kind}\n{text}", encoding="utf-8")


def main(argv: list[str]) -> int:
    if "--" in argv:
        args, flags = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
    else:
        args, flags = argv, []
    what = args[0] if args else "all"
    if what == "replay":
        return replay()
    if what == "seed":
        seed()
        return 0
    targets = TARGETS if what == "all" else (what,)
    if any(t not in TARGETS for t in targets):
        print(f"unknown target {what!r}: use all, {', '.join(TARGETS)}, replay or seed", file=sys.stderr)
        return 2
    if os.environ.get("FUZZ_ENGINE") == "hypothesis" or not have_atheris():
        print(
            "atheris is not installed for this Python (or FUZZ_ENGINE=hypothesis): "
            "a long Hypothesis campaign "
            f"instead ({os.environ.get('FUZZ_EXAMPLES', '100000')} examples per target)"
        )
        for target in targets:
            run_hypothesis(target)
        return 0
    if len(targets) == 1 and os.environ.get("RUN_ATHERIS_CHILD"):
        run_atheris(targets[0], flags)
        return 0
    seconds = os.environ.get("FUZZ_SECONDS", "300")
    status = 0
    for target in targets:  # libFuzzer ends its process: one child per target
        env: dict[str, Any] = {**os.environ, "RUN_ATHERIS_CHILD": "1"}
        has_time = any(f.startswith(("-max_total_time", "-runs")) for f in flags)
        child_flags = flags if has_time else [f"-max_total_time={seconds}", *flags]
        r = subprocess.run([sys.executable, __file__, target, "--", *child_flags], env=env, cwd=ROOT)
        for p in collect_artifacts(target):
            print(f"saved {p.relative_to(ROOT)}")
        status = status or r.returncode
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
