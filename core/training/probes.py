"""Per-layer statistics from a captured forward/backward pass, gathered in one device transfer.

Definitions (DESIGN.md): grad_h[l] = ‖∂L/∂h_l‖ (Frobenius over batch × units); saturated = share of
φ's outputs in its flat tails; dead = share of units whose input is ≤ 0 for the whole batch.
Percentiles use at most MAX_SAMPLES evenly spaced entries per layer: exact enough to draw
percentile bands, and the sort stays cheap at depth 100 (torch.quantile itself is ~3× slower
than sorting once and interpolating).
"""

from __future__ import annotations

import numpy as np
import torch

from core.models.activations import DEAD, SATURATION, derivative
from core.models.capture import Capture
from core.training.record import PERCENTILES

MAX_SAMPLES = 1024
_Q = torch.tensor(PERCENTILES) / 100


def _flat(ts: list[torch.Tensor]) -> torch.Tensor:
    return torch.stack([t.reshape(-1) for t in ts])


def _percentiles(x: torch.Tensor) -> torch.Tensor:
    """(rows, len(PERCENTILES)) with torch.quantile's linear interpolation."""
    s = _subsample(x).sort(dim=1).values
    pos = _Q.to(s.device, s.dtype) * (s.shape[1] - 1)
    lo = pos.floor().long()
    hi = pos.ceil().long()
    frac = pos - lo
    return s[:, lo] * (1 - frac) + s[:, hi] * frac


def _subsample(x: torch.Tensor) -> torch.Tensor:
    n = x.shape[1]
    if n <= MAX_SAMPLES:
        return x
    idx = torch.linspace(0, n - 1, MAX_SAMPLES, device=x.device).long()
    return x[:, idx]


@torch.no_grad()
def layer_stats(cap: Capture, activation: str, act_modules: list, weights: list[torch.Tensor],
                recurrent: bool) -> dict[str, np.ndarray]:
    """Per-layer arrays for the StepRecord (recurrent nets: one layer over all time steps)."""
    pre, act = cap.pre, cap.act
    if recurrent:
        pre, act, act_modules = [torch.cat([p.reshape(-1) for p in pre])], \
            [torch.cat([a.reshape(-1) for a in act])], [None]
    P, A = _flat(pre), _flat(act)
    L = P.shape[0]
    nan = torch.full((L,), float("nan"), device=P.device)
    sat = SATURATION.get(activation)
    saturated = ((sat[0] > A) | (sat[1] < A)).float().mean(1) if sat else nan
    dead = (torch.stack([(p <= 0).all(dim=0).float().mean() for p in cap.pre])
            if activation in DEAD and not recurrent else nan)
    if activation == "maxout":
        fprime = torch.ones_like(nan)  # the gradient reaches the winning piece with slope 1
    else:
        fprime = torch.stack([derivative(activation, p, a, m).abs().mean()
                              for p, a, m in zip(P, A, act_modules, strict=True)])
    zero = P.new_zeros(())
    norms = torch.stack([o.grad.norm() if o.grad is not None else zero for o in cap.outputs])
    grad_h = norms.square().sum().sqrt()[None] if recurrent else norms
    grad_w = torch.stack([w.grad.norm() if w.grad is not None else zero for w in weights])
    pct_pre, pct_act = _percentiles(P), _percentiles(A)
    rows = torch.stack([grad_h, grad_w, A.mean(1), A.std(1), saturated, dead, fprime])
    parts = [rows.reshape(-1), pct_pre.reshape(-1), pct_act.reshape(-1)]
    if recurrent:
        parts.append(norms)
    packed = torch.cat(parts).cpu().numpy().astype(np.float64)
    names = ["grad_h", "grad_w", "act_mean", "act_std", "saturated", "dead", "fprime_mean"]
    out = {k: packed[i * L:(i + 1) * L] for i, k in enumerate(names)}
    n, k = len(names) * L, L * len(PERCENTILES)
    out["pre_pct"] = packed[n:n + k].reshape(L, -1)
    out["act_pct"] = packed[n + k:n + 2 * k].reshape(L, -1)
    if recurrent:
        out["grad_t"] = packed[n + 2 * k:]
    return out


@torch.no_grad()
def gate_means(cap: Capture) -> np.ndarray | None:
    """Mean gate activation per time step (LSTM forget gate, GRU update gate)."""
    if not cap.gates:
        return None
    return torch.stack([g.mean() for g in cap.gates]).cpu().numpy().astype(np.float64)


def first_nonfinite(tensors: list[torch.Tensor | None]) -> int | None:
    """Index of the first tensor holding Inf/NaN, or None."""
    flags = torch.stack([torch.isfinite(t).all() if t is not None else torch.tensor(True)
                         for t in tensors]).cpu()
    bad = (~flags).nonzero()
    return int(bad[0]) if len(bad) else None
