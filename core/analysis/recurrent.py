"""The recurrent lab's measurements: spectra of W_hh, gradients through time, gates, clipping.

Every function is cheap enough to call from a live GUI (milliseconds for the default sizes;
the costly ones say so) and returns plain numpy arrays or JSON-ready dicts. None changes the
model, but they read its live parameters: call them between two training steps, or on a copy
(`copy.deepcopy(trainer.model)`) when another thread is training.

For LSTM and GRU, W_hh stacks one (H × H) block per gate in torch's order (LSTM i, f, g, o;
GRU r, z, n). The block reported by default is the one feeding the cell's tanh candidate
(LSTM g, GRU n), whose eigenvalues govern the memory path like a vanilla RNN's; the
initialization gives every block the configured spectral radius on its own.

Conventions: h_t = φ(W_hh h_(t−1) + W_ih x_t + b), so the theory's h_t = Wᵀ h_(t−1) has
W = W_hhᵀ (same eigenvalues and singular values). `grad_t[k]` is ‖∂L/∂h_(k+1)‖ for k = 0..T−1.
"""

from __future__ import annotations

import numpy as np
import torch

BLOCK = {"rnn": 0, "lstm": 2, "gru": 2}
GATE_NAMES = {"rnn": ("h",), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
# The gate the model captures per step (Capture.gates): the one that keeps memory when near 1.
MEMORY_GATE = {"lstm": "forget gate f_t (1 = keep c_(t−1))",
               "gru": "update gate z_t (1 = keep h_(t−1))"}


# ---- spectrum of W_hh ------------------------------------------------------------------------
def _block_index(model, block: str | None) -> int:
    if block is None:
        return BLOCK[model.kind]
    names = GATE_NAMES[model.kind]
    if block not in names:
        raise ValueError(f"{model.kind} has W_hh blocks {list(names)}, not {block!r}")
    return names.index(block)


def recurrent_matrix(model, block: str | None = None) -> np.ndarray:
    """One (H × H) block of W_hh as float64 numpy (default: the candidate block, see BLOCK)."""
    h = model.cell.hidden
    i = _block_index(model, block)
    return model.cell.weight_hh.detach()[i * h:(i + 1) * h].to(torch.float64).cpu().numpy()


def matrix_spectrum(w: np.ndarray) -> dict:
    """spectral_radius, eigenvalues {real, imag} and singular values (descending) of a square
    matrix, JSON-ready. The largest singular value is ‖W‖_2 ≥ ρ(W): equal only for normal W."""
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise ValueError(f"need a square matrix, got shape {w.shape}")
    ev = np.linalg.eigvals(w)
    sv = np.linalg.svd(w, compute_uv=False)
    return {"spectral_radius": float(np.abs(ev).max()) if len(ev) else 0.0,
            "eigenvalues": {"real": ev.real.tolist(), "imag": ev.imag.tolist()},
            "singular_values": sv.tolist()}


def spectrum(model, block: str | None = None) -> dict:
    """matrix_spectrum of a W_hh block (default: the candidate block). O(H³): ~5 ms at H = 128."""
    return matrix_spectrum(recurrent_matrix(model, block))


def rescale_spectrum(spec: dict, radius: float) -> dict:
    """The spectrum of W·(radius/ρ(W)), from W's spectrum without any linear algebra.

    Eigenvalues and singular values scale linearly, and `init.spectral_radius` only rescales the
    scheme's matrix, so a slider can move ρ instantly: compute `initial_spectrum` once, then call
    this on every slider move."""
    rho = spec["spectral_radius"]
    k = 0.0 if rho == 0 else radius / rho
    ev = spec["eigenvalues"]
    return {"spectral_radius": rho * k,
            "eigenvalues": {"real": [v * k for v in ev["real"]],
                            "imag": [v * k for v in ev["imag"]]},
            "singular_values": [v * k for v in spec["singular_values"]]}


def initial_recurrent_matrix(cfg, block: str | None = None) -> np.ndarray:
    """The W_hh block a Trainer built from `cfg` starts with, without building data or a trainer.

    Same generator, same order of draws as Trainer → initialize, so it is the same matrix."""
    from core.config import RECURRENT_KINDS
    from core.data.sequences import COPY_ALPHABET
    from core.init.apply import initialize
    from core.models.recurrent import RecurrentNet

    m = cfg.model
    if m.kind not in RECURRENT_KINDS:
        raise ValueError(f"model.kind {m.kind!r} has no recurrent matrix")
    in_dim = 2 if cfg.data.name == "adding" else COPY_ALPHABET + 2
    model = RecurrentNet(m.kind, in_dim, 1, m.width, m.activation, 1)
    initialize(model, cfg.init, torch.Generator().manual_seed(cfg.seed))
    return recurrent_matrix(model, block)


def initial_spectrum(cfg, block: str | None = None) -> dict:
    """matrix_spectrum of `initial_recurrent_matrix(cfg)`: the eigenvalue plot before training.
    About 10 ms at H = 64, 1 s at H = 1024 (an LSTM initialises four blocks)."""
    return matrix_spectrum(initial_recurrent_matrix(cfg, block))


# ---- gradients through time -----------------------------------------------------------------
def linear_prediction(grad_t: np.ndarray, rho: float, loss_steps: int = 1) -> np.ndarray:
    """ρ^(a − t) · grad_t[a] for t ≤ a, anchored at a = T − loss_steps (the first step the loss
    reads; later steps get NaN). Exact for a linear RNN with W_hh = ρ·orthogonal; for other
    nets the gap between this line and grad_t is the lesson (φ', non-normal W, gates)."""
    g = np.asarray(grad_t, dtype=np.float64)
    a = len(g) - max(int(loss_steps), 1)
    out = np.full(len(g), np.nan)
    if a < 0:
        return out
    with np.errstate(over="ignore", under="ignore"):
        out[:a + 1] = g[a] * float(rho) ** (a - np.arange(a + 1))
    return out


def per_step_factors(grad_t: np.ndarray) -> np.ndarray:
    """grad_t[k−1] / grad_t[k] for k = 1..T−1: the gradient's measured change per step back
    (NaN where a norm is 0 or not finite)."""
    g = np.asarray(grad_t, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = g[:-1] / g[1:]
    r[~np.isfinite(r)] = np.nan
    return r


def decay_rate(grad_t: np.ndarray, first: int = 0, last: int | None = None) -> float:
    """Geometric-mean per-step factor of grad_t between indices first < last (default: the
    whole sequence): (grad_t[first]/grad_t[last])^(1/(last − first)). Compare with ρ."""
    g = np.asarray(grad_t, dtype=np.float64)
    last = len(g) - 1 if last is None else last
    if not 0 <= first < last < len(g):
        raise ValueError(f"need 0 <= first < last < {len(g)}, got {first}, {last}")
    a, b = g[first], g[last]
    if not (a > 0 and b > 0 and np.isfinite(a) and np.isfinite(b)):
        return float("nan")
    return float(np.exp((np.log(a) - np.log(b)) / (last - first)))


def log10_clean(a: np.ndarray, floor: float = 1e-30, ceil: float = 1e30) -> np.ndarray:
    """log10 of a magnitude array for plots and heatmaps: 0 → log10(floor), ±Inf/NaN → NaN."""
    a = np.asarray(a, dtype=np.float64)
    out = np.log10(np.clip(a, floor, ceil))
    out[~np.isfinite(a)] = np.nan
    return out


def grad_t_heatmap(history) -> tuple[np.ndarray, np.ndarray]:
    """(steps (P,), log10 ‖∂L/∂h_t‖ (P, T)) over the probed training steps of a History:
    the time × training-step heatmap."""
    return history.probe_steps("grad_t"), log10_clean(history.layer_matrix("grad_t"))


# ---- gradient clipping ---------------------------------------------------------------------
def clipped_curve(history) -> np.ndarray:
    """Cumulative count of clipped steps after each step (int64, one entry per record)."""
    return np.cumsum(np.asarray(_column(history, "clipped")) > 0).astype(np.int64)


def clipped_steps(history) -> int:
    """How many steps so far had their gradient clipped (StepRecord.clipped)."""
    c = clipped_curve(history)
    return int(c[-1]) if len(c) else 0


def _column(history, name: str) -> np.ndarray:
    if hasattr(history, "column"):
        return history.column(name)
    return np.array([float(getattr(r, name)) for r in history], dtype=np.float64)


# ---- gates over time -------------------------------------------------------------------------
@torch.no_grad()
def _gates(model, x_batch: torch.Tensor) -> torch.Tensor | None:
    """(T, B, H) memory gate of one no-grad forward pass (the net has no train/eval-dependent
    layers, so the model's mode is left alone: safe beside a training thread's flags)."""
    from core.models.capture import Capture

    if model.kind not in MEMORY_GATE:
        return None
    cap = Capture(track_grad=False)
    model(x_batch, cap)
    return torch.stack(cap.gates).to(torch.float64)


def gate_activity(model, x_batch: torch.Tensor) -> np.ndarray | None:
    """Memory gate per step and unit, averaged over the batch: (T, H) float64, None for a vanilla
    RNN. LSTM: forget gate f_t; GRU: update gate z_t (see MEMORY_GATE). One forward pass."""
    g = _gates(model, x_batch)
    return None if g is None else g.mean(1).cpu().numpy()


def gate_percentiles(model, x_batch: torch.Tensor,
                     q: tuple[float, ...] = (10.0, 25.0, 50.0, 75.0, 90.0)) -> np.ndarray | None:
    """Percentiles q of the memory gate over batch × units at every step: (T, len(q)), or None.
    Together with the per-step mean (StepRecord.gate_t) it shows how many units are open."""
    g = _gates(model, x_batch)
    if g is None:
        return None
    return np.percentile(g.flatten(1).cpu().numpy(), q, axis=1).T
