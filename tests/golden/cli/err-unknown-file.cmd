["query", "examples/nope.diary.yaml", "reason=renewal", "--at", "2026-12-01T09:00"]
