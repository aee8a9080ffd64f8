# The two commands a newcomer needs are `make demo` and `make test`; each sets itself up.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test bench check lint format typecheck lock clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Plays the demo story, then serves its store at http://127.0.0.1:8000 (PORT=8001 make demo for another port; Ctrl-C stops).
demo: setup
	$(BIN)/ceasefire demo --data demo-data
	$(BIN)/ceasefire serve --data demo-data --port $${PORT:-8000}

test: setup
	$(BIN)/python -m pytest -n auto --cov --cov-report=term -p no:cacheprovider

bench: setup
	$(BIN)/python -m bench.run

lint: setup
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench

format: setup
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

typecheck: setup
	$(BIN)/mypy

check: lint typecheck test

# Re-pin the dependencies after editing pyproject.toml (needs uv: `pip install uv`).
lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .coverage* ceasefire-data
