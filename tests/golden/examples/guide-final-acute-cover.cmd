["query", "examples/guide-final.diary.yaml", "reason=acute", "symptoms=", "--at", "2026-12-22T10:00", "--format", "json"]
