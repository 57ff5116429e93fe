["slots", "examples/maison-de-sante.diary.yaml", "reason=consultation", "symptoms=", "pregnant=no", "--at", "2026-12-01T10:00", "--from", "2026-12-01T11:20", "--days", "1", "--limit", "16"]
