["tree", "examples/maison-de-sante.diary.yaml", "--format", "json"]
