["query", "examples/solo-gp.diary.yaml", "reason=renewal", "--at", "2026-12-01T09:00", "--format", "xml"]
