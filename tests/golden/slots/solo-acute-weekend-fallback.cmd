["slots", "examples/solo-gp.diary.yaml", "reason=acute", "red_flag=no", "--at", "2026-12-05T12:30"]
