["query", "examples/solo-gp.diary.yaml", "renewal", "--at", "2026-12-01T09:00"]
