"""Weight initialization schemes. `scale` multiplies every scheme's standard deviation.

Each scheme draws from the given torch.Generator so a seed reproduces the weights exactly.
fan_in = columns, fan_out = rows of a Linear weight (out × in).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch


def _normal(w, std, gen):
    with torch.no_grad():
        return w.copy_(torch.randn(w.shape, generator=gen) * std)


def _uniform(w, bound, gen):
    with torch.no_grad():
        return w.copy_((torch.rand(w.shape, generator=gen) * 2 - 1) * bound)


def orthogonal(w: torch.Tensor, scale: float, gen: torch.Generator) -> torch.Tensor:
    """A (semi-)orthogonal matrix times scale: Q of the QR of a Gaussian, signs fixed (Saxe 2014)."""
    rows, cols = w.shape
    a = torch.randn(max(rows, cols), min(rows, cols), generator=gen, dtype=torch.float64)
    q, r = torch.linalg.qr(a)
    q = q * torch.sign(torch.diagonal(r))
    q = q if rows >= cols else q.t()
    with torch.no_grad():
        return w.copy_((q * scale).to(w.dtype))


def identity(w: torch.Tensor, scale: float, gen: torch.Generator) -> torch.Tensor:
    """scale · I (truncated for non-square): the IRNN of Le et al. 2015."""
    with torch.no_grad():
        return w.copy_(torch.eye(*w.shape, dtype=w.dtype) * scale)


def _fans(w):
    return w.shape[1], w.shape[0]


SCHEMES: dict[str, Callable[[torch.Tensor, float, torch.Generator], torch.Tensor]] = {
    "zeros": lambda w, s, g: torch.nn.init.zeros_(w),
    "normal": lambda w, s, g: _normal(w, s / math.sqrt(_fans(w)[0]), g),
    # Glorot & Bengio 2010's "standard" heuristic U(−1/√n, 1/√n).
    "uniform": lambda w, s, g: _uniform(w, s / math.sqrt(_fans(w)[0]), g),
    "xavier_normal": lambda w, s, g: _normal(w, s * math.sqrt(2 / sum(_fans(w))), g),
    "xavier_uniform": lambda w, s, g: _uniform(w, s * math.sqrt(6 / sum(_fans(w))), g),
    "he_normal": lambda w, s, g: _normal(w, s * math.sqrt(2 / _fans(w)[0]), g),
    "he_uniform": lambda w, s, g: _uniform(w, s * math.sqrt(6 / _fans(w)[0]), g),
    "lecun_normal": lambda w, s, g: _normal(w, s / math.sqrt(_fans(w)[0]), g),
    "orthogonal": orthogonal,
    "identity": identity,
    # LSUV starts orthogonal; the data-driven rescaling is in core/init/lsuv.py.
    "lsuv": orthogonal,
}

def init_weight(w: torch.Tensor, scheme: str, scale: float, gen: torch.Generator) -> torch.Tensor:
    """Fill a 2-D weight in place with the named scheme."""
    return SCHEMES[scheme](w, scale, gen)


def init_bias(b: torch.Tensor, std: float, gen: torch.Generator) -> torch.Tensor:
    """Biases ~ N(0, std²), or zeros."""
    if std == 0:
        return torch.nn.init.zeros_(b)
    return _normal(b, std, gen)


def set_spectral_radius(w: torch.Tensor, radius: float) -> torch.Tensor:
    """Rescale a square matrix in place so that max|λ| = radius (eigenvalues in float64)."""
    with torch.no_grad():
        w64 = w.detach().to(torch.float64).cpu()
        current = torch.linalg.eigvals(w64).abs().max().item()
        if current == 0:
            return w  # the zero matrix has no direction to scale; radius stays 0
        w.copy_((w64 * (radius / current)).to(w.dtype))
    return w


def spectral_radius(w: torch.Tensor) -> float:
    """max|λ(w)| computed in float64."""
    return torch.linalg.eigvals(w.detach().to(torch.float64).cpu()).abs().max().item()
