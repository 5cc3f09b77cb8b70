# Two commands on a fresh machine: `make run` (set up and launch) and `make test` (set up and test).
# Installers: `make bundle` (desktop bundle into dist/) and `make bundle-smoke` (check it).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint clean bundle bundle-smoke icons

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

# The desktop bundle (resources/packaging/PACKAGING.md): a clean venv in build/bundle-venv with a
# CPU torch, PyInstaller one-folder, packed for this OS into dist/ (Linux: .tar.gz, AppDir, and
# an AppImage where appimagetool is found). Independent of .venv. BUNDLE_ARGS=--fresh rebuilds
# the build venv.
bundle:
	$(PY) resources/packaging/build.py $(BUNDLE_ARGS)

# Run the built bundle outside the source tree with a bare environment: --version, a 20-step
# headless run, a session opened and saved, an offscreen screenshot, the start-up time.
bundle-smoke:
	$(PY) resources/packaging/smoke_test.py

# Render resources/icons/gradlab.svg to the committed PNG sizes, .ico and .icns.
icons: setup
	$(BIN)/python resources/packaging/make_icons.py

clean:
	rm -rf $(VENV) build dist *.egg-info
