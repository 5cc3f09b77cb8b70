"""Per-layer statistics from a captured forward/backward pass, gathered in one device transfer.

Definitions (DESIGN.md): grad_h[l] = ‖∂L/∂h_l‖ (Frobenius over batch × units); saturated = share of
φ's outputs in its flat tails; dead = share of units whose input is ≤ 0 for the whole batch.

Cost matters: at depth 50 × width 256 one pass over every activation costs about as much as a
tenth of the training step. So the gradient norms and the dead-unit test use the whole batch,
while the distribution statistics (mean, std, saturation, mean |φ'|, percentiles) use the first
few examples of the batch, enough for STAT_VALUES values per layer (between MIN_EXAMPLES and
MAX_EXAMPLES examples: 8 at width 256, 32 at width 64; sampling error about a percent), stacked
once as (layers, examples × units) and reduced row-wise in a handful of ops. Where φ' is a
function of φ (tanh, sigmoid), its mean comes from the moments already computed.
"""

from __future__ import annotations

import numpy as np
import torch

from core.models.activations import DEAD, SATURATION, derivative
from core.models.capture import Capture
from core.training.record import PERCENTILES

STAT_VALUES = 2048
MIN_EXAMPLES, MAX_EXAMPLES = 4, 32
# Below this many values (batch × units × layers) stacking whole tensors beats slicing each.
SMALL = 200_000
MAX_SAMPLES = 1024
_Q = np.asarray(PERCENTILES) / 100
STAT_NAMES = ("grad_h", "grad_w", "act_mean", "act_std", "saturated", "dead", "fprime_mean")


def _percentiles(rows: np.ndarray) -> np.ndarray:
    """(rows, len(PERCENTILES)) with linear interpolation, like torch.quantile.

    Sorted in numpy: torch's CPU sort of a (40 × 1024) tensor takes ~1 ms, numpy's ~0.04 ms.
    """
    s = np.sort(rows, axis=1)
    pos = _Q * (s.shape[1] - 1)
    lo, hi = np.floor(pos).astype(int), np.ceil(pos).astype(int)
    frac = pos - lo
    return s[:, lo] * (1 - frac) + s[:, hi] * frac


def _rows(ts: list[torch.Tensor], recurrent: bool) -> torch.Tensor:
    """(layers, values): the first few examples of each tensor, flattened."""
    n = stat_examples(ts[0].shape[-1] * (len(ts) if recurrent else 1))
    if recurrent:  # one "layer": every time step's hidden state
        return torch.stack(ts, 1)[:n].reshape(1, -1)
    if ts[0].numel() * len(ts) <= SMALL:
        return torch.stack(ts)[:, :n].reshape(len(ts), -1)  # 3 ops instead of 2 per layer
    return torch.stack([t[:n].reshape(-1) for t in ts])


