["query", "examples/solo-gp.diary.yaml", "reason=renwal", "--at", "2026-12-01T09:00"]
