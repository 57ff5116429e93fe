["query", "examples/maison-de-sante.diary.yaml", "reason=consultation", "symptoms=", "pregnant=no", "--at", "2026-12-01T10:00", "--format", "json"]
