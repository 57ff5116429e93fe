["query", "examples/solo-gp.diary.yaml", "reason=home-visit", "red_flag=no", "age=6", "--at", "2026-12-01T09:00"]
