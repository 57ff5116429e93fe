["slots", "examples/maison-de-sante.diary.yaml", "reason=consultation", "symptoms=", "pregnant=yes", "--at", "2026-12-09T09:00", "--why-not", "nguyen@2026-12-09T12:07", "--format", "json"]
