["query", "examples/solo-gp.diary.yaml", "reason=consultation", "red_flag=yes", "--at", "2026-12-01T09:00"]
