["lint", "tests/fixtures/errors/dr006-duplicate-rule-id.diary.yaml"]
