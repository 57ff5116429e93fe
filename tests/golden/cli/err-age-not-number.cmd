["query", "examples/solo-gp.diary.yaml", "age=abc", "--at", "2026-12-01T09:00"]
