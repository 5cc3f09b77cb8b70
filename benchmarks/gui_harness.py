"""What the GUI benchmarks share: a private settings file on the offscreen platform, the app's
window with its first network built, and an event-loop latency probe.

Importing this module sets the environment, so import it before anything creates Qt objects.
"""

from __future__ import annotations

import os
import tempfile
import time

import desktop_app  # noqa: F401 (pyqtgraph must use PySide6: set before it is imported)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# A private settings file: a benchmark must not read or change the user's settings.
os.environ.setdefault("GRADLAB_SETTINGS",
                      os.path.join(tempfile.mkdtemp(prefix="gradlab-bench-"), "settings.ini"))


def open_window(cfg, threads, backend, wait_s: float, **pg_options):
    """(app, window): the main window at 1600 × 980, shown and started, once the first network
    is built (or after `wait_s`). `pg_options`: pyqtgraph's global options."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    import pyqtgraph as pg

    pg.setConfigOptions(**pg_options)
    from desktop_app.main_window import MainWindow
    from desktop_app.settings import Preferences
    from desktop_app.state import ExperimentState
    from desktop_app.theme import Theme

    win = MainWindow(ExperimentState(cfg), Preferences(), Theme(), threads=threads, backend=backend)
    win.resize(1600, 980)
    win.show()
    win.start()
    t0 = time.monotonic()
    while win.controller.info is None and time.monotonic() - t0 < wait_s:
        app.processEvents()
        time.sleep(0.01)
    return app, win


class LatencyProbe:
    """Event-loop latency as a user feels it: how late a 10 ms single-shot timer fires, re-armed
    each time. Samples are added to `lateness` (ms) while `on`."""

    INTERVAL_MS = 10.0

    def __init__(self):
        from PySide6.QtCore import QElapsedTimer, Qt, QTimer

        self.lateness: list[float] = []
        self.on = False
        self._clock = QElapsedTimer()
        self._timer = QTimer(singleShot=True, interval=int(self.INTERVAL_MS))
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._clock.start()
        self._due = self.INTERVAL_MS
        self._timer.start()

    def _tick(self) -> None:
        now = self._clock.nsecsElapsed() / 1e6
        if self.on:
            self.lateness.append(max(0.0, now - self._due))
        self._due = now + self.INTERVAL_MS
        self._timer.start()
