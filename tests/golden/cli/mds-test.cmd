["test", "examples/maison-de-sante.diary.yaml"]
