"""The Lark grammars of the rule-file language, shipped as package data (`diaryrules.grammar`)."""
