["lint", "examples/solo-gp.diary.yaml", "--format", "jsn"]
