["slots", "examples/maison-de-sante.diary.yaml", "reason=renewal", "patient=known", "symptoms=", "--at", "2026-12-23T17:30", "--from", "2026-12-24T18:00", "--days", "5", "--limit", "6"]
