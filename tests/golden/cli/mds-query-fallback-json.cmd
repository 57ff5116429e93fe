["query", "examples/maison-de-sante.diary.yaml", "reason=urgent", "symptoms=high_fever", "--at", "2026-12-01T10:00", "--format", "json"]
