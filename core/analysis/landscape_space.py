"""Flat parameter vectors in `state_dict` order, and the errors of the landscape tools.

Every landscape and curvature computation works on one flat float vector θ holding a model's
parameters (not its buffers) in the order `model.state_dict()` lists them. Directions, trajectory
snapshots and Hessian eigenvectors are vectors of the same space, so they can be exported as flat
arrays and mapped back to named tensors with `ParamSpace.unflatten`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from core.errors import GradLabError


class LandscapeError(GradLabError, ValueError):
    """A landscape or curvature request that cannot be met (message shown to the user as is)."""


class Cancelled(Exception):  # noqa: N818 - it is an outcome, not a failure
    """Raised inside a computation when its `should_stop()` returned True between chunks."""


@dataclass(frozen=True)
class ParamSpace:
    """Names, shapes and offsets of a model's parameters in `state_dict` order."""

    names: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]

    @classmethod
    def of(cls, model: nn.Module) -> ParamSpace:
        """The space of `model`'s parameters (buffers such as running means are left out)."""
        params = dict(model.named_parameters())
        names = tuple(k for k in model.state_dict(keep_vars=True) if k in params)
        return cls(names, tuple(tuple(params[k].shape) for k in names))

    @property
    def sizes(self) -> tuple[int, ...]:
        out = []
        for s in self.shapes:
            n = 1
            for d in s:
                n *= d
            out.append(n)
        return tuple(out)

    @property
    def offsets(self) -> tuple[int, ...]:
        """Start of each parameter in the flat vector (one more entry: the total)."""
        out, at = [0], 0
        for n in self.sizes:
            at += n
            out.append(at)
        return tuple(out)

    @property
    def numel(self) -> int:
        return self.offsets[-1]

    def flatten(self, model: nn.Module) -> torch.Tensor:
        """A detached copy of the model's parameters as one flat vector."""
        params = dict(model.named_parameters())
        missing = [k for k in self.names if k not in params]
        if missing:
            raise LandscapeError(f"the model has no parameter {missing[0]!r}; the network changed "
                                 "since these directions were made: request new directions")
        with torch.no_grad():
            return torch.cat([params[k].detach().reshape(-1) for k in self.names]).clone()

    def unflatten(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """Views of `flat` (n,) or batched (P, n) as named tensors (shape or (P, *shape))."""
        lead = flat.shape[:-1]
        off = self.offsets
        return {k: flat[..., off[i]:off[i + 1]].reshape(*lead, *self.shapes[i])
                for i, k in enumerate(self.names)}

    def slices(self) -> dict[str, slice]:
        """Where each named parameter lies in the flat vector."""
        off = self.offsets
        return {k: slice(off[i], off[i + 1]) for i, k in enumerate(self.names)}

    def shape_strings(self) -> list[str]:
        """Shapes as "32x2" strings (for NPZ export next to the names)."""
        return ["x".join(str(d) for d in s) or "scalar" for s in self.shapes]
