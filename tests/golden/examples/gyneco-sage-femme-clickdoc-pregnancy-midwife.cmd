["query", "examples/gyneco-sage-femme-clickdoc.diary.yaml", "reason=pregnancy", "pregnant=yes", "weeks=24", "high_risk=no", "symptoms=", "--at", "2026-12-01T10:00", "--format", "json"]
