["slots", "examples/solo-gp.diary.yaml", "reason=consultation", "red_flag=no", "--at", "2026-12-31T09:00", "--why-not", "bernard@2027-01-01T10:00"]
