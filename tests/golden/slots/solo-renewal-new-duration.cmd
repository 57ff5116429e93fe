["slots", "examples/solo-gp.diary.yaml", "reason=renewal", "patient=new", "red_flag=no", "--at", "2026-12-01T11:00", "--limit", "4"]
