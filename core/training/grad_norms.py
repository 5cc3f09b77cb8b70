"""Gradient norms that stay finite as long as every gradient is.

A float32 norm squares its entries, so it overflows to Inf once an entry passes ~1.8e19, far
below float32's largest value (3.4e38). At a large init.scale the gradients of a deep net reach
1e30 while every one of them is finite: an Inf norm there would end the run as "diverged in the
backward pass" (naming no layer, since no gradient is Inf) and leave gradient clipping, the very
remedy for it, no norm to clip with.
"""

from __future__ import annotations

import math

import torch


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
