"""“Compare RNN vs LSTM vs GRU”: a button, a step count, a progress bar and Cancel, and the
worker thread that trains the three kinds on the same task and seed.

The training runs in a child process (the app's default backend: the GUI keeps its frame rate
on two cores) or in this QThread itself (backend "thread", used by the tests), like the main
training worker. The GUI only ever receives copies of the loss curves.
"""

from __future__ import annotations

import contextlib
import threading
import time

from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from core.numfmt import num
from desktop_app.widgets.rnn_compare_run import child_main, comparison_configs, run_comparison

RELAY_POLL = 0.05
CANCEL_GRACE = 0.5   # seconds a cancelled child gets to report before it is terminated
CHILD_JOIN = 0.3     # seconds a child that has reported its end gets to exit (torch's teardown
                     # takes ~1 s; it has nothing left to save, so it is terminated after this)
DEFAULT_STEPS = 300


class CompareThread(QThread):
    """Runs one comparison; `event(kind, payload)` relays run_comparison's reports."""

    event = Signal(str, object)

    def __init__(self, cfgs, steps: int, backend: str = "thread", threads: int = 1, parent=None):
        super().__init__(parent)
        self.setObjectName("GradLabCompareThread")
        self.cfgs, self.steps, self.backend, self.threads = cfgs, steps, backend, threads
        self._cancel = threading.Event()
        self._mp_cancel = None

    def cancel(self) -> None:
        self._cancel.set()
        if self._mp_cancel is not None:
            self._mp_cancel.set()

    def _cancelled(self) -> bool:
        return self._cancel.is_set() or self.isInterruptionRequested()

    def run(self) -> None:
        if self.backend == "process":
            self._run_child()
            return
        import torch

        torch.set_num_threads(self.threads)   # applies to this thread only (PITFALLS)
        run_comparison(self.cfgs, self.steps, self.event.emit, self._cancelled)

    def _run_child(self) -> None:
        import multiprocessing as mp

        from desktop_app.workers.train_worker import _main_module_hidden

        ctx = mp.get_context("spawn")
        recv, send = ctx.Pipe(duplex=False)
        self._mp_cancel = ctx.Event()
        if self._cancel.is_set():
            return
        child = ctx.Process(target=child_main,
                            args=(self.cfgs, self.steps, send, self._mp_cancel, self.threads),
                            name="gradlab-compare", daemon=True)
        with _main_module_hidden():
            child.start()
        send.close()
        ended = False
        deadline = None
        try:
            while not ended:
                if self._cancelled():
                    self._mp_cancel.set()
                    # It stops at its next step; one still importing torch is not waited for.
                    deadline = deadline or time.monotonic() + CANCEL_GRACE
                    if time.monotonic() > deadline:
                        break
                if recv.poll(RELAY_POLL):
                    kind, payload = recv.recv()
                    self.event.emit(kind, payload)
                    ended = kind in ("finished", "cancelled")
                elif not child.is_alive():
                    if not self._cancelled():
                        self.event.emit("failed", f"the comparison process stopped "
                                                  f"(exit code {child.exitcode})")
                    break
        except (EOFError, OSError, BrokenPipeError):
            if not self._cancelled():
                self.event.emit("failed", "lost contact with the comparison process")
        finally:
            child.join(CHILD_JOIN)
            if child.is_alive():
                child.terminate()
                child.join(CHILD_JOIN)
            with contextlib.suppress(OSError):
                recv.close()


