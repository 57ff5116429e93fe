["slots", "examples/maison-de-sante.diary.yaml", "reason=consultation", "symptoms=", "pregnant=no", "--at", "2026-12-24T19:00", "--format", "json"]
