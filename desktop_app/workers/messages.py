"""Plain data passed between the training thread and the GUI (no Qt, no live tensors)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RunInfo:
    """A freshly built (or restored) trainer, described for the views."""

    gen: int                       # generation: bumps on every rebuild, reset or restore
    config: Any                    # ExperimentConfig the trainer was built from
    layer_names: list[str]
    device: str                    # e.g. "cpu", "cuda:0"
    device_note: str | None        # why the requested device was not used, if it was not
    devices: list[str]             # devices present on this machine
    threads: int                   # torch threads of the worker
    dataset: Any                   # core.data.Dataset (numpy arrays)
    history: Any = None            # History to continue (restored session), else None
    step: int = 0
    source: str = ""               # the session file it was restored from, if any
    step_flop: float = float("nan")   # matrix-product FLOP of one step (core.training.cost)
    eval_flop: float = 0.0            # the part of it that is the whole-set evaluations
    flop_rate: float = float("nan")   # FLOP/s of a matrix product on this device and threads
    rolled_back: int | None = None    # early stopping rolled the net back to this step's weights


@dataclass(frozen=True)
class BatchStats:
    """Timing of the steps in one batch, measured in the worker."""

    steps: int
    seconds: float                 # time spent inside trainer.step()

    @property
    def ms_per_step(self) -> float:
        return 1000.0 * self.seconds / self.steps if self.steps else float("nan")


@dataclass(frozen=True)
class Task:
    """A computation a lab wants from the live trainer, run in the training thread between
    steps at a throttled rate: `fn(trainer) -> payload` (numpy, never tensors)."""

    name: str
    fn: Callable[[Any], Any]
    min_interval: float = 0.25     # seconds between runs while training
    max_share: float = 0.15        # at most this fraction of the worker's time
