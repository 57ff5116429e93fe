["slots", "examples/solo-gp.diary.yaml", "reason=renewal", "patient=known", "red_flag=no", "--at", "2027-02-12T09:00", "--why-not", "bernard@2027-02-16T09:00"]
