"""Gradient norms that stay finite as long as every gradient is.

A float32 norm squares its entries, so it overflows to Inf once an entry passes ~1.8e19, far
below float32's largest value (3.4e38). At a large init.scale the gradients of a deep net reach
1e30 while every one of them is finite: an Inf norm there would end the run as "diverged in the
backward pass" (naming no layer, since no gradient is Inf) and leave gradient clipping, the very
remedy for it, no norm to clip with.
"""

from __future__ import annotations

import math

import numpy as np
import torch

# A float32 norm squares its entries: those below ~1e-19 square to less than float32's smallest
# normal number (1.2e-38), lose their digits and then flush to zero. A vanishing gradient lives
# there (a 20-layer sigmoid net's first layer: 1e-18), so norms below this are measured again.
TINY_NORM = 1e-15


@torch.no_grad()
def wide_norms(grads: list[torch.Tensor], device: torch.device) -> tuple[torch.Tensor, float]:
    """Per-tensor norms and the global norm, measured in float64 on the host.

    Called only when the float32 global norm came out non-finite (rare, so the copy to the host
    costs nothing in a normal run). The global norm is Inf or NaN when a gradient really is.
    The per-tensor norms come back on `device` (float32 off the CPU: MPS has no float64), for
    the probes that read them with the other statistics."""
    if not grads:
        return torch.zeros(0, device=device), 0.0
    wide = torch.stack(torch._foreach_norm([g.detach().to("cpu", torch.float64) for g in grads]))
    total = float(torch.linalg.vector_norm(wide))
    if not math.isfinite(total):
        return wide, total
    return (wide if device.type == "cpu" else wide.to(device, torch.float32)), total


@torch.no_grad()
def refine_norms(norms: np.ndarray, tensors: list[torch.Tensor]) -> np.ndarray:
    """`norms` (float64, one per tensor, from a float32 norm call) with each entry that is not
    finite or below TINY_NORM measured again in float64 on the host: the overflowed ones
    (squares past ~1.8e19) and the underflowed ones (a first layer read 0.0 where the float64
    norm is 1.4e-18). Rare outside a vanishing or exploding net, where it is the number the
    lesson is about."""
    for i in np.flatnonzero(~np.isfinite(norms) | (norms < TINY_NORM)):
        norms[i] = float(torch.linalg.vector_norm(tensors[i].detach().to("cpu", torch.float64)))
    return norms


@torch.no_grad()
def clip_to_norm(grads: list[torch.Tensor], clip: float, grad_norm: float) -> None:
    """Scale the gradients in place by clip / grad_norm (torch's clip_grads_with_norm_ formula).

    The factor is formed in Python's float64: passed to torch as a float32 tensor, a finite
    norm past 3.4e38 would become Inf and the factor 0, zeroing the gradient it should scale.
    A factor below float32's smallest normal number (1.2e-38) would be flushed to 0 as well,
    so it is applied as two square roots."""
    if not grads:
        return
    factor = min(1.0, clip / (grad_norm + 1e-6))
    for f in [factor] if factor > 1e-30 else [math.sqrt(factor)] * 2:
        torch._foreach_mul_(grads, f)
