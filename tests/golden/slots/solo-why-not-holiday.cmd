["slots", "examples/solo-gp.diary.yaml", "reason=consultation", "red_flag=no", "--at", "2026-11-10T09:00", "--why-not", "bernard@2026-11-11T10:00"]
