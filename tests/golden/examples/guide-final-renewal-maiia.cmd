["query", "examples/guide-final.diary.yaml", "reason=renewal", "patient=known", "symptoms=", "practitioner=chevalier", "--at", "2026-12-01T10:00", "--format", "json"]
