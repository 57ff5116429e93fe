["query", "examples/maison-de-sante.diary.yaml", "reason=first-visit", "symptoms=", "practitioner=nguyen", "--at", "2026-12-01T10:00"]
