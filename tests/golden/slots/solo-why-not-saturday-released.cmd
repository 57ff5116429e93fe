["slots", "examples/solo-gp.diary.yaml", "reason=consultation", "red_flag=no", "--at", "2026-12-05T09:30", "--why-not", "bernard@2026-12-05T10:00"]
