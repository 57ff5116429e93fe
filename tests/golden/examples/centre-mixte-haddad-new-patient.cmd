["query", "examples/centre-mixte.diary.yaml", "reason=consultation", "symptoms=", "practitioner=haddad", "patient=new", "--at", "2026-12-01T10:00", "--format", "json"]
