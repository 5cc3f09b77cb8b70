"""The training worker: a QThread that runs the TrainLoop (train_loop.py), which owns the
Trainer, and turns what it reports into Qt signals for the GUI thread.

Two backends, one interface:
- "process" (default): the QThread starts a child process that owns the Trainer (torch is
  imported there) and relays its events. Training and drawing then never compete for one
  GIL: on a 2-core machine the GUI keeps its frame rate and training keeps its speed.
- "thread": the TrainLoop runs in the QThread itself (torch imported in that thread). Used by
  the tests (no process start-up per window) and where processes are unwelcome.
Pick with `TrainThread(backend=…)` or the GRADLAB_WORKER environment variable.

The GUI talks to it only through the command methods (they queue a command; the loop reads
commands between steps, so pause, step, reset and rebuilds take effect within one step).
Records arrive in batches emitted at most ~30 times per second; none is dropped.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading

from PySide6.QtCore import QThread, Signal

from desktop_app.workers.messages import Task

RELAY_POLL = 0.05           # seconds the relay waits for an event before checking for a stop
CHILD_JOIN = 0.5            # seconds a quitting child gets before it is terminated (then killed)


def default_threads() -> int:
    """Leave one core to the GUI."""
    return max(1, (os.cpu_count() or 2) - 1)


@contextlib.contextmanager
def _main_module_hidden():
    """Spawn re-runs the parent's __main__ script in the child unless it has no file; the
    child needs only desktop_app.workers.train_loop, so hide it (a script without an
    `if __name__ == "__main__"` guard would otherwise open a second window)."""
    main = sys.modules.get("__main__")
    saved = {k: getattr(main, k) for k in ("__file__", "__spec__") if hasattr(main, k)}
    try:
        for k in saved:
            setattr(main, k, None) if k == "__spec__" else delattr(main, k)
        yield
    finally:
        for k, v in saved.items():
            setattr(main, k, v)


def default_backend() -> str:
    b = os.environ.get("GRADLAB_WORKER", "process")
    return b if b in ("process", "thread") else "process"


class TrainThread(QThread):
    built = Signal(object)                    # RunInfo
    batch = Signal(int, object, object)       # gen, list[StepRecord], BatchStats
    task_done = Signal(int, str, object)      # gen, task name, payload
    running_changed = Signal(bool)
    diverged = Signal(int, object)            # gen, Divergence
    stopped = Signal(int, object)             # gen, EarlyStop: a lowered patience ended the run
    failed = Signal(int, str)                 # gen, message
    session_done = Signal(int, str, str, str)  # request, "save"/"open", path, error ("" = ok)
    save_ready = Signal(int, int, str, object)   # request, gen, path, step: send the history

    def __init__(self, threads: int | None = None, backend: str | None = None, parent=None):
        super().__init__(parent)
        self.threads = threads or default_threads()
        self.backend = backend or default_backend()
        self.setObjectName("GradLabTrainThread")
        self._q: queue.SimpleQueue = queue.SimpleQueue()
        self._conn = None            # process backend: the GUI's end of the command pipe
        self._send_lock = threading.Lock()
        # Thread backend: held by the GUI thread while it draws a frame; the loop waits for it
        # between steps, so a frame is drawn without competing for the GIL with training.
        self.frame_lock = threading.Lock()

    # ---- commands (GUI thread) ------------------------------------------------------------
    def send(self, cmd: str, *args) -> None:
        with self._send_lock:
            if self._conn is not None:
                # Straight to the training process; if it is gone, the relay reports that.
                with contextlib.suppress(OSError, BrokenPipeError):
                    self._conn.send((cmd, args))
            else:
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

    def save(self, request: int, path: str) -> None:
        """Copy the run's state; `save_ready` follows once every record up to it was sent."""
        self.send("save", request, path)

    def save_write(self, request: int, path: str, history_arrays: dict | None,
                   error: str = "") -> None:
        """Write the copy made for `request` with this history (None or `error`: give up)."""
        self.send("save_write", request, path, history_arrays, error)

    def open(self, request: int, path: str) -> None:
        self.send("open", request, path)

    # ---- the thread -----------------------------------------------------------------------
    def _emit(self, kind: str, *args) -> None:
        getattr(self, kind).emit(*args)

    def _get(self, timeout: float):
        try:
            return self._q.get(timeout=timeout) if timeout > 0 else self._q.get_nowait()
        except queue.Empty:
            return None

    def run(self) -> None:
        if self.backend == "thread":
            self._run_here()
        else:
            self._run_child()

    def _run_here(self) -> None:
        import torch

        from desktop_app.workers.train_loop import TrainLoop

        torch.set_num_threads(self.threads)
        TrainLoop(self._emit, self._get, self.isInterruptionRequested, gate=self.frame_lock).run()

    def _run_child(self) -> None:
        """Start the training process, forward commands to it and its events to Qt."""
        import multiprocessing as mp

        from desktop_app.workers.train_loop import child_main

        ctx = mp.get_context("spawn")
        cmd_recv, cmd_send = ctx.Pipe(duplex=False)
        evt_recv, evt_send = ctx.Pipe(duplex=False)
        child = ctx.Process(target=child_main, args=(cmd_recv, evt_send, self.threads),
                            name="gradlab-trainer", daemon=True)
        with _main_module_hidden():
            child.start()
        cmd_recv.close()
        evt_send.close()
        with self._send_lock:      # from now on commands go straight to the pipe
            while (item := self._get(0.0)) is not None:
                cmd_send.send(item)
            self._conn = cmd_send
        try:
            while not self.isInterruptionRequested():
                if evt_recv.poll(RELAY_POLL):
                    kind, args = evt_recv.recv()
                    self._emit(kind, *args)
                elif not child.is_alive():
                    self._emit("failed", -1, "the training process stopped unexpectedly "
                               f"(exit code {child.exitcode}); restart GradLab")
                    break
        except (EOFError, OSError, BrokenPipeError):
            self._emit("failed", -1, "lost contact with the training process; restart GradLab")
        finally:
            with self._send_lock:
                self._conn = None
                with contextlib.suppress(OSError, BrokenPipeError):
                    cmd_send.send(("quit", ()))
            child.join(CHILD_JOIN)
            if child.is_alive():      # busy building or probing a large net: end it
                child.terminate()
                child.join(CHILD_JOIN)
            if child.is_alive():
                child.kill()
                child.join(CHILD_JOIN)
            cmd_send.close()
            evt_recv.close()
