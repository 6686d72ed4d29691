# The two promises: `make run` and `make test` set everything up on a fresh machine, then do their job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test check setup sandbox sandbox-image bench clean

run: sandbox
	$(BIN)/proctor serve

test: sandbox
	$(BIN)/python -m pytest --durations=15 $(PYTEST_ARGS)

# The quick tier: lint, types, and the tests that need no sandbox, browser or Docker (README.md, "Tests").
check: setup
	$(BIN)/ruff check proctor tests
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n 2 -m "not (sandbox or browser or docker or slow)" $(PYTEST_ARGS)

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
