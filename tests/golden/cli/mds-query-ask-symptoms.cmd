["query", "examples/maison-de-sante.diary.yaml", "--at", "2026-12-01T10:00"]
