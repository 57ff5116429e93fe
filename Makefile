# The two quick-start commands: `make demo` and `make test`. Both create .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint-code bench fuzz clean peers

$(STAMP): pyproject.toml setup.py diaryrules/_speedups.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/diaryrules lint examples/*.diary.yaml
	$(BIN)/diaryrules test examples/*.diary.yaml
	$(BIN)/diaryrules query examples/maison-de-sante.diary.yaml reason=renewal patient=known --at 2026-12-01T10:00
	$(BIN)/diaryrules query examples/maison-de-sante.diary.yaml reason=renewal patient=known symptoms= --at 2026-12-01T10:00
	$(BIN)/diaryrules slots examples/maison-de-sante.diary.yaml reason=renewal patient=known symptoms= --at 2026-12-01T10:00 --limit 6

# Node's opening_hours peer for the differential hours tests (tests/test_hours_peer.py). Without npm the
# rest of the suite still runs, and the tests that need the peer fail saying how to install it.
peers:
	@if command -v npm >/dev/null 2>&1; then \
		cd tests/peers && test -f package-lock.json && npm ci --silent --no-audit --no-fund >/dev/null; \
	else echo "npm not found: install Node.js and npm, or the opening_hours.js differential tests will fail"; fi

lint-code: $(STAMP)
	$(BIN)/ruff check diaryrules tests benchmarks
	$(BIN)/mypy diaryrules

test: $(STAMP) peers lint-code
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -r benchmarks/requirements.txt
	$(BIN)/python -m benchmarks.run

fuzz: $(STAMP)
	$(BIN)/python -m pip install --quiet atheris || echo "atheris could not be installed: the campaign falls back to hypothesis"
	$(BIN)/python tests/fuzz/run_atheris.py all

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
