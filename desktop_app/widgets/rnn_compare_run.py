"""RNN vs LSTM vs GRU on the same task and seed: the training loop of the comparison.

Qt-free (it runs in a QThread of the GUI or in a child process, see rnn_compare.py). It
reports through `emit(kind, payload)` with plain picklable data and checks `cancelled()`
between steps, so a cancel takes effect within one training step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

KINDS = ("rnn", "lstm", "gru")
EMIT_INTERVAL = 0.2        # seconds between progress reports
NO_PROBES = 100_000        # train.probe_every for the comparison: loss only, no per-step probes


@dataclass
class CompareCurve:
    """One kind's run: batch loss every step, test loss/accuracy every eval_every steps."""

    kind: str
    steps: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    eval_steps: list = field(default_factory=list)
    test_loss: list = field(default_factory=list)
    test_acc: list = field(default_factory=list)
    diverged: int | None = None
    error: str = ""
    done: bool = False

    def add(self, rec) -> None:
        self.steps.append(int(rec.step))
        self.loss.append(float(rec.loss))
        if np.isfinite(rec.test_loss):
            self.eval_steps.append(int(rec.step))
            self.test_loss.append(float(rec.test_loss))
            self.test_acc.append(float(rec.test_acc))
        if rec.divergence is not None:
            self.diverged = int(rec.step)

    def arrays(self) -> dict:
        return {"steps": np.asarray(self.steps, dtype=np.float64),
                "loss": np.asarray(self.loss, dtype=np.float64),
                "eval_steps": np.asarray(self.eval_steps, dtype=np.float64),
                "test_loss": np.asarray(self.test_loss, dtype=np.float64),
                "test_acc": np.asarray(self.test_acc, dtype=np.float64)}

    def copy(self) -> CompareCurve:
        return CompareCurve(self.kind, list(self.steps), list(self.loss), list(self.eval_steps),
                            list(self.test_loss), list(self.test_acc), self.diverged, self.error,
                            self.done)


def comparison_configs(cfg, kinds=KINDS) -> list[tuple[str, object]]:
    """The current config with model.kind set to each kind (same task, seed, init, optimizer).

    A vanilla RNN needs tanh, relu or linear: another activation falls back to tanh (gated
    units ignore model.activation). Per-step probes and early stopping are off: only the loss
    is compared, over the same steps for every kind."""
    out = []
    for kind in kinds:
        c = cfg
        if kind == "rnn" and c.model.activation not in ("tanh", "relu", "linear"):
            c = c.with_value("model.activation", "tanh")
        # Early stopping off: every kind trains the same number of steps (its trainer would
        # refuse the next step once the patience ran out).
        c = c.with_values({"model.kind": kind, "train.probe_every": NO_PROBES,
                           "train.early_stop": 0})
        out.append((kind, c))
    return out


def run_comparison(cfgs, steps: int, emit: Callable[[str, object], None],
                   cancelled: Callable[[], bool]) -> None:
    """Train each config for `steps` steps in turn. Emits ("progress", (done, total, curves))
    every ~0.2 s and at the end of each kind, then ("finished", curves) or ("cancelled", curves).
    `curves` is a list of CompareCurve copies, one per kind started so far."""
    from core.errors import GradLabError
    from core.training.trainer import Trainer

    total = steps * len(cfgs)
    curves: list[CompareCurve] = []
    last = time.monotonic()

    def report(done: int) -> None:
        emit("progress", (done, total, [c.copy() for c in curves]))

    for i, (kind, cfg) in enumerate(cfgs):
        curve = CompareCurve(kind)
        curves.append(curve)
        report(i * steps)
        try:
            tr = Trainer(cfg)
            for s in range(steps):
                if cancelled():
                    emit("cancelled", [c.copy() for c in curves])
                    return
                curve.add(tr.step())
                if curve.diverged is not None:
                    break
                if time.monotonic() - last >= EMIT_INTERVAL:
                    last = time.monotonic()
                    report(i * steps + s + 1)
        except GradLabError as e:
            curve.error = str(e)
        except Exception as e:  # one kind failing must not lose the others
            curve.error = f"{type(e).__name__}: {e}"
        curve.done = True
        report((i + 1) * steps)
    emit("finished", [c.copy() for c in curves])


def child_main(cfgs, steps: int, events, cancel, threads: int) -> None:
    """Entry point of the comparison process: events out through a pipe until finished."""
    import contextlib

    import torch

    torch.set_num_threads(threads)

    def emit(kind, payload) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            events.send((kind, payload))

    try:
        run_comparison(cfgs, steps, emit, cancel.is_set)
    finally:
        with contextlib.suppress(BrokenPipeError, OSError):
            events.close()
