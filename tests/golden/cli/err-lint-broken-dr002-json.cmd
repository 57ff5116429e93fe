["lint", "tests/fixtures/errors/dr002-misspelt-key.diary.yaml", "--format", "json"]
