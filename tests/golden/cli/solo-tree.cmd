["tree", "examples/solo-gp.diary.yaml"]
