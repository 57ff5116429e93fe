["frobnicate", "examples/solo-gp.diary.yaml"]
