"""The one part of the build pyproject.toml cannot declare as stable: the C part
(diaryrules/_speedups.c: decide's walk, the compile's matched-set walk, a listing's slot objects).

`optional=True`: where no C compiler is found the install goes on without it and the package takes
the same steps in Python; docs/performance.md gives both speeds.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("diaryrules._speedups", ["diaryrules/_speedups.c"], optional=True)])
