["slots", "examples/osteopathe-medoucine.diary.yaml", "reason=home-visit", "distance_km=6", "symptoms=", "--at", "2026-12-01T10:00", "--limit", "3", "--format", "json"]
