"""Record the training trajectory: flat parameter snapshots every k steps, in bounded memory.

    rec = TrajectoryRecorder(every=10)
    for record in trainer.steps(500):
        rec.maybe_record(trainer.step_count, trainer.model)

When the buffer is full, every other snapshot is dropped and `every` doubles, so the recording
always spans the whole run with at most `capacity` snapshots (call from the trainer's thread).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from core.analysis.landscape_space import LandscapeError, ParamSpace

MAX_BYTES = 256 * 2**20


class TrajectoryRecorder:
    """Flat float32 parameter snapshots (CPU numpy) with the step of each."""

    def __init__(self, every: int = 10, capacity: int = 512, max_bytes: int = MAX_BYTES):
        if every < 1 or capacity < 4:
            raise LandscapeError("trajectory: record every ≥ 1 step, capacity ≥ 4 snapshots")
        self.every = every
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.space: ParamSpace | None = None
        self._rows: np.ndarray | None = None
        self._steps: list[int] = []

    def __len__(self) -> int:
        return len(self._steps)

    @property
    def steps(self) -> np.ndarray:
        return np.asarray(self._steps, dtype=np.int64)

    @property
    def snapshots(self) -> np.ndarray:
        """(T, n) float32 copy of the recorded parameter vectors, oldest first."""
        if self._rows is None:
            return np.zeros((0, 0), np.float32)
        return self._rows[: len(self._steps)].copy()

    def clear(self) -> None:
        """Forget the recording (call on reset, or when the network changes)."""
        self.space, self._rows, self._steps = None, None, []

    def maybe_record(self, step: int, model: nn.Module) -> bool:
        """Record if `step` is a multiple of `every` (or the first call); True when recorded."""
        if self._steps and step % self.every:
            return False
        self.record(step, model)
        return True

    @torch.no_grad()
    def record(self, step: int, model: nn.Module) -> None:
        """Append the model's parameters now (restarts the recording if the network changed)."""
        space = ParamSpace.of(model)
        if space != self.space:
            self.clear()
            self.space = space
            cap = max(4, min(self.capacity, self.max_bytes // max(4 * space.numel, 1)))
            self._rows = np.empty((cap, space.numel), np.float32)
        if self._steps and step <= self._steps[-1]:
            return              # the same step twice (or a rewind) adds nothing
        if len(self._steps) == len(self._rows):
            self._thin()
        self._rows[len(self._steps)] = space.flatten(model).cpu().numpy()
        self._steps.append(int(step))

    def _thin(self) -> None:
        keep = list(range(0, len(self._steps), 2))
        self._rows[: len(keep)] = self._rows[keep]
        self._steps = [self._steps[i] for i in keep]
        self.every *= 2
