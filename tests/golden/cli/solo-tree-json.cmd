["tree", "examples/solo-gp.diary.yaml", "--format", "json"]
