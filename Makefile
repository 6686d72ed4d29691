# The two promises: `make run` and `make test` set everything up on a fresh machine, then do their job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test check lint setup sandbox sandbox-image bench clean

run: sandbox
	$(BIN)/proctor serve

# Every test: the quick tier on both cores, then the tiers that start sandboxes, browsers and containers one at
# a time (they measure nothing, but they share two cores with what they start).
test: sandbox
	$(BIN)/python -m pytest -q -n 2 -m "$(QUICK)" $(PYTEST_ARGS)
	$(BIN)/python -m pytest --durations=15 -m "not ($(QUICK))" $(PYTEST_ARGS)

QUICK := not (sandbox or browser or docker or slow)

# The quick tier: lint, types, and the tests that need no sandbox, browser or Docker (README.md, "Tests").
check: lint
	$(BIN)/python -m pytest -q -n 2 -m "$(QUICK)" $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check proctor tests
	$(BIN)/mypy

setup: $(BIN)/proctor

$(BIN)/proctor: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

sandbox: $(BIN)/proctor
	$(BIN)/proctor sandbox setup

# The Docker backend's image (online from the Dockerfile, or offline with SANDBOX_IMAGE_ARGS=--offline).
sandbox-image: setup
	$(BIN)/proctor sandbox build-image $(SANDBOX_IMAGE_ARGS)

bench: sandbox
	$(BIN)/python benchmarks/grading.py

clean:
	rm -rf $(VENV) var
