["lint", "examples/solo-gp.diary.yaml", "examples/maison-de-sante.diary.yaml", "--today", "2026-11-01"]
