["slots", "examples/solo-gp.diary.yaml", "reason=acute", "red_flag=no", "--at", "2026-12-04T16:00", "--from", "2026-12-05T09:00", "--days", "1", "--limit", "3", "--format", "json"]
