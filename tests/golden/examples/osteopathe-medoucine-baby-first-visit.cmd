["query", "examples/osteopathe-medoucine.diary.yaml", "reason=first-visit", "age=0", "symptoms=", "--at", "2026-12-01T10:00", "--format", "json"]
