["slots", "examples/maison-de-sante.diary.yaml", "reason=first-visit", "symptoms=", "--at", "2026-12-01T10:00", "--limit", "4"]
