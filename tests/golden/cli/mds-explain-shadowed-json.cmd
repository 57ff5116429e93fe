["explain", "examples/maison-de-sante.diary.yaml", "reason=urgent", "symptoms=", "--at", "2026-12-24T10:00", "--format", "json"]
