["query", "examples/solo-gp.diary.yaml", "reasn=renewal", "--at", "2026-12-01T09:00"]
