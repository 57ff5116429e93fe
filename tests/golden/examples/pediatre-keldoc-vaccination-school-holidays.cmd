["query", "examples/pediatre-keldoc.diary.yaml", "reason=vaccination", "symptoms=", "age_months=11", "--at", "2026-12-22T10:00", "--format", "json"]
