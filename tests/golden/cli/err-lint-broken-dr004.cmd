["lint", "tests/fixtures/errors/dr004-misspelt-reason.diary.yaml"]
