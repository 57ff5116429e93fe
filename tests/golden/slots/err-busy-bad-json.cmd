["slots", "examples/maison-de-sante.diary.yaml", "reason=consultation", "symptoms=", "pregnant=no", "--at", "2026-12-01T09:00", "--busy", "tests/fixtures/busy/bad.json"]
