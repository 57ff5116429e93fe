["explain", "examples/solo-gp.diary.yaml", "reason=home-visit", "red_flag=no", "age=80", "--at", "2026-12-01T09:00"]
