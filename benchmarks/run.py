"""`python -m benchmarks.run [--quick]`: measure diaryrules against its peers, print one table and write
`benchmarks/results.json` (atomically: a temp file, fsync, rename).

In one run:

1. decisions per second on generated files of 100, 1,000 and 5,000 rules: `decide` on typed requests
   (the engine) and on request mappings (`make_request` included: what an API caller pays), the
   naive scan (benchmarks/naive.py), zen-engine single calls and `evaluate_batch` (benchmarks/zen.py),
   all on the same complete requests, with the answers cross-checked;
2. compile time and diagram sizes (the matched-set diagram every check reads, and the decision
   diagram `diaryrules tree` shows), per file size;
3. full lint time (`lint_files`: load, compile, every check, the file's tests) per file size, in a
   child process with a time limit, its stages timed, and the growth exponent fitted over the sizes;
4. `slots` for 20 practitioners over 90 days with 2,000 busy appointments, when `diaryrules.slots`
   exists;
5. cold `diaryrules query` and `diaryrules lint` on an example against `python -c pass` (subprocesses),
   and a cold `diaryrules query` on a generated 1,000-rule file (no target: how the cache scales);
6. peak memory: tracemalloc in-process for 1, 2 and 4; the child's ru_maxrss for 3 and 5.

Figures are medians of repeated runs with min and max. The targets are quoted, never asserted.
`--profile N` prints the top functions of lint and of `decide` on the N-rule file instead.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results.json"
EXAMPLE = ROOT / "examples" / "maison-de-sante.diary.yaml"
QUERY_ARGS = ["query", str(EXAMPLE), "reason=renewal", "patient=known", "age=54", "--at", "2026-12-01T10:00"]
LINT_TODAY = date(2027, 1, 1)  # the generated files' dated rules lie in 2027–2028
EVERY = 10**9  # a `limit` no slot search reaches: every eligible slot

TARGETS = {
    "decide_rate_1000": ("decide ≥ 100,000 decisions/s on 1,000 rules (one call per request)", 100_000),
    "naive_ratio_1000": ("decide ≥ 20× the naive scan on 1,000 rules", 20.0),
    "zen_batch_ratio_1000": ("decide faster than zen-engine evaluate_batch on 1,000 rules", 1.0),
    "compile_lint_1000": ("compile + full lint ≤ 2 s for 1,000 rules", 2.0),
    "compile_lint_5000": ("compile + full lint ≤ 15 s for 5,000 rules", 15.0),
    "lint_exponent": ("lint growth exponent ≤ 1.5", 1.5),
    "tree_nodes_per_rule": ("tree ≤ 20 nodes per rule on the generated files", 20.0),
    "slots_ms": ("slots ≤ 300 ms (20 practitioners, 90 days, 2,000 busy): every slot", 300.0),
    "slots_first20_ms": ("slots ≤ 300 ms (same): the first 20, the command line's default", 300.0),
    "cold_query_ms": ("cold `diaryrules query` ≤ 350 ms wall", 350.0),
    "cold_query_over_python_ms": ("cold `diaryrules query` ≤ 250 ms more than `python -c pass`", 250.0),
}


@dataclasses.dataclass(frozen=True)
class Plan:
    sizes: tuple[int, ...]
    requests: int  # requests per size
    repeats: int  # timed repeats of each rate (fewer on the largest file)
    seconds: float  # the aim for one timed repeat of a rate
    compile_repeats: dict[int, int]
    lint_repeats: dict[int, int]
    lint_timeout: dict[int, float]
    cli_repeats: int
    slots_repeats: int
    costly_peaks: bool  # tracemalloc peaks of compile (≤ 1,000 rules) and of the full slot listing


FULL = Plan(sizes=(100, 1000, 5000), requests=2000, repeats=7, seconds=0.6,
            compile_repeats={100: 5, 1000: 3, 5000: 1}, lint_repeats={100: 3, 1000: 2, 5000: 1},
            lint_timeout={100: 60, 1000: 150, 5000: 150}, cli_repeats=9, slots_repeats=5, costly_peaks=True)
QUICK = Plan(sizes=(100, 300, 1000), requests=500, repeats=3, seconds=0.25,
             compile_repeats={100: 3, 300: 2, 1000: 1}, lint_repeats={100: 1, 300: 1, 1000: 1},
             lint_timeout={100: 30, 300: 30, 1000: 40}, cli_repeats=3, slots_repeats=1, costly_peaks=False)


def _log(msg: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def summary(values: Sequence[float]) -> dict[str, Any]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": len(values)}


# -- rates ------------------------------------------------------------------------------------------

def measure_rate(fn: Callable[[Sequence[Any]], Any], items: Sequence[Any], repeats: int,
                 seconds: float) -> dict[str, Any]:
    """Calls per second of `fn` over a prefix of `items`, one timed pass per repeat. The prefix is
    sized so that a pass lasts about `seconds` (all items at most)."""
    probe = items[: min(len(items), 20)]
    t0 = time.perf_counter()
    fn(probe)
    per = (time.perf_counter() - t0) / len(probe)
    n = max(len(probe), min(len(items), int(seconds / max(per, 1e-9))))
    sub = items[:n]
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(repeats):
        gc.collect()
        w0, c0 = time.perf_counter(), time.process_time()
        fn(sub)
        w, c = time.perf_counter() - w0, time.process_time() - c0
        wall.append(n / w)
        cpu.append(n / c if c > 0 else float("nan"))
    out = summary(wall)
    out.update(requests=n, cpu_per_s_median=statistics.median(cpu))
    return out


_REQUEST_CACHES = ("answers", "outcome_parts")  # what decide learns from requests (not from the file)


def measure_new_requests(practice: Any, n: int, repeats: int, warm: bool = False) -> dict[str, Any]:
    """`decide` on requests it has never seen: each timed pass gets `n` new requests, and every
    cache `decide` fills from requests (what an outcome says, by what it says × reason ×
    practitioner × site; the answers to incomplete requests) is emptied before it; what was made
    from the file (the diagrams, the walk's table with the trail's words per edge) stays. Reuse
    inside a pass is of an outcome part an earlier request of the same pass built — what a fresh
    process answering real calls gets. `warm`: nothing is emptied — a process that has been
    answering for a while."""
    from benchmarks.generate import sample_requests
    from diaryrules.compile import compiled
    from diaryrules.evaluate import decide, make_request

    cp = compiled(practice)
    parts = getattr(cp, "outcome_parts", None)
    pools = [[make_request(practice, g) for g in sample_requests(practice, n, seed=1000 + k)]
             for k in range(repeats)]
    wall: list[float] = []
    cpu: list[float] = []
    built: list[float] = []
    for pool in pools:
        for name in (() if warm else _REQUEST_CACHES):
            cache = getattr(cp, name, None)
            if cache is not None:
                cache.clear()
        before = len(parts) if parts is not None else 0
        gc.collect()
        w0, c0 = time.perf_counter(), time.process_time()
        for r in pool:
            decide(practice, r)
        w, c = time.perf_counter() - w0, time.process_time() - c0
        wall.append(n / w)
        cpu.append(n / c if c > 0 else float("nan"))
        if parts is not None:
            built.append((len(parts) - before) / n)
    out = summary(wall)
    out.update(requests=n, cpu_per_s_median=statistics.median(cpu),
               parts_built_per_request_median=statistics.median(built) if built else None)
    return out


def peak_bytes(fn: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- lint in a child ----------------------------------------------------------------------------------

def lint_child(path: str, today: str) -> None:
    """Run in a child: `lint_files` on one file, its stages timed (printed as JSON lines as they end)."""
    import diaryrules.checks as checks_pkg
    import diaryrules.compile as compile_mod
    import diaryrules.context as context_mod
    import diaryrules.linter as lint_mod
    import diaryrules.testing as testing_mod

    def emit(**kw: Any) -> None:
        sys.stdout.write(json.dumps(kw) + "\n")
        sys.stdout.flush()

    open_stages: list[list[Any]] = []  # [name, start, seconds spent in nested stages]

    def begin(name: str) -> None:
        emit(stage=name, start=True)
        open_stages.append([name, time.perf_counter(), 0.0])

    def end(**kw: Any) -> None:
        name, t0, nested = open_stages.pop()
        total = time.perf_counter() - t0
        if open_stages:
            open_stages[-1][2] += total
        emit(stage=name, seconds=total - nested, **kw)  # own time: a nested stage counts once, for itself

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*a: Any, **k: Any) -> Any:
            begin(name)
            try:
                return fn(*a, **k)
            finally:
                end()
        return wrapper

    lint_mod.load_practice = timed("load", lint_mod.load_practice)  # type: ignore[assignment]
    context_mod.compiled = timed("compile", compile_mod.compiled)  # type: ignore[assignment]
    testing_mod.run_tests = timed("tests", testing_mod.run_tests)  # type: ignore[assignment]
    for c in checks_pkg.check_modules():
        original = c.module.check

        def check(ctx: Any, _orig: Any = original, _code: str = c.code) -> Any:
            begin(_code)
            found = list(_orig(ctx))
            end(findings=len(found))
            return iter(found)

        setattr(c.module, "check", check)  # noqa: B010  (a module attribute, replaced at run time)
    w0, c0 = time.perf_counter(), time.process_time()
    result = lint_mod.lint_files([path], today=date.fromisoformat(today))
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    counts: dict[str, int] = {}
    for d in result.diagnostics:
        counts[d.code] = counts.get(d.code, 0) + 1
    emit(done=True, seconds=wall, cpu_seconds=cpu, maxrss_kib=_hwm_kib(), diagnostics=counts,
         exit_code=result.exit_code())


def _hwm_kib() -> int:
    """This process's peak RSS since exec (VmHWM). Not ru_maxrss: after a vfork + exec that one
    starts at the parent's size, and the benchmark's parent is large."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_lint(path: Path, timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.run", "--lint-child", str(path), LINT_TODAY.isoformat()]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_child_env())
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        timed_out = True
    wall = time.perf_counter() - t0
    stages: dict[str, float] = {}
    running: list[str] = []
    done: dict[str, Any] | None = None
    for line in out.splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if rec.get("done"):
            done = rec
        elif rec.get("start"):
            running.append(rec["stage"])
        elif "seconds" in rec:
            stages[rec["stage"]] = stages.get(rec["stage"], 0.0) + rec["seconds"]
            if running and running[-1] == rec["stage"]:
                running.pop()
    res: dict[str, Any] = {"stages": stages, "child_wall_seconds": wall}
    if done is not None:
        res.update(seconds=done["seconds"], cpu_seconds=done["cpu_seconds"], maxrss_kib=done["maxrss_kib"],
                   diagnostics=done["diagnostics"], exit_code=done["exit_code"])
    elif timed_out:
        res.update(timed_out=True, timeout=timeout, running=" > ".join(running) or None)
    else:
        res.update(error=err.strip().splitlines()[-1:] or ["no output"])
    return res


