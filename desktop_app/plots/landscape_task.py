"""What the landscape lab takes from the live trainer, and the trajectory it keeps (no Qt).

`landscape_snapshot` runs in the training thread (or process) between steps as a Task: it copies
the weights and buffers to numpy (a millisecond for the default net) and measures the trainer's
own eval-mode loss on the evaluation subset, the reference the landscape's centre must equal.
The heavy work (grids, Hessian) then runs in the lab's analysis worker on that copy, so
training never waits for it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

SUBSET_SEED = 0          # the same evaluation examples in every frame
TRAJ_CAPACITY = 256      # trajectory points kept (thinned to every other one when full)
TRAJ_MAX_BYTES = 64 * 2**20


@dataclass(frozen=True, eq=False)
class LandscapeSnapshot:
    """The trainer's weights at one step, as numpy copies (picklable, never live tensors)."""

    step: int                           # Trainer.weights_step: the best one after a roll-back
    theta: np.ndarray                   # (n,) float32: parameters, flat, in state_dict order
    state: dict[str, np.ndarray]        # the full state_dict (parameters and buffers)
    lr: float
    optimizer: str
    momentum: float
    loss_kind: str                      # "cross_entropy" or "mse"
    subset: int                         # evaluation examples per split
    eval_loss: dict[str, float] = field(default_factory=dict)   # trainer's loss on the subset


def landscape_snapshot(trainer, subset: int = 256) -> LandscapeSnapshot | None:
    """Copy the trainer's weights (Task function: runs where the trainer lives)."""
    import torch

    from core.analysis.landscape_problem import eval_subset
    from core.analysis.landscape_space import ParamSpace

    model = trainer.model
    trainer.refresh_batchnorm()          # eval-mode statistics of these weights, not trailing ones
    with torch.no_grad():
        theta = ParamSpace.of(model).flatten(model).cpu().numpy().astype(np.float32)
        state = {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}
    losses = {}
    if np.all(np.isfinite(theta)):
        for split, (x, y) in (("train", (trainer.x_train, trainer.y_train)),
                              ("test", (trainer.x_test, trainer.y_test))):
            xs, ys = eval_subset(x, y, subset, SUBSET_SEED)
            losses[split] = float(trainer.evaluate(xs, ys)[0])
    o = trainer.config.optim
    kind = trainer.dataset.loss_kind
    # The step whose weights these are: early stopping's best once it has rolled the net back
    # (the lab's captions and its request key follow it; the last step's would be stale).
    return LandscapeSnapshot(step=int(trainer.weights_step), theta=theta, state=state,
                             lr=float(o.lr), optimizer=o.name, momentum=float(o.momentum),
                             loss_kind=kind, subset=int(subset), eval_loss=losses)


def snapshot_task_fn(subset: int):
    """A picklable Task function with the subset size bound (it travels to the trainer)."""
    return functools.partial(landscape_snapshot, subset=int(subset))


class TrajectoryBuffer:
    """The run's path through weight space as the snapshots arrive, in bounded memory.

    Holds (step, θ) pairs whose arrays are never modified, so `view()` can hand them to the
    analysis worker without copying. The newest snapshot is always the last point; when the
    buffer is full every other point is dropped and the spacing doubles (the path keeps
    spanning the whole run)."""

    def __init__(self, capacity: int = TRAJ_CAPACITY, max_bytes: int = TRAJ_MAX_BYTES):
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.clear()

    def clear(self) -> None:
        self._steps: list[int] = []
        self._rows: list[np.ndarray] = []
        self.gap = 1
        self._cap = self.capacity

    def __len__(self) -> int:
        return len(self._steps)

    def add(self, step: int, theta: np.ndarray) -> None:
        if self._rows and theta.shape != self._rows[-1].shape:
            self.clear()                       # another network: a new path
        if not self._rows:
            self._cap = max(4, min(self.capacity, self.max_bytes // max(4 * theta.size, 1)))
        if self._steps and step <= self._steps[-1]:
            if step == self._steps[-1]:
                self._rows[-1] = theta
            return
        if len(self._steps) >= 2 and step - self._steps[-2] < self.gap:
            self._steps[-1], self._rows[-1] = step, theta     # keep the newest point last
            return
        if len(self._steps) >= self._cap:
            last = (self._steps[-1], self._rows[-1])
            self._steps, self._rows = self._steps[:-1:2], self._rows[:-1:2]
            self._steps.append(last[0])
            self._rows.append(last[1])
            self.gap *= 2
        self._steps.append(int(step))
        self._rows.append(theta)

    def view(self) -> tuple[tuple[int, ...], tuple[np.ndarray, ...]]:
        """Steps and θ arrays (shared, read-only by convention)."""
        return tuple(self._steps), tuple(self._rows)
