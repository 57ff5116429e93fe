["lint", "tests/fixtures/errors/dr003-missing-and.diary.yaml"]