# -- one file size ------------------------------------------------------------------------------------

def bench_size(n: int, plan: Plan, workdir: Path, zen_missing: str | None) -> dict[str, Any]:
    from benchmarks.generate import generate, proportions, sample_requests
    from benchmarks.naive import NaiveEvaluator
    from diaryrules.compile import compile_practice, compiled
    from diaryrules.evaluate import decide, make_request
    from diaryrules.linter import load_practice

    out: dict[str, Any] = {"rules": n, "proportions": proportions(n).to_json()}
    text = generate(n, seed=0)
    path = workdir / f"bench-{n}.diary.yaml"
    path.write_text(text, encoding="utf-8")
    out["file_bytes"] = len(text.encode())
    t0 = time.perf_counter()
    loaded = load_practice(str(path))
    out["load_seconds"] = time.perf_counter() - t0
    practice = loaded.practice
    if practice is None:
        raise SystemExit(f"generated file of {n} rules does not load: {loaded.diagnostics[:3]}")
    _log(f"{n} rules: loaded in {out['load_seconds']:.2f}s")

    # 2. compile
    times = []
    cp = None
    for k in range(plan.compile_repeats.get(n, 1)):
        gc.collect()
        t0 = time.perf_counter()
        # the first through `compiled`, which keeps the diagram `decide` walks (the same work)
        cp = compiled(practice) if k == 0 else compile_practice(practice)
        times.append(time.perf_counter() - t0)
    assert cp is not None
    rules = len(practice.rules) - (1 if practice.default else 0)
    out["compile_seconds"] = summary(times)
    diagram, tree = cp.node_count, cp.diagram.size(cp.decision_root)
    out["diagram_nodes"] = diagram
    out["tree_nodes"] = tree
    out["diagram_nodes_per_rule"] = diagram / rules
    out["tree_nodes_per_rule"] = tree / rules
    out["dimensions"] = len(cp.dims)
    if n <= 1000 and plan.costly_peaks:
        out["compile_peak_bytes"] = peak_bytes(lambda: compile_practice(practice))
    _log(f"{n} rules: compiled in {statistics.median(times):.2f}s, {diagram} diagram nodes, "
         f"{tree} tree nodes")

    # 1. decisions per second
    given = sample_requests(practice, plan.requests, seed=1)
    reqs = [make_request(practice, g) for g in given]
    # decide's table (linked rows, each leaf's answer per reason) is made from the file by the
    # second complete decide: what that costs, once per practice and process
    kept = compiled(practice)
    kept.walk, kept.walk_wanted = None, True  # the second complete decide makes it; the first does not
    gc.collect()
    t0 = time.perf_counter()
    decide(practice, reqs[0])
    out["decide_table_seconds"] = time.perf_counter() - t0
    if n <= 1000 and plan.costly_peaks:
        kept.walk = None
        out["decide_table_peak_bytes"] = peak_bytes(lambda: decide(practice, reqs[0]))
    naive = NaiveEvaluator(practice)
    ours = [decide(practice, r) for r in reqs]
    reps = plan.repeats if n < 5000 else max(3, plan.repeats // 2)
    rates: dict[str, Any] = {}
    rates["decide"] = measure_rate(lambda rs: [decide(practice, r) for r in rs], reqs, reps, plan.seconds)
    rates["decide_new_requests"] = measure_new_requests(practice, rates["decide"]["requests"], reps)
    rates["decide_new_requests_warm"] = measure_new_requests(practice, rates["decide"]["requests"], reps,
                                                             warm=True)
    from diaryrules import evaluate

    if evaluate.native_answer is not None:  # the same steps in Python: what an install without a C compiler gets
        kept_answer, evaluate.native_answer = evaluate.native_answer, None
        try:
            rates["decide_new_requests_python"] = measure_new_requests(practice, rates["decide"]["requests"], reps)
        finally:
            evaluate.native_answer = kept_answer
    rates["decide_from_mapping"] = measure_rate(lambda gs: [decide(practice, g) for g in gs], given, reps,
                                                plan.seconds)
    rates["naive"] = measure_rate(lambda rs: [naive.decide(r) for r in rs], reqs, reps, plan.seconds)
    _log(f"{n} rules: decide {rates['decide_new_requests']['median']:,.0f}/s on new requests, "
         f"{rates['decide']['median']:,.0f}/s repeated; naive {rates['naive']['median']:,.0f}/s")
    check = max(rates["naive"]["requests"], min(len(reqs), 500))  # answers compared on this many
    agree = sum(dataclasses.replace(a, trail=()) == dataclasses.replace(naive.decide(r), trail=())
                for a, r in zip(ours[:check], reqs[:check], strict=True))
    out["naive_agreement"] = {"same": agree, "of": check}
    fresh = [make_request(practice, g) for g in sample_requests(practice, 500, seed=999)]
    for name in _REQUEST_CACHES:  # the peak of answering new requests, not of reading cached parts
        cache = getattr(compiled(practice), name, None)
        if cache is not None:
            cache.clear()
    out["decide_peak_bytes"] = peak_bytes(lambda: [decide(practice, r) for r in fresh])
    out["naive_peak_bytes"] = peak_bytes(lambda: [naive.decide(r) for r in reqs[:200]])

    if zen_missing is None:
        from benchmarks.zen import ZenPeer, context_of

        t0 = time.perf_counter()
        peer = ZenPeer(practice)
        out["zen_setup_seconds"] = time.perf_counter() - t0
        ctxs = [context_of(r) for r in reqs]
        rates["zen_single"] = measure_rate(lambda cs: [peer.rule(c) for c in cs], ctxs, reps, plan.seconds)
        # one batch of as many requests as single calls get through in ~2 passes' time (all at most)
        n_batch = max(100, min(len(ctxs), int(rates["zen_single"]["median"] * plan.seconds * 2)))
        batch_items = peer.batch_items(ctxs[:n_batch])
        wall, cpu = [], []
        answers: list[str | None] = []
        for _ in range(reps):
            gc.collect()
            w0, c0 = time.perf_counter(), time.process_time()
            answers = peer.batch(batch_items)
            w, c = time.perf_counter() - w0, time.process_time() - c0
            wall.append(len(batch_items) / w)
            cpu.append(len(batch_items) / c if c > 0 else float("nan"))
        rates["zen_batch"] = dict(summary(wall), requests=len(batch_items),
                                  cpu_per_s_median=statistics.median(cpu))
        same_single = sum(peer.rule(c) == a.rule for c, a in zip(ctxs[:n_batch], ours, strict=False))
        same_batch = sum(z == a.rule for z, a in zip(answers, ours, strict=False))
        out["zen_agreement"] = {"single_same": same_single, "batch_same": same_batch, "of": n_batch,
                                "ambiguous_requests": sum(1 for a in ours[:n_batch] if a.ambiguous)}
        out["zen_peak_bytes_python_side"] = peak_bytes(lambda: [peer.rule(c) for c in ctxs[:200]])
        _log(f"{n} rules: zen single {rates['zen_single']['median']:,.0f}/s, "
             f"batch {rates['zen_batch']['median']:,.0f}/s")
    out["rates"] = rates
    out["tiers_hit"] = {t: sum(1 for a in ours if a.tier == t)
                        for t in ("triage", "exceptions", "rules", "default")}
    # the ratios use decide on new requests: the peers have no answer cache, and meet every request anew
    ours_rate = rates["decide_new_requests"]["median"]
    out["ratio_vs_naive"] = ours_rate / rates["naive"]["median"]
    if "zen_batch" in rates:
        out["ratio_vs_zen_batch"] = ours_rate / rates["zen_batch"]["median"]
        out["ratio_vs_zen_single"] = ours_rate / rates["zen_single"]["median"]
    del cp

    # 3. lint, in a child (time limit)
    runs = []
    for _ in range(plan.lint_repeats.get(n, 1)):
        res = run_lint(path, plan.lint_timeout.get(n, 120))
        runs.append(res)
        if "seconds" not in res:
            break
    done = [r["seconds"] for r in runs if "seconds" in r]
    out["lint"] = {"runs": runs}
    if done:
        out["lint"]["seconds"] = summary(done)
        out["lint"]["maxrss_kib"] = max(r["maxrss_kib"] for r in runs if "maxrss_kib" in r)
        _log(f"{n} rules: lint {statistics.median(done):.2f}s")
    else:
        out["lint"]["incomplete"] = runs[-1]
        _log(f"{n} rules: lint did not finish: {runs[-1].get('running') or runs[-1].get('error')}")
    return out


def zen_floor(plan: Plan) -> dict[str, Any]:
    """zen-engine's fixed cost per call: a table with a single always-true row, same call paths."""
    import zen

    content = json.dumps({
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "request", "type": "inputNode", "name": "request", "position": {"x": 0, "y": 0}},
            {"id": "rules", "type": "decisionTableNode", "name": "rules", "position": {"x": 300, "y": 0},
             "content": {"hitPolicy": "first", "inputs": [{"id": "c", "name": "reason", "field": "reason"}],
                         "outputs": [{"id": "o", "name": "rule", "field": "rule"}],
                         "rules": [{"_id": "d", "c": "", "o": "'default'"}]}},
            {"id": "response", "type": "outputNode", "name": "response", "position": {"x": 600, "y": 0}},
        ],
        "edges": [{"id": "e1", "sourceId": "request", "targetId": "rules", "type": "edge"},
                  {"id": "e2", "sourceId": "rules", "targetId": "response", "type": "edge"}]})
    engine = zen.ZenEngine({"loader": {"type": "static", "content": {"floor": json.loads(content)}}})
    ctxs = [{"reason": "consultation", "age": k % 100} for k in range(plan.requests)]
    single = measure_rate(lambda cs: [engine.evaluate("floor", c) for c in cs], ctxs, plan.repeats,
                          plan.seconds)
    items: list[Any] = [{"key": "floor", "context": c} for c in ctxs]
    batch = measure_rate(lambda _cs: engine.evaluate_batch(items), [items], plan.repeats, plan.seconds)
    batch_rate = {k: v * len(items) if k in ("median", "min", "max", "cpu_per_s_median") else v
                  for k, v in batch.items()}
    return {"single": single, "batch": dict(batch_rate, requests=len(items))}


