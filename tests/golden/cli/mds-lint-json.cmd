["lint", "examples/maison-de-sante.diary.yaml", "--today", "2026-11-01", "--format", "json"]
