["test", "examples/solo-gp.diary.yaml"]
