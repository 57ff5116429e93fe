["query", "examples/solo-gp.diary.yaml", "reason=renewal", "--bogus"]
