# Two commands on a fresh machine: `make run` (set up and launch) and `make test` (set up and test).
# Installers: `make bundle` (desktop bundle into dist/) and `make bundle-smoke` (check it).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint clean bundle bundle-smoke icons screenshots

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

# The README's screenshots, offscreen (--compare presses the recurrent lab's Compare button and
# waits for the RNN/LSTM/GRU curves). Not regenerated here: the 3-D surface (it needs OpenGL:
# Xvfb + Mesa).
SHOT = QT_QPA_PLATFORM=offscreen GRADLAB_SETTINGS=build/screenshots.ini $(BIN)/python main.py \
	--screenshot resources/screenshots
screenshots: setup
	mkdir -p build
	$(SHOT)/deep_lab_vanishing_sigmoid.png --preset vanishing_sigmoid --steps 400
	$(SHOT)/deep_lab_he_init_dark.png --preset fixed_he_init --steps 300 --theme dark
	$(SHOT)/deep_lab_exploding_banner.png --preset exploding_init --steps 100
	$(SHOT)/deep_lab_presentation.png --preset dying_relu --steps 300 --presentation \
		--size 1920x1080
	$(SHOT)/deep_lab_shattered.png --preset shattered_gradients_plain --steps 300
	$(SHOT)/deep_lab_early_stopping.png --preset early_stopping --steps 1500
	$(SHOT)/recurrent_vanishing.png --preset rnn_vanishing --steps 300
	$(SHOT)/recurrent_exploding_banner.png --preset rnn_exploding --steps 50
	$(SHOT)/recurrent_lstm_compare_dark.png --preset lstm_long_delay --steps 400 --compare \
		--theme dark
	$(SHOT)/recurrent_closed_gates_presentation.png --preset lstm_closed_gates --steps 600 \
		--presentation --size 1920x1080
	$(SHOT)/landscape_deep_plain.png --preset landscape_deep_plain --steps 600
	$(SHOT)/landscape_deep_residual.png --preset landscape_deep_residual --steps 600
	$(SHOT)/landscape_saddle_dark.png --preset landscape_saddle_zero_init --steps 200 --theme dark
	$(SHOT)/landscape_sharp_large_batch_dark.png --preset landscape_sharp_large_batch \
		--steps 400 --theme dark

clean:
	rm -rf $(VENV) build dist *.egg-info
