["slots", "examples/guide-final.diary.yaml", "reason=consultation", "symptoms=", "--at", "2026-12-01T10:00", "--from", "2026-12-01T14:00", "--days", "1", "--limit", "4", "--format", "json"]
