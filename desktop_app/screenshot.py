"""`--screenshot OUT.png`: train N steps offscreen, wait for every plot, save the window, quit.

With `--compare [N]` the recurrent lab's Compare button is pressed once training is done (N
steps for each of the RNN, LSTM and GRU; the panel's own count without N), and the picture
waits for the three overlaid curves."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

POLL_MS = 50
TIMEOUT_S = 300


class ScreenshotRun(QObject):
    """Drives the window: first build → N steps → final decision boundary → grab → exit."""

    def __init__(self, window, path: str, steps: int, compare: int | bool | None = None):
        super().__init__(window)
        self.w, self.path, self.steps = window, path, max(0, steps)
        # None/False: no comparison; True: the panel's step count; an int: that many steps.
        self.compare = compare
        self._compared = False      # the comparison has been started
        self.result = 1
        self._stepped = False
        self._boundary_step = -1
        self._boundary_rolled = False
        self._t0 = time.monotonic()
        self.timer = QTimer(self, interval=POLL_MS)
        self.timer.timeout.connect(self._poll)
        window.controller.task_done.connect(self._task)

    def start(self) -> None:
        self.timer.start()

    def _task(self, name: str, payload) -> None:
        if name == "boundary":
            self._boundary_step = payload.step if payload is not None else 10**9
            # Drawn at the best step before the stop, the same net lacks the roll-back caption.
            self._boundary_rolled = payload is not None and payload.rolled_back
        elif name == "input_gradient":       # the same panel's other view: (step, result)
            self._boundary_step = payload[0] if payload is not None else 10**9
            self._boundary_rolled = True     # its caption names the step alone

    def _poll(self) -> None:
        c = self.w.controller
        if c.info is None or c.building:
            return self._check_timeout()
        if not self._stepped:
            self._stepped = True
            if self.steps:
                c.step(self.steps)
            return
        h = c.history
        # A run also ends by diverging or by early stopping, before the N steps.
        done = c.step_count >= self.steps or h.divergence is not None \
            or (not c.running and c.early_stop() is not None)
        wants_boundary = any(t.name in ("boundary", "input_gradient")
                             for t in self.w.current_lab().tasks())
        # After an early stop the panel shows the net rolled back to the best step.
        stop = c.early_stop() if done else None
        drawn = self._boundary_step >= c.step_count or (
            stop is not None and self._boundary_step == stop.best_step and self._boundary_rolled)
        if done and (not wants_boundary or drawn):
            if self.compare is None or self.compare is False:
                return self._save()
            if self._compare_done():
                return self._save()
        self._check_timeout()

    def _compare_done(self) -> bool:
        """Start the comparison once (as the Compare button does); True when it has ended."""
        panel = getattr(self.w.current_lab(), "compare", None)
        if panel is None:
            print("screenshot: --compare needs the recurrent lab (a recurrent preset)")
            self.compare = None
            return True
        if not self._compared:
            self._compared = True
            steps = None if self.compare is True else int(self.compare)
            if not panel.start(steps):
                print(f"screenshot: the comparison did not start: {panel.status_text}")
                return True
            return False
        return not panel.running

    def _check_timeout(self) -> None:
        if time.monotonic() - self._t0 > TIMEOUT_S:
            print(f"screenshot: timed out after {TIMEOUT_S} s; saving what is there")
            self._save()

    def _save(self) -> None:
        self.timer.stop()
        lab = self.w.current_lab()
        for p in lab.panels():
            p.dirty = True
        lab.refresh(self.w.controller.history, force_range=True)
        self.w._update_status()
        QApplication.processEvents()
        ok = self.w.grab().save(self.path)
        print(f"screenshot: {'wrote' if ok else 'could not write'} {self.path} "
              f"(step {self.w.controller.step_count})")
        self.result = 0 if ok else 1
        self.w.close()
        QApplication.instance().quit()
