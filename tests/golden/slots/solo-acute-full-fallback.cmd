["slots", "examples/solo-gp.diary.yaml", "reason=acute", "red_flag=no", "--at", "2026-12-01T17:00", "--busy", "tests/fixtures/busy/bernard-full.json"]
