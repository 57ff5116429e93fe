["slots", "examples/pediatre-keldoc.diary.yaml", "reason=vaccination", "symptoms=", "age_months=11", "--at", "2026-12-01T10:00", "--limit", "4", "--format", "json"]
