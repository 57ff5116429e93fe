["query", "examples/centre-dentaire-docorga.diary.yaml", "reason=emergency", "age=7", "symptoms=", "--at", "2026-12-01T10:00", "--format", "json"]
