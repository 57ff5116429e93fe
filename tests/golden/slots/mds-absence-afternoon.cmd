["slots", "examples/maison-de-sante.diary.yaml", "reason=consultation", "symptoms=", "pregnant=yes", "--at", "2026-12-10T12:00", "--limit", "10"]
