["lint", "tests/fixtures/errors/dr005-outside-range.diary.yaml", "--format", "github"]
