# Two commands on a fresh machine: `make run` (set up and launch) and `make test` (set up and test).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

# torch==2.13.0 first: pip then finds the CPU build on local disk (PIP_FIND_LINKS) and the
# project's range `torch>=2.2` installs nothing more.
setup: $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "torch==2.13.0"
	$(BIN)/pip install -q -e ".[test]"

run: setup
	$(BIN)/python main.py

test: setup
	$(BIN)/ruff check .
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

lint:
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(VENV) build dist *.egg-info
