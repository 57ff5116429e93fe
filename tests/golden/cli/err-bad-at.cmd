["query", "examples/solo-gp.diary.yaml", "reason=renewal", "--at", "2026-13-01T09:00"]
