"""The training thread: owns the Trainer, steps it, and sends records to the GUI in batches.

The GUI talks to it only through `send`-style methods that put commands on a queue; the thread
reads them between steps, so pause, step, reset and rebuilds take effect within one step.
Records are grouped into batches emitted at most ~30 times per second (none is dropped).
torch is imported here, in the thread, after the window is on screen.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import traceback

from PySide6.QtCore import QThread, Signal

from desktop_app.workers.messages import BatchStats, RunInfo, Task

EMIT_INTERVAL = 1 / 30      # seconds between batches at full speed
IDLE_POLL = 0.05            # seconds the idle thread waits for a command


def default_threads() -> int:
    """Leave one core to the GUI thread."""
    return max(1, (os.cpu_count() or 2) - 1)


class TrainThread(QThread):
    """Runs `trainer.step()` in a loop; commands arrive on a queue, results leave as signals."""

    built = Signal(object)                    # RunInfo
    batch = Signal(int, object, object)       # gen, list[StepRecord], BatchStats
    task_done = Signal(int, str, object)      # gen, task name, payload
    running_changed = Signal(bool)
    diverged = Signal(int, object)            # gen, Divergence
    failed = Signal(int, str)                 # gen, message
    snapshot_ready = Signal(int, int, object)  # request id, gen, SessionData (empty history)

    def __init__(self, threads: int | None = None, parent=None):
        super().__init__(parent)
        self._q: queue.SimpleQueue = queue.SimpleQueue()
        self.threads = threads or default_threads()
        self.setObjectName("GradLabTrainThread")
        # Held by the GUI thread while it draws a frame; the trainer waits for it between steps,
        # so a frame is drawn without competing for the GIL with Python-heavy training code.
        self.frame_lock = threading.Lock()

    # ---- commands (any thread) ----------------------------------------------------------
    def send(self, cmd: str, *args) -> None:
        self._q.put((cmd, args))

    def play(self) -> None:
        self.send("play")

    def pause(self) -> None:
        self.send("pause")

    def step(self, n: int = 1) -> None:
        self.send("step", n)

    def rebuild(self, cfg) -> None:
        self.send("rebuild", cfg)

    def set_hyper(self, **values) -> None:
        self.send("hyper", values)

    def set_speed(self, steps_per_second: float) -> None:
        """0 = as fast as possible."""
        self.send("speed", float(steps_per_second))

    def set_tasks(self, tasks: list[Task]) -> None:
        self.send("tasks", list(tasks))

    def snapshot(self, request: int) -> None:
        self.send("snapshot", request)

    def restore(self, session) -> None:
        self.send("restore", session)

    # ---- the thread -----------------------------------------------------------------------
    def run(self) -> None:
        import torch

        torch.set_num_threads(self.threads)
        self.tr = None
        self.gen = 0
        self.running = False
        self.to_step = 0
        self.speed = 0.0
        self.next_at = 0.0
        self.tasks: list[Task] = []
        self.task_clock: dict[str, tuple[float, float]] = {}   # name -> (last run, cost)
        self.pending: list = []
        self.pending_s = 0.0
        self.last_emit = time.monotonic()
        while not self.isInterruptionRequested():
            self._drain(self._wait_time())
            if self.isInterruptionRequested():
                break
            if self._should_step():
                self._one_step()
            self._run_tasks(force=False)
            self._maybe_flush()

    def _busy(self) -> bool:
        return self.tr is not None and self.tr.diverged is None and (self.running or self.to_step > 0)

    def _wait_time(self) -> float:
        if not self._busy():
            return IDLE_POLL
        if self.to_step > 0 or self.speed <= 0:
            return 0.0
        return min(IDLE_POLL, max(0.0, self.next_at - time.monotonic()))

    def _should_step(self) -> bool:
        if not self._busy():
            return False
        return self.to_step > 0 or self.speed <= 0 or time.monotonic() >= self.next_at

    def _drain(self, timeout: float) -> None:
        try:
            item = self._q.get(timeout=timeout) if timeout > 0 else self._q.get_nowait()
        except queue.Empty:
            return
        items = [item]
        while True:
            try:
                items.append(self._q.get_nowait())
            except queue.Empty:
                break
        # Only the last of several queued rebuilds matters (a dragged slider).
        last_build = max((i for i, (c, _) in enumerate(items) if c in ("rebuild", "restore")),
                         default=-1)
        for i, (cmd, args) in enumerate(items):
            if cmd in ("rebuild", "restore") and i != last_build:
                continue
            try:
                getattr(self, f"_cmd_{cmd}")(*args)
            except Exception as e:  # a command must never kill the thread
                self._fail(e)

    # ---- command handlers (thread side) --------------------------------------------------
    def _set_running(self, on: bool) -> None:
        changed = on != self.running
        self.running = on
        if not on:
            self._flush()          # every record reaches the GUI before it hears "paused"
        if changed:
            self.running_changed.emit(on)
        if not on:
            self._run_tasks(force=True)

    def _cmd_play(self) -> None:
        if self.tr is not None and self.tr.diverged is None:
            self.next_at = time.monotonic()
            self._set_running(True)

    def _cmd_pause(self) -> None:
        self._set_running(False)

    def _cmd_step(self, n: int) -> None:
        if self.tr is not None and self.tr.diverged is None:
            self.to_step += n

    def _cmd_speed(self, sps: float) -> None:
        self.speed = sps
        self.next_at = time.monotonic()

    def _cmd_tasks(self, tasks: list[Task]) -> None:
        self.tasks = tasks
        self.task_clock = {}
        self._run_tasks(force=True)

    def _cmd_hyper(self, values: dict) -> None:
        if self.tr is not None:
            self.tr.set_hyper(**values)

    def _cmd_rebuild(self, cfg) -> None:
        from core.training.trainer import Trainer

        self._flush()
        self.to_step = 0
        tr = Trainer(cfg)
        self._install(tr, history=None)
        self._push([tr.probe()])

    def _cmd_restore(self, session) -> None:
        from core.training.snapshot import trainer_from_session

        self._flush()
        self.to_step = 0
        tr = trainer_from_session(session)
        self._install(tr, history=session.history)
        if len(session.history) == 0:
            self._push([tr.probe()])

    def _cmd_snapshot(self, request: int) -> None:
        from core.training.history import History
        from core.training.snapshot import session_from_trainer

        self._flush()
        data = session_from_trainer(self.tr, History()) if self.tr is not None else None
        self.snapshot_ready.emit(request, self.gen, data)

    # ---- helpers -------------------------------------------------------------------------
    def _install(self, tr, history) -> None:
        import torch

        from core.device import available_devices

        self.tr = tr
        self.gen += 1
        self.task_clock = {}
        info = RunInfo(gen=self.gen, config=tr.config, layer_names=list(tr.layer_names),
                       device=str(tr.device), device_note=tr.device_note,
                       devices=available_devices(), threads=torch.get_num_threads(),
                       dataset=tr.dataset, history=history, step=tr.step_count)
        self.built.emit(info)
        if tr.diverged is not None:
            self._set_running(False)

    def _push(self, records: list) -> None:
        self.pending.extend(records)
        self._flush()
        self._run_tasks(force=True)

    def _one_step(self) -> None:
        with self.frame_lock:   # let a frame in progress finish first
            pass
        t0 = time.perf_counter()
        try:
            rec = self.tr.step()
        except Exception as e:
            self._fail(e)
            return
        self.pending_s += time.perf_counter() - t0
        self.pending.append(rec)
        if self.to_step > 0:
            self.to_step -= 1
            if self.to_step == 0 and not self.running:
                self._flush()
                self._run_tasks(force=True)
        if self.speed > 0:
            self.next_at = max(self.next_at + 1.0 / self.speed, time.monotonic() - 0.5)
        if rec.divergence is not None:
            self.to_step = 0
            self._flush()
            self.diverged.emit(self.gen, rec.divergence)
            self._set_running(False)

    def _maybe_flush(self) -> None:
        if not self.pending:
            return
        slow = 0 < self.speed <= 30
        if slow or not self._busy() or time.monotonic() - self.last_emit >= EMIT_INTERVAL:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            recs, self.pending = self.pending, []
            stats = BatchStats(steps=sum(1 for r in recs if r.step > 0), seconds=self.pending_s)
            self.pending_s = 0.0
            self.batch.emit(self.gen, recs, stats)
        self.last_emit = time.monotonic()

    def _run_tasks(self, force: bool) -> None:
        if self.tr is None or not self.tasks:
            return
        now = time.monotonic()
        for task in self.tasks:
            last, cost = self.task_clock.get(task.name, (-1e9, 0.0))
            interval = max(task.min_interval, cost / max(task.max_share, 1e-3))
            if not force and (not self._busy() or now - last < interval):
                continue
            t0 = time.perf_counter()
            try:
                payload = task.fn(self.tr)
            except Exception:
                payload = None
                traceback.print_exc()
            self.task_clock[task.name] = (time.monotonic(), time.perf_counter() - t0)
            self.task_done.emit(self.gen, task.name, payload)

    def _fail(self, e: Exception) -> None:
        from core.errors import GradLabError

        if isinstance(e, GradLabError):
            msg = str(e)
        else:
            traceback.print_exc()
            msg = f"internal error: {type(e).__name__}: {e}"
        self.to_step = 0
        self._set_running(False)
        self.failed.emit(self.gen, msg)
