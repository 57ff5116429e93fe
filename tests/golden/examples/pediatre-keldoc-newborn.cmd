["query", "examples/pediatre-keldoc.diary.yaml", "reason=checkup", "patient=new", "symptoms=", "age_months=0", "--at", "2026-12-01T10:00", "--format", "json"]
