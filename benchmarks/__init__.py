"""The performance benchmark suite of diaryrules: `python -m benchmarks.run [--quick]`.

`generate` writes synthetic practices of realistic proportions (deterministic by seed), `naive`
is the scan-every-rule reference evaluator, `zen` translates the same rules into a GoRules
zen-engine decision table, and `run` measures everything and writes `benchmarks/results.json`.
See docs/performance.md for the figures and what they mean. Never shipped with the package.
"""
