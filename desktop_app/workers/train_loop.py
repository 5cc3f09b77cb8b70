"""The training loop itself, free of Qt: owns the Trainer, obeys commands between steps, and
reports through an `emit(kind, *args)` callback.

It runs either in a QThread of the GUI process or in a child process (see train_worker.py);
everything it emits is plain picklable data (records, numpy arrays, messages), never tensors.
"""

from __future__ import annotations

import contextlib
import os
import time
import traceback
from collections.abc import Callable

from desktop_app.workers.messages import BatchStats, RunInfo, Task

EMIT_INTERVAL = 1 / 30      # seconds between batches at full speed (≤ ~30 batches/s)
IDLE_POLL = 0.05            # seconds the idle loop waits for a command


class TrainLoop:
    """`get(timeout)` returns the next (command, args) or None; `stop()` says when to quit."""

    def __init__(self, emit: Callable[..., None], get: Callable[[float], tuple | None],
                 stop: Callable[[], bool], gate=None):
        self.emit, self.get, self.stop, self.gate = emit, get, stop, gate
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
        self.last_step_s = 0.0
        self.saves: dict = {}           # request → SessionData copied by _cmd_save
        self.last_emit = time.monotonic()

    def run(self) -> None:
        while not self.stop():
            if self._drain(self._wait_time()):
                break
            if self._should_step():
                self._one_step()
            self._run_tasks(force=False)
            self._maybe_flush()

    # ---- scheduling ----------------------------------------------------------------------
    def _can_step(self) -> bool:
        """A trainer that has neither diverged nor been ended by early stopping."""
        return self.tr is not None and self.tr.diverged is None and self.tr.stopped is None

    def _busy(self) -> bool:
        return self._can_step() and (self.running or self.to_step > 0)

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

    def _drain(self, timeout: float) -> bool:
        """Handle every queued command; True when told to quit."""
        item = self.get(timeout)
        if item is None:
            return False
        items = [item]
        while (more := self.get(0.0)) is not None:
            items.append(more)
        # Only the last of several queued rebuilds matters (a dragged slider).
        builds = [i for i, (c, _) in enumerate(items) if c in ("rebuild", "open")]
        for i, (cmd, args) in enumerate(items):
            if cmd == "quit":
                return True
            if cmd == "rebuild" and i != builds[-1]:
                continue
            try:
                getattr(self, f"_cmd_{cmd}")(*args)
            except Exception as e:  # a command must never kill the loop
                self._fail(e)
        return False

    # ---- commands ------------------------------------------------------------------------
    def _set_running(self, on: bool) -> None:
        changed = on != self.running
        self.running = on
        if not on:
            self._flush()          # every record reaches the GUI before it hears "paused"
        if changed:
            self.emit("running_changed", on)
        if not on:
            self._run_tasks(force=True)

    def _cmd_play(self) -> None:
        if self._can_step():
            self.next_at = time.monotonic()
            self._set_running(True)

    def _cmd_pause(self) -> None:
        self._set_running(False)

    def _cmd_step(self, n: int) -> None:
        if self._can_step():
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
            was = self.tr.stopped
            self.tr.set_hyper(**values)
            if self.tr.stopped is not None:      # a patience already exceeded ends it now
                self.to_step = 0
                self._set_running(False)
                # No step record will say so: say it here (_set_running has already sent
                # every record, and the panels' tasks on the rolled-back net).
                if was is None:
                    self.emit("stopped", self.gen, self.tr.stopped)

    def _cmd_rebuild(self, cfg) -> None:
        from core.training.trainer import Trainer

        self._flush()
        self.to_step = 0
        tr = Trainer(cfg)
        self._install(tr, history=None)
        self._push([self._first_probe(tr)])

    def _cmd_open(self, request: int, path: str) -> None:
        """Load a session file and continue it; on failure nothing changes."""
        from core.errors import GradLabError
        from core.sessions import load_session
        from core.training.snapshot import trainer_from_session

        try:
            data = load_session(path)
            tr = trainer_from_session(data)
            misfit = history_misfit(data.history, tr)
        except (GradLabError, OSError) as e:
            self.emit("session_done", request, "open", path, str(e))
            return
        if misfit:
            self.emit("session_done", request, "open", path,
                      f"cannot open session {path!r}: its history {misfit}")
            return
        self._flush()
        self.to_step = 0
        self._install(tr, history=data.history, source=path)
        if len(data.history) == 0:
            self._push([self._first_probe(tr)])
        self.emit("session_done", request, "open", path, "")

    def _cmd_save(self, request: int, path: str) -> None:
        """First half of a save: copy the trainer's state now and send every record up to it;
        the GUI answers "save_ready" with its history, which then ends at this very step (the
        history it holds when it asks lags the trainer by the batches still on their way)."""
        from core.errors import GradLabError
        from core.training.history import History
        from core.training.snapshot import session_from_trainer

        if self.tr is None:
            self.emit("session_done", request, "save", path, "no run to save yet")
            return
        try:
            data = session_from_trainer(self.tr, History())
        except (GradLabError, OSError, ValueError, RuntimeError) as e:
            self.emit("session_done", request, "save", path, str(e))
            return
        self._flush()
        self.saves[request] = data
        self.emit("save_ready", request, self.gen, path, int(self.tr.step_count))

    def _cmd_save_write(self, request: int, path: str, history_arrays: dict | None,
                        error: str = "") -> None:
        """Second half of a save: write the copy made by _cmd_save with the GUI's history."""
        import dataclasses

        from core.errors import GradLabError
        from core.sessions import save_session
        from core.training.history import History

        data = self.saves.pop(request, None)
        try:
            if error:
                raise OSError(error)
            if data is None or history_arrays is None:
                raise OSError("the run changed before it could be saved; save again")
            history = History.from_arrays(history_arrays)
            save_session(path, dataclasses.replace(data, history=history))
        except (GradLabError, OSError, ValueError) as e:
            self.emit("session_done", request, "save", path, str(e))
            return
        self.emit("session_done", request, "save", path, "")

    # ---- helpers -------------------------------------------------------------------------
    def _first_probe(self, tr):
        """Step 0's record: the probe on PROBE_LIMIT training examples, or on one batch for a
        network where that many would take seconds (core.training.cost.probe_examples)."""
        import torch

        from core.training import cost
        from core.training.trainer import PROBE_LIMIT

        rate = cost.matmul_rate(str(tr.device), torch.get_num_threads())
        n = cost.probe_examples(tr, PROBE_LIMIT, rate)
        return tr.probe(tr.x_train[:n], tr.y_train[:n])

    def _install(self, tr, history, source: str = "") -> None:
        import torch

        from core.device import available_devices
        from core.training import cost

        self.tr = tr
        self.gen += 1
        self.task_clock = {}
        threads = torch.get_num_threads()
        # Measured once per device and thread count (~20 ms), so the window can say before
        # Play when every step of this network will take seconds or minutes.
        step_cost = cost.step_cost(tr)
        rate = cost.matmul_rate(str(tr.device), threads)
        info = RunInfo(gen=self.gen, config=tr.config, layer_names=list(tr.layer_names),
                       device=str(tr.device), device_note=tr.device_note,
                       devices=available_devices(), threads=threads,
                       dataset=tr.dataset, history=history, step=tr.step_count, source=source,
                       step_flop=step_cost.total, eval_flop=step_cost.evaluation,
                       flop_rate=rate, rolled_back=tr.rolled_back)
        self.emit("built", info)

    def _push(self, records: list) -> None:
        self.pending.extend(records)
        self._flush()
        self._run_tasks(force=True)

    def _one_step(self) -> None:
        if self.gate is not None:
            with self.gate:        # a frame being drawn by the GUI thread finishes first
                pass
        t0 = time.perf_counter()
        try:
            rec = self.tr.step()
        except Exception as e:
            self._fail(e)
            return
        self.last_step_s = time.perf_counter() - t0
        self.pending_s += self.last_step_s
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
            self.emit("diverged", self.gen, rec.divergence)
            self._set_running(False)
        elif rec.early_stop is not None:   # a normal end: the record itself tells the GUI
            self.to_step = 0
            self._set_running(False)

    def _maybe_flush(self) -> None:
        if not self.pending:
            return
        slow = 0 < self.speed <= 30
        # Flush now if waiting for one more step would overshoot the interval: batches then
        # leave every ~33 ms rather than every 33 ms plus part of a step.
        due = time.monotonic() - self.last_emit + 0.5 * self.last_step_s >= EMIT_INTERVAL
        if slow or not self._busy() or due:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            recs, self.pending = self.pending, []
            stats = BatchStats(steps=sum(1 for r in recs if r.step > 0), seconds=self.pending_s)
            self.pending_s = 0.0
            self.emit("batch", self.gen, recs, stats)
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
            self.emit("task_done", self.gen, task.name, payload)

    def _fail(self, e: Exception) -> None:
        from core.errors import GradLabError

        if isinstance(e, GradLabError):
            msg = str(e)
        else:
            traceback.print_exc()
            msg = f"internal error: {type(e).__name__}: {e}"
        self.to_step = 0
        self._set_running(False)
        self.emit("failed", self.gen, msg)


