["slots", "examples/maison-de-sante.diary.yaml", "reason=renewal", "patient=known", "symptoms=", "--at", "2026-12-23T17:30", "--why-not", "nguyen@2026-12-25T10:00"]
