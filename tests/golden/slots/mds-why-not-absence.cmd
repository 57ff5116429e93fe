["slots", "examples/maison-de-sante.diary.yaml", "reason=consultation", "symptoms=", "pregnant=yes", "--at", "2026-12-09T09:00", "--why-not", "martin@2026-12-10T14:00"]