class ComparePanel(QGroupBox):
    """The controls of the comparison. Emits `curves(list[CompareCurve], running)` as results
    arrive and `state_changed(running)`; the lab overlays the curves in its loss plot."""

    curves = Signal(object, bool)
    started = Signal()
    state_changed = Signal(bool)

    def __init__(self, state, backend_fn=None, parent=None):
        super().__init__("Compare RNN vs LSTM vs GRU", parent)
        self.state = state
        self.backend_fn = backend_fn or (lambda: "thread")
        self.thread: CompareThread | None = None
        self.result: list = []
        self.status_text = ""
        self.button = QPushButton("Compare RNN · LSTM · GRU")
        self.button.setToolTip(
            "Train a vanilla RNN, an LSTM and a GRU on the current task with the current seed, "
            "initialization and optimizer (only model.kind changes), one after the other, and "
            "overlay their loss curves. Runs beside the main training; Cancel stops it.")
        self.button.clicked.connect(self.toggle)
        self.steps = QSpinBox()
        self.steps.setRange(10, 3000)
        self.steps.setSingleStep(50)
        self.steps.setValue(DEFAULT_STEPS)
        self.steps.setSuffix(" steps each")
        self.steps.setToolTip("Training steps for each of the three networks")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("idle")
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.label.setObjectName("plotNote")
        row = QHBoxLayout()
        row.addWidget(self.steps)
        lay = QVBoxLayout(self)
        lay.addWidget(self.button)
        lay.addLayout(row)
        lay.addWidget(self.progress)
        lay.addWidget(self.label)

    @property
    def running(self) -> bool:
        return self.thread is not None

    def toggle(self) -> None:
        self.cancel() if self.running else self.start()

    def start(self, steps: int | None = None) -> bool:
        """Start a comparison from the current config; False (and a message) if it cannot."""
        from core.errors import GradLabError

        if self.running:
            return False
        cfg = self.state.config
        if cfg.model.kind not in ("rnn", "lstm", "gru"):
            self._say("The comparison needs a sequence task: load a recurrent preset first.")
            return False
        try:
            cfgs = comparison_configs(cfg)
        except GradLabError as e:
            self._say(str(e))
            return False
        n = int(steps if steps is not None else self.steps.value())
        self.result = []
        t = CompareThread(cfgs, n, self.backend_fn(), threads=1)
        t.event.connect(self._on_event)
        t.finished.connect(self._thread_finished)
        self.thread = t
        self.progress.setRange(0, 3 * n)
        self.progress.setValue(0)
        self.progress.setFormat("starting…")
        self.button.setText("Cancel comparison")
        seed, task = cfg.seed, cfg.data.name
        self._say(f"Same task ({task}, T = {cfg.data.seq_len}), seed {seed}, init "
                  f"{cfg.init.scheme}, {cfg.optim.name} lr {num(cfg.optim.lr)}; LSTM forget bias "
                  f"{num(cfg.init.forget_bias)}.")
        self.started.emit()
        self.state_changed.emit(True)
        t.start()
        return True

    def cancel(self) -> None:
        if self.thread is not None:
            self.thread.cancel()
            self.progress.setFormat("cancelling…")

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Stop any comparison and wait for its thread; True when none is left running."""
        t = self.thread
        if t is None:
            return True
        t.cancel()
        t.requestInterruption()
        return t.wait(timeout_ms)

    def _say(self, text: str) -> None:
        self.status_text = text
        self.label.setText(text)

    def _on_event(self, kind: str, payload) -> None:
        if self.sender() is not self.thread:
            return                        # a cancelled run's late report
        if kind == "progress":
            done, total, curves = payload
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            current = curves[-1].kind.upper() if curves else ""
            self.progress.setFormat(f"{current} %v / %m steps")
            self.result = curves
            self.curves.emit(curves, True)
        elif kind in ("finished", "cancelled"):
            self.result = payload
            self.progress.setFormat("done" if kind == "finished" else "cancelled")
            if kind == "finished":
                self.progress.setValue(self.progress.maximum())
            errors = [f"{c.kind.upper()}: {c.error}" for c in payload if c.error]
            if errors:
                self._say("Could not train " + "; ".join(errors))
            self.curves.emit(payload, False)
        elif kind == "failed":
            self._say(f"The comparison stopped: {payload}")
            self.progress.setFormat("failed")

    def _thread_finished(self) -> None:
        t = self.sender()
        if t is self.thread:
            self.thread = None
            self.button.setText("Compare RNN · LSTM · GRU")
            if self.progress.format() in ("starting…", "cancelling…") or "%v" in self.progress.format():
                self.progress.setFormat("cancelled")
            self.state_changed.emit(False)
        if isinstance(t, CompareThread):
            t.wait()
            t.deleteLater()
