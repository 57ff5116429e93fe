["slots", "examples/solo-gp.diary.yaml", "reason=consultation", "red_flag=no", "--at", "2026-12-01T09:00", "--busy", "tests/fixtures/busy/nope.ics"]
