["slots", "examples/maison-de-sante.diary.yaml", "reason=renewal", "patient=new", "symptoms=", "--at", "2026-12-01T10:00"]
