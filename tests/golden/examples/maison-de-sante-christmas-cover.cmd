["query", "examples/maison-de-sante.diary.yaml", "reason=urgent", "symptoms=", "--at", "2026-12-28T09:00", "--format", "json"]
