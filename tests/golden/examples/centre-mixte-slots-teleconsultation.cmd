["slots", "examples/centre-mixte.diary.yaml", "reason=teleconsultation", "patient=known", "symptoms=", "--at", "2026-12-01T10:00", "--limit", "3", "--format", "json"]
