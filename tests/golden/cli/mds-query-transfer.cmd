["query", "examples/maison-de-sante.diary.yaml", "reason=certificate", "symptoms=", "--at", "2026-12-01T10:00"]
