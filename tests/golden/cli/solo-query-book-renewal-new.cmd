["query", "examples/solo-gp.diary.yaml", "reason=renewal", "patient=new", "red_flag=no", "--at", "2026-12-01T09:00"]
