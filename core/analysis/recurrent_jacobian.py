"""Step Jacobians of a recurrent net, ∂s_t/∂s_(t−1), at the states a batch actually visits.

Backpropagation through time multiplies the gradient by one of these per step:
∂L/∂s_(t−1) = J_tᵀ ∂L/∂s_t (plus the loss's direct term at the steps it reads), so their norms
say, step by step, whether the gradient shrinks or grows. Unlike the spectrum of W_hh they include
the activation's derivative: a tanh RNN with ρ(W_hh) = 1 still has ‖J_t‖ < 1 wherever its units
leave the linear part of tanh, so its gradient still vanishes.

The state s_t is what the next step depends on:
- vanilla RNN: h_t, J_t = diag(φ'(a_t)) W_hh (closed form, a_t the pre-activation of step t);
- GRU: h_t, J_t by automatic differentiation of one step;
- LSTM: (h_t, c_t) stacked (2H), J_t by automatic differentiation. The memory path is the block
  ∂c_t/∂c_(t−1) = diag(f_t) (+ terms through h): an open forget gate keeps it near the identity.

Times follow `StepRecord.grad_t`: h_1 … h_T are the states after steps 1 … T (h_0 = 0 is the fixed
initial state), so there are T − 1 Jacobians, entry k being ∂s_(k+2)/∂s_(k+1) (0-based k).

Norms (`norm=`):
- "rms" (default) = ‖J‖_F / √n, the root mean square of J's singular values: the factor by which a
  random direction's length changes on average (E‖Jᵀv‖² = ‖J‖_F²/n ‖v‖² for isotropic v), the
  recurrent analogue of the mean-field √χ. For orthogonal W_hh it is exactly ρ·rms(φ').
- "spectral" = ‖J‖_2, the largest singular value: the most any direction can grow in one step.
  It bounds the gradient from above but says little about typical directions (a tanh RNN with
  orthogonal W at ρ = 1 has ‖J‖_2 ≈ max φ' ≈ 1 while its gradients vanish).
Each is computed per example and averaged over the batch.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from core.models.capture import Capture

NORMS = ("rms", "spectral")
DEFAULT_MAX_BATCH = 16
_CHUNK_FLOATS = 4_000_000   # Jacobian entries held at once (16 MB in float32)


def state_size(model) -> int:
    """Length n of the state s_t the Jacobians act on (2H for an LSTM, H otherwise)."""
    h = model.cell.hidden
    return 2 * h if model.kind == "lstm" else h


@torch.no_grad()
def _forward_states(model, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """States s_1..s_T (B, T, n) and pre-activations (B, T, H) from one no-grad forward pass."""
    cap = Capture(track_grad=False)
    model(x, cap)
    h = torch.stack(cap.outputs, dim=1)
    pre = torch.stack(cap.pre, dim=1)     # LSTM: the cell state c_t (see RecurrentNet._step)
    states = torch.cat([h, pre], dim=2) if model.kind == "lstm" else h
    return states, pre


def _step_function(model):
    """s_(t−1), x_t ↦ s_t for one unbatched example, from the model's own cell equations."""
    c = model.cell
    hidden = c.hidden
    w_ih, b_ih = c.weight_ih.detach(), c.bias_ih.detach()
    w_hh, b_hh = c.weight_hh.detach(), c.bias_hh.detach()
    lstm = model.kind == "lstm"

    def step(s: torch.Tensor, x_t: torch.Tensor) -> torch.Tensor:
        h = s[None, :hidden]
        mem = s[None, hidden:] if lstm else torch.zeros_like(h)
        xi = F.linear(x_t[None], w_ih, b_ih)
        hh = F.linear(h, w_hh, b_hh)
        h2, mem2, _, _ = model._step(xi, hh, h, mem)
        return (torch.cat([h2, mem2], dim=1) if lstm else h2)[0]

    return step


def _closed_form_factors(model, pre: torch.Tensor) -> torch.Tensor:
    """φ'(a_t) for t = 2..T of a vanilla RNN: J_t = diag(φ'(a_t)) W_hh."""
    a = pre[:, 1:]
    if model.activation == "tanh":
        return 1 - torch.tanh(a).square()
    if model.activation == "relu":
        return (a > 0).to(a.dtype)
    return torch.ones_like(a)


