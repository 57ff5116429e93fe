["slots", "examples/solo-gp.diary.yaml", "reason=consultation", "red_flag=no", "--at", "2026-12-01T09:00", "--why-not", "bernard@2026-12-02T10:00", "--format", "json"]
