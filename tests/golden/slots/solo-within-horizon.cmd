["slots", "examples/solo-gp.diary.yaml", "reason=consultation", "red_flag=no", "--at", "2026-12-01T09:00", "--from", "2026-12-08T08:00", "--days", "3"]
