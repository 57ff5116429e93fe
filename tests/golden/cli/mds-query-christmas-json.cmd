["query", "examples/maison-de-sante.diary.yaml", "--request", "{\"reason\": \"consultation\", \"symptoms\": [], \"pregnant\": false}", "--at", "2026-12-28T09:00", "--format", "json"]
