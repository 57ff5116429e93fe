["explain", "examples/maison-de-sante.diary.yaml", "reason=consultation", "symptoms=", "pregnant=yes", "--at", "2026-12-01T10:00"]
