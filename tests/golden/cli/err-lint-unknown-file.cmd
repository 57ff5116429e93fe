["lint", "examples/nope.diary.yaml"]
