["query", "examples/centre-dentaire-docorga.diary.yaml", "reason=root-canal", "patient=known", "symptoms=", "--at", "2026-12-01T10:00", "--format", "json"]
