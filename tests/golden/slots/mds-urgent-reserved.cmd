["slots", "examples/maison-de-sante.diary.yaml", "reason=urgent", "symptoms=", "--at", "2026-12-01T08:00", "--from", "2026-12-01T11:50", "--days", "1", "--limit", "10"]