def _batch(x: torch.Tensor, max_batch: int | None) -> torch.Tensor:
    if x.ndim != 3:
        raise ValueError(f"x_batch must be (batch, T, inputs), got shape {tuple(x.shape)}")
    if x.shape[1] < 2:
        raise ValueError("step Jacobians need at least 2 time steps")
    return x if max_batch is None else x[:max_batch]


def _iter_jacobians(model, x: torch.Tensor, method: str):
    """Yield (rows, J) chunks: J (N, n, n) for the flattened (example, step) pairs in `rows`."""
    states, pre = _forward_states(model, x)
    B, T, n = states.shape
    if method == "closed":
        w = model.cell.weight_hh.detach()
        d = _closed_form_factors(model, pre).reshape(B * (T - 1), n)
        per = max(1, _CHUNK_FLOATS // (n * n))
        for i in range(0, len(d), per):
            yield slice(i, i + per), d[i:i + per, :, None] * w
        return
    s_prev = states[:, :-1].reshape(B * (T - 1), n)
    x_next = x[:, 1:].reshape(B * (T - 1), -1)
    jac = torch.func.vmap(torch.func.jacrev(_step_function(model)))
    per = max(1, _CHUNK_FLOATS // (n * n))
    for i in range(0, len(s_prev), per):
        yield slice(i, i + per), jac(s_prev[i:i + per], x_next[i:i + per])


def _method(model, method: str) -> str:
    if method not in ("auto", "closed", "autograd"):
        raise ValueError(f"method must be 'auto', 'closed' or 'autograd', got {method!r}")
    if method == "closed" and model.kind != "rnn":
        raise ValueError(f"the closed form exists for the vanilla RNN only, not {model.kind!r}")
    if method == "auto":
        return "closed" if model.kind == "rnn" else "autograd"
    return method


def step_jacobians(model, x_batch: torch.Tensor, method: str = "auto") -> torch.Tensor:
    """All step Jacobians J (B, T−1, n, n) for a small batch (memory B·T·n² floats).

    `method`: "closed" (vanilla RNN only), "autograd", or "auto" (closed where it exists)."""
    x = _batch(x_batch, None)
    method = _method(model, method)
    B, T = x.shape[:2]
    n = state_size(model)
    out = x.new_empty(B * (T - 1), n, n)
    for rows, j in _iter_jacobians(model, x, method):
        out[rows] = j
    return out.view(B, T - 1, n, n)


@torch.no_grad()
def step_jacobian_norms(model, x_batch: torch.Tensor, norm: str = "rms",
                        max_batch: int | None = DEFAULT_MAX_BATCH,
                        method: str = "auto") -> np.ndarray:
    """Norm of ∂s_t/∂s_(t−1) for t = 2..T, averaged over the batch: float64 array (T−1,).

    norm: "rms" = ‖J‖_F/√n (typical per-step gain) or "spectral" = ‖J‖_2 (largest gain).
    max_batch: use only the first this-many examples (None = all); 16 keeps a T = 500 LSTM
    under a second on one CPU core. The model is left unchanged."""
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {list(NORMS)}, got {norm!r}")
    x = _batch(x_batch, max_batch)
    method = _method(model, method)
    B, T = x.shape[:2]
    n = state_size(model)
    vals = x.new_empty(B * (T - 1), dtype=torch.float64)
    if method == "closed" and norm == "rms":
        # ‖diag(d) W‖_F² = Σ_i d_i² ‖W_i,:‖²: no n×n matrix is ever formed.
        _, pre = _forward_states(model, x)
        d = _closed_form_factors(model, pre).to(torch.float64)
        row_sq = model.cell.weight_hh.detach().to(torch.float64).square().sum(1)
        vals = (d.square() @ row_sq / n).sqrt().reshape(-1)
    else:
        for rows, j in _iter_jacobians(model, x, method):
            j = j.to(torch.float64)
            vals[rows] = (torch.linalg.matrix_norm(j, ord=2) if norm == "spectral"
                          else torch.linalg.matrix_norm(j) / math.sqrt(n))
    return vals.view(B, T - 1).mean(0).cpu().numpy()
