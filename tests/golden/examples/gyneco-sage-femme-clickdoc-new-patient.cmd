["query", "examples/gyneco-sage-femme-clickdoc.diary.yaml", "reason=contraception", "patient=new", "pregnant=no", "symptoms=", "--at", "2026-12-01T10:00", "--format", "json"]
