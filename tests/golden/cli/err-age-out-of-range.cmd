["query", "examples/solo-gp.diary.yaml", "age=500", "--at", "2026-12-01T09:00"]
