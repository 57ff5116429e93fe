["query", "examples/maison-de-sante.diary.yaml", "reason=consultation", "symptoms=chest_pain,high_fever", "--at", "2026-12-01T10:00"]
