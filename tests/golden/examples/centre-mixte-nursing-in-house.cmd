["query", "examples/centre-mixte.diary.yaml", "reason=nursing", "symptoms=", "--at", "2026-12-01T10:00", "--format", "json"]
