["query", "examples/solo-gp.diary.yaml", "--request", "{\"reason\": \"acute\", \"red_flag\": false}", "--at", "2026-12-05T11:30", "--format", "json"]
