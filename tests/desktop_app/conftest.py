"""Fixtures for the GUI tests: a private settings file and a small, fast network."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def private_settings(tmp_path, monkeypatch):
    """Every test gets its own settings file: the user's settings are never touched."""
    path = tmp_path / "settings.ini"
    monkeypatch.setenv("GRADLAB_SETTINGS", str(path))
    return path


def small_config(**changes):
    from core.config import ExperimentConfig

    cfg = ExperimentConfig()
    base = {"model.depth": 4, "model.width": 16, "data.n_train": 96, "data.n_test": 64,
            "optim.batch_size": 32, "train.eval_every": 5, "data.name": "moons"}
    for k, v in {**base, **changes}.items():
        cfg = cfg.with_value(k, v)
    return cfg


@pytest.fixture
def make_window(qtbot):
    """make_window(cfg=None) → a started MainWindow on a small net, shown offscreen.

    The trainer runs in a thread (no process start-up per test); pass backend="process" for
    the app's default. Teardown closes it and checks that the training thread has stopped."""
    made = []

    def make(cfg=None, start=True, backend="thread"):
        from desktop_app.main_window import MainWindow
        from desktop_app.settings import Preferences
        from desktop_app.state import ExperimentState
        from desktop_app.theme import Theme

        state = ExperimentState(cfg or small_config())
        win = MainWindow(state, Preferences(), Theme(), threads=1, backend=backend)
        win.show_error = lambda title, text: win.errors.append((title, text))
        win.errors = []
        qtbot.addWidget(win)
        win.resize(1280, 860)
        with qtbot.waitExposed(win):
            win.show()
        made.append(win)
        if start:
            with qtbot.waitSignal(win.controller.run_started, timeout=60000):
                win.start()
            qtbot.waitUntil(lambda: len(win.controller.history) >= 1, timeout=30000)
        return win

    yield make
    for win in made:
        win.close()
        t = win.controller.thread
        # A build or probe in flight cannot be interrupted: close waits 2 s, then leaves the
        # thread (the app then exits with os._exit). Here the next test runs in this process,
        # and Qt aborts on destroying a running QThread, so let it finish first.
        finished = not t.isRunning() or t.wait(60000)
        assert finished and not t.isRunning()


@pytest.fixture
def app_font(qapp):
    """The app's own font size for tests that build plots without a window: the theme sets it
    when a window opens, so alone they ran at Qt's 9 pt, after any window test at 10 pt."""
    from PySide6.QtGui import QFont

    from desktop_app.theme import Theme

    saved = QFont(qapp.font())
    font = QFont(saved)
    font.setPointSizeF(Theme().font_pt)
    qapp.setFont(font)
    yield
    qapp.setFont(saved)


def run_until_diverged(win, qtbot):
    """Load exploding_init in `win`, play until it diverges and stops; the Divergence."""
    c = win.controller
    with qtbot.waitSignal(c.run_started, timeout=30000):
        win.load_preset("exploding_init")
    with qtbot.waitSignal(c.diverged, timeout=30000) as sig:
        c.play()
    qtbot.waitUntil(lambda: not c.running, timeout=20000)
    return sig.args[0]
