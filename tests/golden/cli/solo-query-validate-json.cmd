["query", "examples/solo-gp.diary.yaml", "--request", "{\"reason\": \"home-visit\", \"red_flag\": false, \"age\": 80}", "--at", "2026-12-01T09:00", "--format", "json"]
