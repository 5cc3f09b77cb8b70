"""The losses, defined once: the trainer's mean loss and the per-example loss the landscape and
Hessian code evaluate for many weight vectors at once."""

from __future__ import annotations

import torch
import torch.nn.functional as F

LOSS_KINDS = ("cross_entropy", "mse")


def mean_loss(out: torch.Tensor, y: torch.Tensor, kind: str) -> torch.Tensor:
    """The trainer's loss (mean cross-entropy over every logit row, or mean squared error)."""
    if kind == "cross_entropy":
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
    return F.mse_loss(out, y)


def per_example_loss(out: torch.Tensor, y: torch.Tensor, kind: str) -> torch.Tensor:
    """Loss of each example: out (..., B, *rest), y (B, *rest') → (..., B).

    Every example has the same number of terms, so the mean over examples equals `mean_loss`."""
    lead = out.shape[: out.ndim - (y.ndim + (1 if kind == "cross_entropy" else 0))]
    B = y.shape[0]
    if kind == "cross_entropy":
        logp = torch.log_softmax(out, dim=-1)
        idx = y.expand(*lead, *y.shape).unsqueeze(-1)
        nll = -torch.gather(logp, -1, idx).squeeze(-1)
        return nll.reshape(*lead, B, -1).mean(-1)
    return (out - y).square().reshape(*lead, B, -1).mean(-1)
