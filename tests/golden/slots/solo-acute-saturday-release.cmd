["slots", "examples/solo-gp.diary.yaml", "reason=consultation", "red_flag=no", "--at", "2026-12-05T08:30", "--from", "2026-12-05T09:00", "--days", "1", "--limit", "10"]
