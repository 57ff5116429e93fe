["lint", "tests/fixtures/errors/dr001-duplicate-key.diary.yaml"]
