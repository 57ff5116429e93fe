["query", "examples/solo-gp.diary.yaml", "reason=acute", "red_flag=no", "--at", "2026-12-01T10:00", "--format", "json"]
