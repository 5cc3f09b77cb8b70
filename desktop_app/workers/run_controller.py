"""GUI-side handle of the training thread: turns config edits into rebuilds or live changes,
keeps the History of the current run, and re-emits the thread's results for the views."""

from __future__ import annotations

import collections
import contextlib
import math
import sys
import time

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QTimer, Signal

from core.training.history import History
from desktop_app.state import LIVE_KEYS, ExperimentState, changed_keys
from desktop_app.workers.messages import RunInfo, Task
from desktop_app.workers.train_worker import TrainThread

REBUILD_DEBOUNCE_MS = 150


class RunController(QObject):
    """Owns the TrainThread and the History; only the GUI thread calls it."""

    run_started = Signal(object)        # RunInfo; `history` is the new History
    records_added = Signal(object)      # list of StepRecords just appended to `history`
    running_changed = Signal(bool)
    diverged = Signal(object)           # Divergence
    early_stopped = Signal(object)      # EarlyStop: a normal end of the run, not an error
    notice = Signal(str)                # a note for the user that is not an error
    task_done = Signal(str, object)     # task name, payload
    failed = Signal(str)                # message for the user

    def __init__(self, state: ExperimentState, threads: int | None = None,
                 backend: str | None = None, parent=None):
        super().__init__(parent)
        self.state = state
        self.thread = TrainThread(threads, backend)
        self.history = History()
        self.info: RunInfo | None = None
        self.gen = 0
        self.running = False
        self.building = False
        self.last_good = state.config
        self.ms_per_step = math.nan
        self._arrivals: collections.deque = collections.deque()
        self._suppress = False
        self._requests: dict[int, object] = {}
        self._save_steps: dict[int, int] = {}    # request → the step its save copied
        self._pending_saves: set[int] = set()     # saves asked for and not yet written
        self._next_request = 0
        self._debounce = QTimer(self, singleShot=True, interval=REBUILD_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.rebuild_now)
        t = self.thread
        t.built.connect(self._on_built)
        t.batch.connect(self._on_batch)
        t.task_done.connect(self._on_task)
        t.running_changed.connect(self._on_running)
        t.diverged.connect(self._on_diverged)
        t.stopped.connect(self._on_stopped)
        t.failed.connect(self._on_failed)
        t.session_done.connect(self._on_session_done)
        t.save_ready.connect(self._on_save_ready)
        state.changed.connect(self._on_config)

    # ---- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Start the thread (it imports torch) and build the first network."""
        # Training is Python-heavy and holds the GIL most of the time; a 1 ms switch interval
        # (default 5 ms) lets the GUI thread get it back quickly (measured: p99 latency halves).
        sys.setswitchinterval(min(sys.getswitchinterval(), 0.001))
        if not self.thread.isRunning():
            self.thread.start()
        self.rebuild_now()

    def shutdown(self, timeout_ms: int = 2000, save_timeout_s: float = 30.0) -> bool:
        """Stop the thread (PITFALLS: requestInterruption, quit, wait). True if it stopped.

        A save still on its way is finished first: it needs the window's answer (save_ready →
        save_write), and a window closed right after Ctrl+S lost the file without a word."""
        self._debounce.stop()
        t = self.thread
        if not t.isRunning():
            return True
        deadline = time.monotonic() + save_timeout_s
        while self._pending_saves and time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.AllEvents, 50)
            time.sleep(0.005)
        t.requestInterruption()
        t.quit()
        return t.wait(timeout_ms)

    # ---- run commands ----------------------------------------------------------------------
    def _diverged_note(self) -> bool:
        """The run has diverged (the trainer takes no more steps): say so, and what to do.
        Play and Step did nothing at all, and looked broken once the status had gone."""
        div = self.history.divergence
        if div is None:
            return False
        self.failed.emit(f"The run diverged at step {div.step} and cannot go on: Reset "
                         "(Ctrl+R) starts a fresh network with the current settings")
        return True

    def early_stop(self):
        """Why early stopping has ended the run (an EarlyStop), or None: the same rule as the
        trainer's, over this History and the current patience (which changes live)."""
        from core.training.early_stop import EarlyStopper

        return EarlyStopper.from_history(self.history).stop(self.state.config.train.early_stop)

    def _stopped_note(self) -> bool:
        """Early stopping has ended the run: Play and Step do nothing, so say why and how to
        go on (good news, not an error)."""
        stop = self.early_stop()
        if stop is None:
            return False
        self.notice.emit(f"Early stopping ended the run at step {stop.step}: raise Early stop "
                         f"patience above {stop.evaluations}, or Reset (Ctrl+R)")
        return True

    def play(self) -> None:
        if self._diverged_note() or self._stopped_note():
            return
        self.thread.play()

    def pause(self) -> None:
        self.thread.pause()

    def toggle(self) -> None:
        self.pause() if self.running else self.play()

    def step(self, n: int = 1) -> None:
        if self._diverged_note() or self._stopped_note():
            return
        self.thread.pause()
        self.thread.step(n)

    def reset(self) -> None:
        """A fresh network from the current config (same seed: the same initial weights)."""
        self.rebuild_now()

    def set_speed(self, steps_per_second: float) -> None:
        self.thread.set_speed(steps_per_second)

    def set_tasks(self, tasks: list[Task]) -> None:
        self.thread.set_tasks(tasks)

    def rebuild_now(self) -> None:
        self._debounce.stop()
        self.building = True
        self.thread.rebuild(self.state.config)

    def _request(self, callback) -> int:
        self._next_request += 1
        self._requests[self._next_request] = callback
        return self._next_request

    def save_session(self, path: str, callback) -> None:
        """Write the run to a .gradlab file (in the worker, which owns the weights);
        callback(error, step) in the GUI thread, error "" on success, step the one saved.

        The worker copies its state first and answers `save_ready` after the records up to
        that step: the history sent then ends at the weights' step (the one held now lags the
        trainer by the batches still on their way)."""
        request = self._request(callback)
        self._pending_saves.add(request)
        self.thread.save(request, path)

    def open_session(self, path: str, callback) -> None:
        """Continue a saved run; callback(error) in the GUI thread, error "" on success.
        On success the config, the controls and the history are the session's; on failure
        nothing changes."""
        self._debounce.stop()       # the session replaces the network: no rebuild before it

        def done(error: str) -> None:
            # A slider moved just before (its rebuild cancelled here, or dropped in the worker
            # for the open that came after it): the controls show a network that was never
            # built. Build it now that the session is not replacing it.
            if error and changed_keys(self.last_good, self.state.config) - LIVE_KEYS:
                self.rebuild_now()
            callback(error)

        self.thread.open(self._request(done), path)

    @contextlib.contextmanager
    def suppressed(self):
        """Config edits inside do not rebuild the network."""
        self._suppress, old = True, self._suppress
        try:
            yield
        finally:
            self._suppress = old

    # ---- measurements --------------------------------------------------------------------
    @property
    def step_count(self) -> int:
        last = self.history.last
        return last.step if last is not None else 0

    def steps_per_second(self) -> float:
        a = self._arrivals
        now = time.monotonic()
        while a and now - a[0][0] > 2.0:
            a.popleft()
        if len(a) < 2 or not self.running:
            return math.nan
        (t0, s0), (t1, s1) = a[0], a[-1]
        return (s1 - s0) / max(now - t0, t1 - t0, 1e-3)

    # ---- slots -------------------------------------------------------------------------
    def _on_config(self, cfg, keys) -> None:
        if self._suppress:
            return
        if keys and keys <= LIVE_KEYS:
            self.thread.set_hyper(**{k.split(".")[1]: cfg.get(k) for k in keys})
        else:
            self._debounce.start()

    def _on_built(self, info: RunInfo) -> None:
        self.building = False
        if info.source:   # a restored session: its config goes into the controls, no rebuild
            self._debounce.stop()
            with self.suppressed():
                self.state.set_config(info.config, preset=None)
        self.gen = info.gen
        self.info = info
        self.last_good = info.config
        self.history = info.history if info.history is not None else History()
        self._arrivals.clear()
        self.ms_per_step = math.nan
        self.run_started.emit(info)

    def _on_batch(self, gen: int, records: list, stats) -> None:
        if gen != self.gen:
            return
        for r in records:
            try:
                self.history.append(r)
            except ValueError as e:
                self.failed.emit(f"record of step {r.step} skipped: {e}")
        if stats.steps:
            ms = stats.ms_per_step
            self.ms_per_step = ms if math.isnan(self.ms_per_step) else 0.7 * self.ms_per_step + 0.3 * ms
            self._arrivals.append((time.monotonic(), records[-1].step))
        self.records_added.emit(records)
        for r in records:
            if r.early_stop is not None:
                self.early_stopped.emit(r.early_stop)

    def _on_task(self, gen: int, name: str, payload) -> None:
        if gen == self.gen:
            self.task_done.emit(name, payload)

    def _on_running(self, on: bool) -> None:
        self.running = on
        self.running_changed.emit(on)

    def _on_diverged(self, gen: int, div) -> None:
        if gen == self.gen:
            self.diverged.emit(div)

    def _on_stopped(self, gen: int, stop) -> None:
        if gen == self.gen:
            self.early_stopped.emit(stop)

    def _on_failed(self, gen: int, message: str) -> None:
        if self.building:
            # The new config could not be built: go back to the last one that could.
            self.building = False
            if self.info is None:
                # Nothing was ever built (e.g. a remembered CSV file is gone): start from defaults.
                from core.config import ExperimentConfig

                self.last_good = ExperimentConfig()
                with self.suppressed():
                    self.state.set_config(self.last_good, preset=None)
                self.rebuild_now()
                message = f"{message} (started from the default settings)"
            else:
                with self.suppressed():
                    self.state.set_config(self.last_good, preset=self.state.preset)
                message = f"{message} (kept the previous settings)"
        self.failed.emit(message)

    def _on_save_ready(self, request: int, gen: int, path: str, step: int) -> None:
        self._save_steps[request] = step
        if gen != self.gen:
            self.thread.save_write(request, path, None, "the run changed before it could be "
                                   "saved; save again")
            return
        self.thread.save_write(request, path, self.history.to_arrays())

    def _on_session_done(self, request: int, kind: str, path: str, error: str) -> None:
        self._pending_saves.discard(request)
        callback = self._requests.pop(request, None)
        step = self._save_steps.pop(request, None)
        if callback is None:
            return
        if kind == "save":
            callback(error, self.step_count if step is None else step)
        else:
            callback(error)
