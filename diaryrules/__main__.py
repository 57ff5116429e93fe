"""`python -m diaryrules` runs the command line."""

from .cli import main

main()
