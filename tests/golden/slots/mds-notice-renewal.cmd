["slots", "examples/maison-de-sante.diary.yaml", "reason=renewal", "patient=known", "symptoms=", "--at", "2026-12-01T10:00", "--limit", "6"]
