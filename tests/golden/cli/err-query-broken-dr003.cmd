["query", "tests/fixtures/errors/dr003-missing-and.diary.yaml", "reason=renewal", "--at", "2026-12-01T10:00"]
