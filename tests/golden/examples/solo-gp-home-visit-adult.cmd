["query", "examples/solo-gp.diary.yaml", "reason=home-visit", "age=80", "red_flag=no", "--at", "2026-12-01T10:00", "--format", "json"]