def history_misfit(history, tr) -> str:
    """Why a session's history cannot continue with its trainer ("" when it can): a file
    assembled from two runs has records the network's would never fit (each new one was
    dropped, and the plots showed the other run)."""
    layers, names = history.layers, len(tr.layer_names)
    if layers is not None and layers != names:
        return f"has {layers} layers, the network its config builds {names}"
    last = history.last
    if last is not None and last.step > tr.step_count:
        return f"goes on to step {last.step}, past its weights' step {tr.step_count}"
    steps = tr.x_train.shape[1] if getattr(tr, "recurrent", False) else None
    for name in ("grad_t", "gate_t"):
        if len(history.probe_steps(name)):
            have = history.layer_matrix(name).shape[1]
            if steps is None:
                return f"has gradients through time ({name}), its network is not recurrent"
            if have != steps:
                return f"has {name} over {have} time steps, the network's sequences {steps}"
    return ""


def _exit_with_parent() -> None:
    """End this process as soon as the GUI process is gone, even in the middle of building or
    probing a large network (the command pipe is only read between steps)."""
    import threading

    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def child_main(commands, events, threads: int) -> None:
    """Entry point of the training process: commands in, events out, until "quit"."""
    _exit_with_parent()
    with contextlib.suppress(OSError, AttributeError):
        os.nice(4)     # when cores are short, the GUI (drawing, input) goes first
    import torch

    torch.set_num_threads(threads)

    def get(timeout: float):
        try:
            if timeout > 0 and not commands.poll(timeout):
                return None
            if timeout <= 0 and not commands.poll():
                return None
            return commands.recv()
        except (EOFError, OSError):
            return ("quit", ())

    def emit(kind: str, *args) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            events.send((kind, args))

    TrainLoop(emit, get, stop=lambda: False).run()
