["slots", "examples/solo-gp.diary.yaml", "reason=acute", "red_flag=no", "--at", "2026-12-04T16:00", "--limit", "6"]
