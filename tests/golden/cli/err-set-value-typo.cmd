["query", "examples/maison-de-sante.diary.yaml", "--request", "{\"reason\": \"urgent\", \"symptoms\": [\"chest-pain\"]}", "--at", "2026-12-01T10:00"]