# -- slots ----------------------------------------------------------------------------------------------

def bench_slots(plan: Plan) -> dict[str, Any]:
    import importlib.util

    if importlib.util.find_spec("diaryrules.slots") is None:
        return {"available": False, "why": "diaryrules.slots does not exist yet"}
    try:
        return _bench_slots(plan)
    except Exception as e:  # the module is being written: say what failed rather than crash
        return {"available": False, "why": f"{type(e).__name__}: {e}"}


def busy_calendar(practice: Any, count: int, start: datetime, days: int,
                  seed: int = 2) -> list[dict[str, Any]]:
    """`count` busy appointments spread over the practitioners and days, inside working hours, as the
    JSON list `slots --busy` reads: {practitioner, start, end} with ISO times."""
    import random

    rng = random.Random(seed)
    prs = list(practice.practitioners)
    out = []
    for _ in range(count):
        day = start.date() + timedelta(days=rng.randrange(days))
        minute = rng.randrange(8 * 60, 18 * 60, 15)
        begin = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
        end = begin + timedelta(minutes=rng.choice([15, 20, 30]))
        out.append({"practitioner": rng.choice(prs), "start": begin.isoformat(timespec="minutes"),
                    "end": end.isoformat(timespec="minutes")})
    return out


def _bench_slots(plan: Plan) -> dict[str, Any]:
    from benchmarks.generate import generate, sample_requests
    from diaryrules import busy as busy_mod
    from diaryrules import slots as slots_mod
    from diaryrules.evaluate import decide, make_request
    from diaryrules.linter import load_practice

    text = generate(200, seed=0, practitioners=20)
    loaded = load_practice("slots-bench.diary.yaml", text)
    practice = loaded.practice
    assert practice is not None, loaded.diagnostics[:3]
    at = "2027-03-01T08:00"
    # a request for the first reason (handled by everyone) that its base rule decides: a `book` with
    # every practitioner, over the reason's 90-day horizon
    best: tuple[int, Any, Any] | None = None
    first_reason = next(iter(practice.reasons))
    for given in sample_requests(practice, 400, seed=5):
        given = {k: v for k, v in given.items() if k != "practitioner"}
        given.update(reason=first_reason, at=at)
        req = make_request(practice, given)
        d = decide(practice, req)
        if d.action == "book" and (best is None or len(d.practitioners) > best[0]):
            best = (len(d.practitioners), req, d)
    assert best is not None, "no request of the slots scenario is booked"
    _n, request, decision = best
    start = datetime.fromisoformat(at).replace(tzinfo=practice.zone)
    raw = busy_calendar(practice, 2000, start, 90)
    # busy.py reads the JSON list from text, as `slots --busy FILE` does
    t0 = time.perf_counter()
    busy = busy_mod.parse_busy_json(json.dumps(raw), practice, "bench-busy.json")
    parse_ms = (time.perf_counter() - t0) * 1000
    def run(limit: int) -> tuple[list[float], int]:
        times: list[float] = []
        found: Any = None
        for _ in range(plan.slots_repeats):
            gc.collect()
            t0 = time.perf_counter()
            found = slots_mod.find_slots(practice, decision, request, start=start, days=90, busy=busy,
                                         limit=limit)
            times.append((time.perf_counter() - t0) * 1000)
        slots: Any = getattr(found, "slots", found)
        return times, len(slots) if slots is not None else 0

    times, slots_found = run(EVERY)  # every eligible slot over the 90 days
    first_times, first_found = run(20)  # the command line's default `--limit 20`
    return {"available": True, "ms": summary(times), "ms_first_20": summary(first_times),
            "first_20_found": first_found, "busy_parse_ms": parse_ms,
            "practitioners": len(decision.practitioners),
            "decision": decision.action, "busy": len(raw), "days": 90, "slots_found": slots_found,
            "peak_bytes": peak_bytes(lambda: slots_mod.find_slots(practice, decision, request, start=start,
                                                                  days=90, busy=busy, limit=EVERY))
            if plan.costly_peaks else None}


