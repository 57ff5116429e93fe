["slots", "examples/maison-de-sante.diary.yaml", "reason=renewal", "symptoms=", "--at", "2026-12-01T10:00", "--format", "json"]
