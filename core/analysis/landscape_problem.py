"""A frozen snapshot of "the loss around the current weights": model copy, θ, evaluation subsets.

Landscape and curvature computations never touch the trainer's model: `LossProblem.from_trainer`
copies it (call it from the thread that owns the trainer, between steps, e.g. right after
`Trainer.step()`; it takes about a millisecond for the default net), so an analysis worker can run
while training goes on.

Everything is evaluated in **eval mode**: batch norm uses its running statistics and dropout is
off, so the loss is a deterministic function of θ (a train-mode loss would change with every
dropout mask and batch). `notes` says when this differs from the training-time loss.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from core.analysis.landscape_space import LandscapeError, ParamSpace
from core.training.losses import (  # noqa: F401  (re-exported for the landscape code)
    LOSS_KINDS,
    mean_loss,
    per_example_loss,
)

SPLITS = ("train", "test")
DEFAULT_SUBSET = 256


@dataclass(frozen=True, eq=False)
class LossProblem:
    """The function θ ↦ loss on fixed evaluation subsets, frozen at one moment of a run.

    `model` is a private eval-mode copy (never the trainer's). `data` maps "train" / "test" to
    (x, y) subsets on the model's device. `theta` is the current point in `space` order."""

    model: nn.Module
    space: ParamSpace
    theta: torch.Tensor
    loss_kind: str
    data: dict[str, tuple[torch.Tensor, torch.Tensor]]
    buffers: dict[str, torch.Tensor]
    step: int = 0
    lr: float = float("nan")
    optimizer: str = ""
    momentum: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    # ---- construction ---------------------------------------------------------------------
    @classmethod
    def from_trainer(cls, tr, subset: int = DEFAULT_SUBSET, seed: int = 0,
                     splits: tuple[str, ...] = SPLITS) -> LossProblem:
        """Snapshot a Trainer: its weights now, `subset` examples of each split (fixed by seed).

        Call between training steps from the trainer's thread; the result is independent of it."""
        data = {}
        for s in splits:
            if s not in SPLITS:
                raise LandscapeError(f"unknown split {s!r}; choose from {list(SPLITS)}")
            x, y = (tr.x_train, tr.y_train) if s == "train" else (tr.x_test, tr.y_test)
            data[s] = eval_subset(x, y, subset, seed)
        kind = tr.dataset.loss_kind
        o = tr.config.optim
        return cls.from_model(tr.model, kind, data, step=tr.step_count, lr=o.lr,
                              optimizer=o.name, momentum=o.momentum)

    @classmethod
    def from_model(cls, model: nn.Module, loss_kind: str,
                   data: dict[str, tuple[torch.Tensor, torch.Tensor]], **meta) -> LossProblem:
        """Snapshot any module with a cross-entropy or MSE loss on the given (x, y) splits."""
        if loss_kind not in LOSS_KINDS:
            raise LandscapeError(f"unknown loss {loss_kind!r}; choose from {list(LOSS_KINDS)}")
        if not data:
            raise LandscapeError("no evaluation data: give at least one split")
        m = copy.deepcopy(model).eval()
        for p in m.parameters():
            p.grad = None            # deepcopy brings the last step's gradients along
            p.requires_grad_(False)
        space = ParamSpace.of(m)
        if space.numel == 0:
            raise LandscapeError("the model has no parameters")
        theta = space.flatten(m)
        if not bool(torch.isfinite(theta).all()):
            raise LandscapeError("the weights contain Inf or NaN (the run diverged); reset it "
                                 "before looking at the landscape")
        buffers = {k: v for k, v in m.named_buffers()}
        notes = []
        if any(isinstance(mod, nn.modules.batchnorm._BatchNorm) for mod in m.modules()):
            notes.append("batch norm evaluated in eval mode (running statistics), so the centre "
                         "can differ from the training-batch loss")
        if any(isinstance(mod, nn.Dropout) for mod in m.modules()):
            notes.append("dropout is off in the landscape (eval mode)")
        return cls(model=m, space=space, theta=theta, loss_kind=loss_kind, data=dict(data),
                   buffers=buffers, notes=tuple(notes), **meta)

    # ---- evaluation -------------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        return self.theta.device

    @property
    def splits(self) -> tuple[str, ...]:
        return tuple(self.data)

    def forward(self, flat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Plain (unbatched) forward pass with the weights `flat`; the model is not modified."""
        params = self.space.unflatten(flat)
        return torch.func.functional_call(self.model, (params, self.buffers), (x,))

    def loss_fn(self, split: str = "train") -> Callable[[torch.Tensor], torch.Tensor]:
        """θ ↦ mean loss on one split, differentiable (for gradients and Hessian products)."""
        x, y = self.split(split)
        kind = self.loss_kind
        return lambda flat: mean_loss(self.forward(flat, x), y, kind)

    @torch.no_grad()
    def loss_at(self, flat: torch.Tensor, split: str = "train") -> float:
        """The loss at weights `flat` by one plain forward pass: the reference for every grid."""
        return float(self.loss_fn(split)(flat))

    def centre_loss(self, split: str = "train") -> float:
        """The loss at θ itself."""
        return self.loss_at(self.theta, split)

    def split(self, name: str) -> tuple[torch.Tensor, torch.Tensor]:
        if name not in self.data:
            raise LandscapeError(f"split {name!r} was not snapshotted; have {list(self.data)}")
        return self.data[name]

    def with_theta(self, theta: torch.Tensor) -> LossProblem:
        """The same problem around another point (same model structure and data)."""
        theta = theta.to(self.device, torch.float32).reshape(-1)
        if theta.numel() != self.space.numel:
            raise LandscapeError(f"θ has {theta.numel()} entries; the model has {self.space.numel}")
        return LossProblem(model=self.model, space=self.space, theta=theta,
                           loss_kind=self.loss_kind, data=self.data, buffers=self.buffers,
                           step=self.step, lr=self.lr, optimizer=self.optimizer,
                           momentum=self.momentum, notes=self.notes)


def eval_subset(x: torch.Tensor, y: torch.Tensor, size: int, seed: int = 0):
    """`size` examples drawn without replacement by `seed` (all of them if size ≥ n).

    The same seed and data give the same examples every frame, so frames are comparable."""
    n = len(x)
    if size < 1:
        raise LandscapeError(f"evaluation subset size {size} must be at least 1")
    if size >= n:
        return x, y
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(n, generator=g)[:size].sort().values.to(x.device)
    return x[idx], y[idx]