# -- cold CLI -----------------------------------------------------------------------------------------

# Started with `python -S`: forks (a real fork, from a small process) and execs the command, then
# prints its wall time, its ru_maxrss and its exit code. Measuring from the benchmark's own process
# would not do: subprocess uses vfork, and a child's ru_maxrss then starts at the parent's size.
# The launcher's own size (a few MiB) is the floor of what it can report.
LAUNCHER = """
import os, sys, time
cmd = sys.argv[1:]
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    fd = os.open(os.devnull, os.O_RDWR)
    for k in (0, 1, 2):
        os.dup2(fd, k)
    try:
        os.execv(cmd[0], cmd)
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
sys.stdout.write("%r %d %d\\n" % (wall, ru.ru_maxrss, os.waitstatus_to_exitcode(status)))
"""


def _child_env() -> dict[str, str]:
    """The caller's environment, less what would make every run recompile the package: with
    PYTHONDONTWRITEBYTECODE set (some shells and CI images set it) no `.pyc` is ever written, and
    each "cold" start would pay ~110 ms of compiling sources that an installed tool never pays."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NO_COLOR"] = "1"
    return env


def _child(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """(wall seconds, max RSS KiB, exit code) of one child process."""
    out = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, *cmd], cwd=ROOT, capture_output=True,
                         text=True, env={**_child_env(), **(env or {})}, check=True).stdout.split()
    return float(out[0]), int(out[1]), int(out[2])


LARGE_QUERY_RULES = 1000  # a large practice's cold query (no target: how the cache scales)


def bench_cli(plan: Plan) -> dict[str, Any]:
    from benchmarks.generate import generate, sample_requests
    from diaryrules.linter import load_practice

    exe = Path(sys.executable).parent / "diaryrules"
    cli = [str(exe)] if exe.exists() else [sys.executable, "-m", "diaryrules"]
    with tempfile.TemporaryDirectory(prefix="diaryrules-bench-cli-") as d:
        large = Path(d) / f"bench-{LARGE_QUERY_RULES}.diary.yaml"
        large.write_text(generate(LARGE_QUERY_RULES, seed=0), encoding="utf-8")
        practice = load_practice(str(large)).practice
        g = sample_requests(practice, 1, seed=7)[0]  # what a caller knows first: reason, patient, age
        words = [f"{k}={g[k]}" for k in ("reason", "patient", "age") if k in g]
        large_name = f"diaryrules query ({LARGE_QUERY_RULES:,} rules)"
        cmds = {"python -c pass": [sys.executable, "-c", "pass"],
                "diaryrules query": [*cli, *QUERY_ARGS],
                "diaryrules lint": [*cli, "lint", str(EXAMPLE)],
                large_name: [*cli, "query", str(large), *words, "--at", "2027-03-01T10:00"]}
        envs = {large_name: {"DIARYRULES_CACHE_DIR": str(Path(d) / "cache")}}  # not the user's cache
        for k, cmd in cmds.items():  # warm the byte-code, page and compiled caches: "cold" is a new process
            _child(cmd, envs.get(k))
        runs: dict[str, list[tuple[float, int, int]]] = {k: [] for k in cmds}
        for _ in range(plan.cli_repeats):
            for k, cmd in cmds.items():  # interleaved, so that a busy moment hurts all alike
                runs[k].append(_child(cmd, envs.get(k)))
    out: dict[str, Any] = {"command_line": {k: " ".join(v) for k, v in cmds.items()}}
    for k, rs in runs.items():
        out[k] = {"ms": summary([r[0] * 1000 for r in rs]), "maxrss_kib": summary([r[1] for r in rs]),
                  "exit_codes": sorted({r[2] for r in rs})}
    base = out["python -c pass"]["ms"]["median"]
    out["query_over_python_ms"] = out["diaryrules query"]["ms"]["median"] - base
    out["lint_over_python_ms"] = out["diaryrules lint"]["ms"]["median"] - base
    return out


# -- environment -----------------------------------------------------------------------------------------

def environment() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for pkg in ("diaryrules", "zen-engine", "lark", "PyYAML", "holidays", "jsonschema", "typer", "rich"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = None
    commit = None
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)),
            "python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(), "packages": versions, "git_commit": commit,
            "load_average_at_start": os.getloadavg(), "decide_walk": _decide_walk()}


def _decide_walk() -> str:
    from diaryrules import evaluate

    return "C (diaryrules._speedups)" if evaluate.native_answer is not None else "Python (no C module built)"


# -- targets and table -------------------------------------------------------------------------------------

def growth_exponent(points: Sequence[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(time) on log(size)."""
    if len(points) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else None


