"""Activation modules, one registry from name to a torch module factory.

`SATURATION` says how a layer's saturation is measured (DESIGN: |tanh| > 0.97; sigmoid < 0.03
or > 0.97); `DEAD` lists the activations whose unit is dead when its input is ≤ 0 for the whole
batch (its gradient is then zero for every example).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


class Maxout(nn.Module):
    """max over k linear pieces: the preceding Linear produces width·k features."""

    def __init__(self, pieces: int):
        super().__init__()
        self.pieces = pieces

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        return a.unflatten(-1, (-1, self.pieces)).amax(-1)


ACTIVATIONS: dict[str, Callable[[int], nn.Module]] = {
    "sigmoid": lambda k: nn.Sigmoid(),
    "tanh": lambda k: nn.Tanh(),
    "relu": lambda k: nn.ReLU(),
    "leaky_relu": lambda k: nn.LeakyReLU(0.01),
    "prelu": lambda k: nn.PReLU(num_parameters=1, init=0.25),
    "elu": lambda k: nn.ELU(),
    "selu": lambda k: nn.SELU(),
    "gelu": lambda k: nn.GELU(),
    "silu": lambda k: nn.SiLU(),
    "softplus": lambda k: nn.Softplus(),
    "maxout": lambda k: Maxout(k),
    "linear": lambda k: nn.Identity(),
}

# Saturated outputs: (low, high) thresholds on φ's output, or None where φ does not saturate.
SATURATION = {"tanh": (-0.97, 0.97), "sigmoid": (0.03, 0.97)}
DEAD = frozenset({"relu"})


def make_activation(name: str, pieces: int = 2) -> nn.Module:
    """A fresh activation module (PReLU has its own parameter per layer)."""
    return ACTIVATIONS[name](pieces)


def derivative(name: str, pre: torch.Tensor, act: torch.Tensor, module: nn.Module) -> torch.Tensor:
    """φ'(pre), from the pre-activation and φ's output, without another autograd pass."""
    one = torch.ones_like(pre)
    if name == "sigmoid":
        return act * (1 - act)
    if name == "tanh":
        return 1 - act * act
    if name == "relu":
        return (pre > 0).to(pre.dtype)
    if name in ("leaky_relu", "prelu"):
        slope = module.negative_slope if name == "leaky_relu" else module.weight.detach()
        return torch.where(pre > 0, one, slope * one)
    if name == "elu":
        return torch.where(pre > 0, one, act + 1)
    if name == "selu":
        lam, alpha = 1.0507009873554805, 1.6732632423543772
        return torch.where(pre > 0, lam * one, act + lam * alpha)
    if name == "gelu":
        cdf = 0.5 * (1 + torch.erf(pre / 2**0.5))
        return cdf + pre * torch.exp(-0.5 * pre * pre) / (2 * torch.pi) ** 0.5
    if name == "silu":
        s = torch.sigmoid(pre)
        return s * (1 + pre * (1 - s))
    if name == "softplus":
        return torch.sigmoid(pre)
    return one  # linear, and maxout (the gradient flows to the winning piece with slope 1)
