["tree", "tests/fixtures/errors/dr001-not-utf8.diary.yaml"]