def stage_exponents(sizes: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per lint stage (own time), the growth exponent over the sizes whose lint finished: which part
    of the linter grows how fast."""
    done = [s for s in sizes if "seconds" in s["lint"]]
    out: dict[str, Any] = {}
    if len(done) < 2:
        return out
    names = set.intersection(*(set(s["lint"]["runs"][-1]["stages"]) for s in done))
    for name in sorted(names):
        pts = [(s["rules"], s["lint"]["runs"][-1]["stages"][name]) for s in done]
        if all(t > 0 for _, t in pts):
            out[name] = {"exponent": growth_exponent(pts), "seconds": {str(n): t for n, t in pts}}
    return out


def lint_figure(size: dict[str, Any]) -> tuple[float, bool]:
    """(seconds, complete): the median lint time, or the time limit it did not finish in."""
    lint = size["lint"]
    if "seconds" in lint:
        return float(lint["seconds"]["median"]), True
    inc = lint.get("incomplete", {})
    return float(inc.get("timeout", inc.get("child_wall_seconds", float("nan")))), False


def judge(results: dict[str, Any]) -> dict[str, Any]:
    sizes = {s["rules"]: s for s in results["sizes"]}
    verdicts: dict[str, Any] = {}

    def put(key: str, value: float | None, ok: bool | None, note: str = "") -> None:
        text, target = TARGETS[key]
        verdicts[key] = {"target": text, "threshold": target, "value": value, "met": ok, "note": note}

    s1 = sizes.get(1000)
    if s1:
        r = s1["rates"]["decide_new_requests"]["median"]
        put("decide_rate_1000", r, r >= 100_000,
            f"new requests, every cache emptied; in a warm process: "
            f"{s1['rates'].get('decide_new_requests_warm', {}).get('median', float('nan')):,.0f}/s; "
            f"the same requests again: "
            f"{s1['rates']['decide']['median']:,.0f}/s; from a mapping: "
            f"{s1['rates']['decide_from_mapping']['median']:,.0f}/s")
        put("naive_ratio_1000", s1["ratio_vs_naive"], s1["ratio_vs_naive"] >= 20)
        if "ratio_vs_zen_batch" in s1:
            put("zen_batch_ratio_1000", s1["ratio_vs_zen_batch"], s1["ratio_vs_zen_batch"] > 1)
        else:
            put("zen_batch_ratio_1000", None, None, "zen-engine not available")
        # `lint_files` loads and compiles the file itself: its time is compile + full lint (adding the
        # separate compile figure would count the compile twice)
        lint, complete = lint_figure(s1)
        put("compile_lint_1000", lint, lint <= 2,
            f"lint_files, which loads and compiles ({s1['compile_seconds']['median']:.2f} s of compile alone)"
            + ("" if complete else "; it did not finish: a lower bound"))
    s5 = sizes.get(5000)
    if s5:
        lint, complete = lint_figure(s5)
        put("compile_lint_5000", lint, lint <= 15 if complete or lint > 15 else None,
            f"lint_files ({s5['compile_seconds']['median']:.2f} s of compile alone)"
            + ("" if complete else f"; it did not finish in {lint:.0f} s: a lower bound"))
    exp = results.get("lint_growth_exponent")
    if exp is not None:
        met = exp["value"] <= 1.5 if exp["exact"] or exp["value"] > 1.5 else None
        notes = [f"over {exp['sizes']}"]
        if not exp["exact"]:
            notes.append("a lower bound: the largest file's lint did not finish")
        if exp.get("largest_pair") is not None:
            notes.append(f"between the two largest sizes alone: {exp['largest_pair']:.2f}")
        put("lint_exponent", exp["value"], met, "; ".join(notes))
    worst = max(s["tree_nodes_per_rule"] for s in results["sizes"])
    worst_diagram = max(s["diagram_nodes_per_rule"] for s in results["sizes"])
    put("tree_nodes_per_rule", worst, worst <= 20,
        f"the matched-set diagram the checks read: up to {worst_diagram:.1f} nodes per rule")
    sl = results["slots"]
    if sl.get("available"):
        put("slots_ms", sl["ms"]["median"], sl["ms"]["median"] <= 300,
            f"{sl['slots_found']:,} slots listed; reading the 2,000 busy entries: "
            f"{sl['busy_parse_ms']:.0f} ms more")
        put("slots_first20_ms", sl["ms_first_20"]["median"], sl["ms_first_20"]["median"] <= 300)
    else:
        put("slots_ms", None, None, "slots: not available")
        put("slots_first20_ms", None, None, "slots: not available")
    cli = results["cli"]
    q = cli["diaryrules query"]["ms"]["median"]
    put("cold_query_ms", q, q <= 350)
    put("cold_query_over_python_ms", cli["query_over_python_ms"], cli["query_over_python_ms"] <= 250)
    return verdicts


def _rate(r: dict[str, Any] | None) -> str:
    if not r:
        return "—"
    return f"{r['median']:,.0f} ({r['min']:,.0f}–{r['max']:,.0f})"


def _secs(r: dict[str, Any]) -> str:
    return f"{r['median']:.2f} ({r['min']:.2f}–{r['max']:.2f})" if r["runs"] > 1 else f"{r['median']:.2f}"


def _mib(b: float | None) -> str:
    return "—" if b is None else f"{b / 2**20:.1f} MiB"


def table(results: dict[str, Any]) -> str:
    sizes = results["sizes"]
    head = ["measure", *[f"{s['rules']:,} rules" for s in sizes]]
    rows: list[list[str]] = []

    def row(name: str, fn: Callable[[dict[str, Any]], str]) -> None:
        cells = []
        for s in sizes:
            try:
                cells.append(fn(s))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("—")
        rows.append([name, *cells])

    row("decide, new requests /s", lambda s: _rate(s["rates"]["decide_new_requests"]))
    row("  outcome parts built per request",
        lambda s: f"{s['rates']['decide_new_requests']['parts_built_per_request_median']:.0%}")
    row("  same, process warm /s", lambda s: _rate(s["rates"].get("decide_new_requests_warm")))
    row("  same, walk in Python /s", lambda s: _rate(s["rates"].get("decide_new_requests_python")))
    row("decide, repeated requests /s", lambda s: _rate(s["rates"]["decide"]))
    row("decide, repeated, from mapping /s", lambda s: _rate(s["rates"]["decide_from_mapping"]))
    row("naive scan /s", lambda s: _rate(s["rates"]["naive"]))
    row("  decide (new) ÷ naive", lambda s: f"{s['ratio_vs_naive']:.1f}×")
    row("zen-engine single /s", lambda s: _rate(s["rates"].get("zen_single")))
    row("zen-engine evaluate_batch /s", lambda s: _rate(s["rates"].get("zen_batch")))
    row("  decide (new) ÷ zen batch", lambda s: f"{s['ratio_vs_zen_batch']:.1f}×")
    row("  answers equal (naive | zen)",
        lambda s: f"{s['naive_agreement']['same']}/{s['naive_agreement']['of']} | "
                  f"{s['zen_agreement']['batch_same']}/{s['zen_agreement']['of']}" if "zen_agreement" in s
        else f"{s['naive_agreement']['same']}/{s['naive_agreement']['of']} | —")
    row("load s (YAML → model)", lambda s: f"{s['load_seconds']:.2f}")
    row("compile s", lambda s: _secs(s["compile_seconds"]))
    row("tree nodes (per rule)", lambda s: f"{s['tree_nodes']:,} ({s['tree_nodes_per_rule']:.1f})")
    row("diagram nodes (per rule)", lambda s: f"{s['diagram_nodes']:,} ({s['diagram_nodes_per_rule']:.1f})")

    def lint_cell(s: dict[str, Any]) -> str:
        secs, complete = lint_figure(s)
        if complete:
            return _secs(s["lint"]["seconds"])
        inc = s["lint"]["incomplete"]
        return f"> {secs:.0f} (in {inc.get('running') or '?'})" if inc.get("timed_out") else "error"

    row("full lint s", lint_cell)
    def slowest(s: dict[str, Any]) -> str:
        name, secs = max(s["lint"]["runs"][-1]["stages"].items(), key=lambda kv: kv[1])
        return f"{name} {secs:.1f}s"

    row("  slowest lint stage (own time)", slowest)
    row("decide's table s (made once)", lambda s: f"{s['decide_table_seconds']:.3f}")
    row("peak: compile (tracemalloc)", lambda s: _mib(s.get("compile_peak_bytes")))
    row("peak: decide's table (tracemalloc)", lambda s: _mib(s.get("decide_table_peak_bytes")))
    row("peak: 500 new decides (tracemalloc)", lambda s: _mib(s["decide_peak_bytes"]))
    row("peak: lint child (max RSS)", lambda s: _mib(s["lint"]["maxrss_kib"] * 1024))
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(head, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    exp = results.get("lint_growth_exponent")
    if exp:
        bound = "≥ " if not exp["exact"] else ""
        pair = exp.get("largest_pair")
        lines.append(f"lint growth exponent over {exp['sizes']}: {bound}{exp['value']:.2f}"
                     + (f" (between the two largest: {pair:.2f})" if pair is not None else ""))
    stages = results.get("lint_stage_exponents") or {}
    big = sorted(stages.items(), key=lambda kv: -max(kv[1]["seconds"].values()))[:4]
    if big:
        lines.append("  by stage (own time, exponent): " + ", ".join(
            f"{k} {max(v['seconds'].values()):.1f}s ^{v['exponent']:.2f}" for k, v in big))
    sl = results["slots"]
    if sl.get("available"):
        ms = sl["ms"]
        lines.append(f"slots: {ms['median']:.0f} ms ({ms['min']:.0f}–{ms['max']:.0f}) for "
                     f"{sl['practitioners']} practitioners, {sl['days']} days, {sl['busy']} busy "
                     f"({sl['slots_found']} slots found), peak {_mib(sl['peak_bytes'])}; the first 20: "
                     f"{sl['ms_first_20']['median']:.0f} ms")
    else:
        lines.append(f"slots: not available ({sl.get('why')})")
    cli = results["cli"]
    for k in cli["command_line"]:  # every command timed, in the order run
        c = cli[k]
        lines.append(f"cold {k}: {c['ms']['median']:.0f} ms ({c['ms']['min']:.0f}–{c['ms']['max']:.0f}), "
                     f"max RSS {c['maxrss_kib']['median'] / 1024:.1f} MiB")
    lines.append(f"  query − python: {cli['query_over_python_ms']:.0f} ms; lint − python: "
                 f"{cli['lint_over_python_ms']:.0f} ms")
    if results.get("zen_floor"):
        zf = results["zen_floor"]
        lines.append(f"zen-engine fixed cost (a one-row table): single {_rate(zf['single'])}/s, "
                     f"evaluate_batch {_rate(zf['batch'])}/s")
    if results.get("zen_missing"):
        lines.append(f"zen-engine: not available ({results['zen_missing']})")
    lines.append("")
    lines.append("targets:")
    for v in results["targets"].values():
        mark = {True: "met", False: "MISSED", None: "n/a"}[v["met"]]
        if v["value"] is None:
            value = "—"
        else:
            value = f"{v['value']:,.2f}" if v["value"] < 1000 else f"{v['value']:,.0f}"
        lines.append(f"  [{mark}] {v['target']}: {value}" + (f" — {v['note']}" if v["note"] else ""))
    env = results["environment"]
    lines.append("")
    lines.append(f"{env['cpu']}, {env['cores']} cores, Python {env['python']}, load average "
                 f"{env['load_average_at_start'][0]:.2f} at start, {results['load_average_at_end'][0]:.2f} "
                 f"at end; {results['elapsed_seconds']:.0f} s; decide's walk: {env.get('decide_walk', '?')}")
    return "\n".join(lines)


def write_atomically(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


# -- profile -------------------------------------------------------------------------------------------------

def profile(n: int, top: int = 25) -> None:
    import cProfile
    import pstats

    from benchmarks.generate import generate, sample_requests
    from diaryrules.evaluate import decide, make_request
    from diaryrules.linter import lint_files, load_practice

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"bench-{n}.diary.yaml"
        path.write_text(generate(n, 0), encoding="utf-8")
        prof = cProfile.Profile()
        prof.runcall(lint_files, [str(path)], today=LINT_TODAY)
        print(f"== lint_files, {n} rules: top {top} by own time")
        pstats.Stats(prof).sort_stats("tottime").print_stats(top)
        practice = load_practice(str(path)).practice
        assert practice is not None
        reqs = [make_request(practice, g) for g in sample_requests(practice, 2000, 1)]
        decide(practice, reqs[0])
        prof = cProfile.Profile()
        prof.runcall(lambda: [decide(practice, r) for r in reqs])
        print(f"== decide × {len(reqs)}, {n} rules: top {top} by own time")
        pstats.Stats(prof).sort_stats("tottime").print_stats(top)


# -- main --------------------------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller files and fewer repetitions (< 2 minutes)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="where to write the results (JSON)")
    ap.add_argument("--sizes", help="comma-separated rule counts instead of the plan's")
    ap.add_argument("--profile", type=int, metavar="N", help="profile lint and decide on the N-rule file")
    ap.add_argument("--lint-child", nargs=2, metavar=("PATH", "TODAY"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.lint_child:
        lint_child(*args.lint_child)
        return 0
    if args.profile:
        profile(args.profile)
        return 0
    plan = QUICK if args.quick else FULL
    if args.sizes:
        plan = dataclasses.replace(plan, sizes=tuple(int(x) for x in args.sizes.split(",")))
    started = time.perf_counter()
    from benchmarks import zen as zen_peer

    zen_missing = zen_peer.available()
    results: dict[str, Any] = {
        "command": "python -m benchmarks.run" + (" --quick" if args.quick else ""),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": environment(),
        "plan": dataclasses.asdict(plan),
        "zen_missing": zen_missing,
        "zen_version": zen_peer.version(),
    }
    # the package's byte-code, as an installed copy has it (pip compiles on install): the lint
    # and command-line children then measure the tool, not Python compiling its sources
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "diaryrules"), str(ROOT / "benchmarks")],
                   cwd=ROOT, env=_child_env(), check=False, capture_output=True)
    sizes = []
    with tempfile.TemporaryDirectory(prefix="diaryrules-bench-") as d:
        for n in plan.sizes:
            sizes.append(bench_size(n, plan, Path(d), zen_missing))
    results["sizes"] = sizes
    if zen_missing is None:
        results["zen_floor"] = zen_floor(plan)
    points = [(s["rules"], lint_figure(s)[0]) for s in sizes]
    exact = all(lint_figure(s)[1] for s in sizes)
    exp = growth_exponent(points)
    results["lint_growth_exponent"] = (None if exp is None else
                                       {"value": exp, "exact": exact, "sizes": [n for n, _ in points],
                                        "largest_pair": growth_exponent(points[-2:])})
    results["lint_stage_exponents"] = stage_exponents(sizes)
    _log("slots")
    results["slots"] = bench_slots(plan)
    _log("cold command line")
    results["cli"] = bench_cli(plan)
    results["load_average_at_end"] = os.getloadavg()
    results["elapsed_seconds"] = time.perf_counter() - started
    results["targets"] = judge(results)
    text = table(results)
    results["table"] = text
    print(text)
    write_atomically(args.out, results)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
