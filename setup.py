"""The one part of the build pyproject.toml cannot declare as stable: decide's walk in C.

`optional=True`: where no C compiler is found the install goes on without it and `decide` takes
the same steps in Python (diaryrules/evaluate.py); docs/performance.md gives both speeds.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("diaryrules._speedups", ["diaryrules/_speedups.c"], optional=True)])
