["slots", "examples/maison-de-sante.diary.yaml", "reason=urgent", "symptoms=", "--at", "2026-12-01T10:00", "--limit", "4", "--format", "json"]
