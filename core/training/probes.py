"""Per-layer statistics from a captured forward/backward pass, gathered in one device transfer.

Definitions (DESIGN.md): grad_h[l] = ‖∂L/∂h_l‖ (Frobenius over batch × units); saturated = share of
φ's outputs in its flat tails; dead = share of units whose input is ≤ 0 for the whole batch.

Cost matters at both ends. At depth 50 × width 256 one pass over every activation costs about a
tenth of the training step, so the gradient norms and the dead-unit test use the whole batch
while the distribution statistics use the first few examples, about STAT_VALUES values per layer
(between MIN_EXAMPLES and MAX_EXAMPLES examples: 8 at width 256, 32 at width 64; sampling error
about a percent). At depth 10 × width 64 a whole training step lasts under a millisecond and
every eager torch call costs a few µs, so the device side is a dozen calls: the sampled rows are
stacked once as (layers, values), concatenated with the norms into one tensor and moved to the
host in one transfer, and numpy does the rest (core/training/row_stats.py).
"""

from __future__ import annotations

import numpy as np
import torch

from core.models.activations import DEAD, derivative
from core.models.capture import Capture
from core.training.grad_norms import refine_norms
from core.training.row_stats import FPRIME_FROM_VALUES, row_stats

STAT_VALUES = 2048
MIN_EXAMPLES, MAX_EXAMPLES = 4, 32
# Below this many values (batch × units × layers) stacking whole tensors beats slicing each.
SMALL = 200_000


def _rows(ts: list[torch.Tensor], recurrent: bool) -> torch.Tensor:
    """(layers, values): the first few examples of each tensor, flattened."""
    n = stat_examples(ts[0].shape[-1] * (len(ts) if recurrent else 1))
    if recurrent:  # one "layer": every time step's hidden state
        return torch.stack(ts, 1)[:n].reshape(1, -1)
    # Slices are views: only the n examples are copied (stacking whole layers first costs more
    # in memory traffic than the calls it saves).
    return torch.stack([t[:n] for t in ts]).reshape(len(ts), -1)


def stat_examples(values_per_example: int) -> int:
    """How many examples give about STAT_VALUES values per layer."""
    return int(min(MAX_EXAMPLES, max(MIN_EXAMPLES, -(-STAT_VALUES // values_per_example))))


def _fprime_rows(activation: str, P: torch.Tensor, A: torch.Tensor, act_modules) -> torch.Tensor:
    """Mean |φ'(pre-activation)| per row, for the φ whose φ' is not a function of φ."""
    if activation == "prelu":
        slopes = torch.stack([m.weight.detach().reshape(()) for m in act_modules])
        d = torch.where(P > 0, 1.0, slopes.view(-1, 1).expand_as(P))
    else:
        d = derivative(activation, P, A, act_modules[0])
    return d.abs().mean(dim=1)


def fetch(parts: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """Every tensor to the host in one transfer (one sync on a GPU), as numpy arrays with
    their shapes. On the CPU they are views, with no copy at all."""
    if all(t.device.type == "cpu" for t in parts.values()):
        return {name: t.numpy() for name, t in parts.items()}
    return fetch_packed(parts)


def fetch_packed(parts: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """`fetch` for tensors on an accelerator: concatenated as float32, moved in one copy."""
    flat = torch.cat([t.reshape(-1).float() for t in parts.values()]).cpu().numpy()
    out, at = {}, 0
    for name, t in parts.items():
        out[name] = flat[at:at + t.numel()].reshape(t.shape)
        at += t.numel()
    return out


@torch.no_grad()
def layer_stats(cap: Capture, activation: str, act_modules: list, recurrent: bool,
                weights: list[torch.Tensor] | None = None,
                extra: dict[str, torch.Tensor] | None = None,
                more_norms: list[torch.Tensor] | None = None) -> dict[str, np.ndarray]:
    """Per-layer arrays for the StepRecord (recurrent nets: one layer over all time steps).

    The norms of `weights` come back as "weight_norm", those of `more_norms` as "more_norms",
    and `extra` tensors under their names (as float64), all in the same transfer."""
    P, A = _rows(cap.pre, recurrent), _rows(cap.act, recurrent)
    L = P.shape[0]
    weights, more_norms = list(weights or ()), list(more_norms or ())
    grads = [o.grad if o.grad is not None else torch.zeros_like(o) for o in cap.outputs]
    # One norm call for the layers' gradients, the weights and the rest.
    norms = torch.stack(torch._foreach_norm(grads + [w.detach() for w in weights + more_norms]))
    parts = {"norms": norms[:len(grads)], **(extra or {})}
    at = len(grads) + len(weights)
    if weights:
        parts["weight_norm"] = norms[len(grads):at]
    if more_norms:
        parts["more_norms"] = norms[at:]
    dead = activation in DEAD and not recurrent
    if dead:  # units never active in the whole batch, counted per layer
        pre = cap.pre
        parts["dead"] = ((torch.stack(pre) <= 0).all(dim=1).sum(dim=1)
                         if pre[0].numel() * L <= SMALL else
                         torch.stack([(p <= 0).all(dim=0).sum() for p in pre]))
    if activation not in FPRIME_FROM_VALUES:
        parts["fprime_mean"] = _fprime_rows(activation, P, A, act_modules)
    parts["P"], parts["A"] = P, A
    got = fetch(parts)
    out = row_stats(got.pop("P"), got.pop("A"), activation)
    norms = refine_norms(got.pop("norms").astype(np.float64), grads)  # float32 over/underflow
    out["grad_h"] = np.sqrt(np.sum(norms ** 2))[None] if recurrent else norms
    if recurrent:
        out["grad_t"] = norms
    out["dead"] = (got.pop("dead").astype(np.float64) / cap.pre[0].shape[-1] if dead
                   else np.full(L, np.nan))
    out.update({k: v.astype(np.float64) for k, v in got.items()})
    return out


@torch.no_grad()
def gate_means(cap: Capture) -> np.ndarray | None:
    """Mean gate activation per time step (LSTM forget gate, GRU update gate)."""
    if not cap.gates:
        return None
    return torch.stack(cap.gates).mean(dim=(1, 2)).cpu().numpy().astype(np.float64)


@torch.no_grad()
def first_nonfinite(tensors: list[torch.Tensor | None]) -> int | None:
    """Index of the first tensor holding Inf/NaN, or None."""
    flags = torch.stack([torch.isfinite(t).all() if t is not None else torch.tensor(True)
                         for t in tensors]).cpu()
    bad = (~flags).nonzero()
    return int(bad[0]) if len(bad) else None
