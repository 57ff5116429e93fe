["query", "examples/solo-gp.diary.yaml", "red_flag=yes", "--at", "2026-12-01T09:00", "--format", "json"]
