["slots", "examples/maison-de-sante.diary.yaml", "reason=urgent", "symptoms=", "--at", "2026-12-05T12:30"]
