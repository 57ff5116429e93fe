["slots", "examples/maison-de-sante.diary.yaml", "reason=consultation", "symptoms=", "pregnant=no", "--at", "2026-12-23T09:00", "--why-not", "martin@2026-12-24T10:00"]
