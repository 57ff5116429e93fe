["query", "examples/solo-gp.diary.yaml", "--request", "{\"reason\": \"renewal\", \"red_flag\": \"no\"}", "--at", "2026-12-01T09:00", "-f", "json"]
