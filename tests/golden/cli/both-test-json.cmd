["test", "examples/solo-gp.diary.yaml", "examples/maison-de-sante.diary.yaml", "--format", "json"]
