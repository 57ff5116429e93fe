["tree", "examples/maison-de-sante.diary.yaml"]
