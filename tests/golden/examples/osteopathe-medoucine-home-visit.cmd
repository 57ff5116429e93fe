["query", "examples/osteopathe-medoucine.diary.yaml", "reason=home-visit", "distance_km=6", "symptoms=", "--at", "2026-12-01T10:00", "--format", "json"]
