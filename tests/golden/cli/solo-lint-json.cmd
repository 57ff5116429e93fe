["lint", "examples/solo-gp.diary.yaml", "--today", "2026-11-01", "--format", "json"]