def stat_examples(values_per_example: int) -> int:
    """How many examples give about STAT_VALUES values per layer."""
    return int(min(MAX_EXAMPLES, max(MIN_EXAMPLES, -(-STAT_VALUES // values_per_example))))


def _fprime(activation, P, A, mean, second, act_modules) -> torch.Tensor:
    """Mean |φ'(pre-activation)| per row."""
    if activation == "tanh":
        return 1 - second                      # tanh' = 1 − tanh²
    if activation == "sigmoid":
        return mean - second                   # σ' = σ(1 − σ)
    if activation in ("linear", "maxout"):
        return torch.ones_like(mean)           # maxout: the winning piece passes slope 1
    if activation == "prelu":
        slopes = torch.stack([m.weight.detach().reshape(()) for m in act_modules])
        d = torch.where(P > 0, 1.0, slopes.view(-1, 1).expand_as(P))
    else:
        d = derivative(activation, P, A, act_modules[0])
    return d.abs().mean(dim=1)


def _sample_cols(x: torch.Tensor, k: int) -> torch.Tensor:
    idx = torch.linspace(0, x.shape[1] - 1, k, device=x.device).long()
    return x[:, idx]


@torch.no_grad()
def layer_stats(cap: Capture, activation: str, act_modules: list, grad_w: torch.Tensor,
                recurrent: bool) -> dict[str, np.ndarray]:
    """Per-layer arrays for the StepRecord (recurrent nets: one layer over all time steps).

    `grad_w` holds ‖∂L/∂W_l‖ per layer, measured by the caller before any clipping."""
    P, A = _rows(cap.pre, recurrent), _rows(cap.act, recurrent)
    L = P.shape[0]
    nan = torch.full((L,), float("nan"), device=P.device)
    mean = A.mean(dim=1)
    sq = A * A
    second = sq.mean(dim=1)
    std = (second - mean * mean).clamp_min(0).sqrt()
    saturated = nan
    if activation in SATURATION:
        # |φ| beyond a symmetric bound (tanh ±0.97; sigmoid 0.5 ± 0.47) as one compare of
        # squares: a bool OR costs twice the whole reduction on CPU.
        low, high = SATURATION[activation]
        mid, half = (low + high) / 2, (high - low) / 2
        centred_sq = (A - mid) * (A - mid) if mid else sq
        saturated = (centred_sq > half * half).sum(dim=1) / A.shape[1]
    if activation in DEAD and not recurrent:
        dead = torch.stack([(p <= 0).all(dim=0).sum() / p.shape[1] for p in cap.pre])
    else:
        dead = nan
    fprime = _fprime(activation, P, A, mean, second, act_modules)
    grads = [o.grad if o.grad is not None else torch.zeros_like(o) for o in cap.outputs]
    norms = torch.stack(torch._foreach_norm(grads))
    grad_h = norms.square().sum().sqrt()[None] if recurrent else norms
    k = min(MAX_SAMPLES, P.shape[1], A.shape[1])
    samples = torch.cat([_sample_cols(P, k), _sample_cols(A, k)])
    parts = [torch.stack([grad_h, grad_w, mean, std, saturated, dead, fprime]).reshape(-1),
             samples.reshape(-1)]
    if recurrent:
        parts.append(norms)
    packed = torch.cat([p.float() for p in parts]).cpu().numpy().astype(np.float64)
    out = {k: packed[i * L:(i + 1) * L] for i, k in enumerate(STAT_NAMES)}
    n = len(STAT_NAMES) * L
    pct = _percentiles(packed[n:n + 2 * L * k].reshape(2 * L, k))
    out["pre_pct"], out["act_pct"] = pct[:L], pct[L:]
    if recurrent:
        out["grad_t"] = packed[n + 2 * L * k:]
    return out


class UpdateMeter:
    """‖ΔW_l‖/‖W_l‖ of one optimizer step.

    For SGD without weight decay or Nesterov, ΔW = −lr·(gradient) or −lr·(momentum buffer)
    exactly, so only two norms are needed; any other optimizer copies the weights before the
    step (into buffers reused across steps) and measures the difference.
    """

    def __init__(self):
        self._before: list[torch.Tensor] | None = None
        self._norm_before: torch.Tensor | None = None
        self._mode: str | None = None

    @staticmethod
    def shortcut(optimizer) -> str | None:
        """"grad" or "momentum" where ΔW is read off the optimizer, else None."""
        if type(optimizer) is not torch.optim.SGD:
            return None
        g = optimizer.param_groups[0]  # the weights group (core/training/optim.py)
        if g["weight_decay"] or g["nesterov"] or g.get("maximize") or g["dampening"]:
            return None
        return "momentum" if g["momentum"] else "grad"

    @torch.no_grad()
    def snapshot(self, weights: list[torch.Tensor], optimizer=None) -> None:
        self._mode = self.shortcut(optimizer) if optimizer is not None else None
        if self._mode is not None:
            self._norm_before = torch.stack(torch._foreach_norm([w.detach() for w in weights]))
            return
        if self._before is None or len(self._before) != len(weights):
            self._before = [torch.empty_like(w) for w in weights]
        torch._foreach_copy_(self._before, [w.detach() for w in weights])
        self._norm_before = torch.stack(torch._foreach_norm(self._before))

    @torch.no_grad()
    def ratios(self, weights: list[torch.Tensor], optimizer=None,
               applied: torch.Tensor | None = None) -> np.ndarray:
        """`applied`: ‖gradient‖ per weight as the optimizer used it (after clipping), if known."""
        if self._mode == "grad" and applied is not None:
            delta = optimizer.param_groups[0]["lr"] * applied
        elif self._mode is not None:
            lr = optimizer.param_groups[0]["lr"]
            if self._mode == "grad":
                steps = [w.grad for w in weights]
            else:
                steps = [optimizer.state.get(w, {}).get("momentum_buffer") for w in weights]
            steps = [t if t is not None else torch.zeros_like(w) for t, w in zip(steps, weights,
                                                                             strict=True)]
            delta = lr * torch.stack(torch._foreach_norm(steps))
        else:
            torch._foreach_sub_(self._before, [w.detach() for w in weights])
            delta = torch.stack(torch._foreach_norm(self._before))
        return (delta / self._norm_before.clamp_min(1e-30)).cpu().numpy().astype(np.float64)


@torch.no_grad()
def gate_means(cap: Capture) -> np.ndarray | None:
    """Mean gate activation per time step (LSTM forget gate, GRU update gate)."""
    if not cap.gates:
        return None
    return torch.stack(cap.gates).mean(dim=(1, 2)).cpu().numpy().astype(np.float64)


def first_nonfinite(tensors: list[torch.Tensor | None]) -> int | None:
    """Index of the first tensor holding Inf/NaN, or None."""
    flags = torch.stack([torch.isfinite(t).all() if t is not None else torch.tensor(True)
                         for t in tensors]).cpu()
    bad = (~flags).nonzero()
    return int(bad[0]) if len(bad) else None
