"""The recurrent lab's numpy-only helpers: spectra from matrices, gradients through time, clipping.

No torch here, so a GUI process that draws these never pays torch's import (training and its
model live in another process). Conventions as in core/analysis/recurrent.py: `grad_t[k]` is
‖∂L/∂h_(k+1)‖ for k = 0..T−1.
"""

from __future__ import annotations

import numpy as np


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


# ---- the loss of a network without memory ---------------------------------------------------
def no_memory_loss(y_train: np.ndarray, y_test: np.ndarray, classification: bool,
                   n_classes: int = 0) -> tuple[float, float]:
    """(train, test) loss of the best constant prediction fitted on the training targets: what a
    network that ignores its inputs can reach, measured on each split with the trainer's loss.

    Regression (mean squared error over every output): predict the training mean of each
    output. Train: the training targets' variance; test: mean((y_test − mean_train)²), which is
    var(y_test) + (mean_test − mean_train)², so it is not var(y_test).
    Classification (cross-entropy over every position): predict the training class frequencies
    p. Train: their entropy (≤ ln K, equal for balanced classes); test: −mean log p[y_test],
    ∞ when a test class never occurs in training. NaN for an empty split."""
    ytr = np.asarray(y_train)
    yte = np.asarray(y_test)
    if ytr.size == 0:
        return float("nan"), float("nan")
    if classification:
        k = max(int(n_classes), int(ytr.max()) + 1, int(yte.max()) + 1 if yte.size else 0)
        p = np.bincount(ytr.ravel().astype(np.int64), minlength=k) / ytr.size
        with np.errstate(divide="ignore"):
            logp = np.log(p)
        train = float(-np.sum(p[p > 0] * logp[p > 0]))
        test = float(-np.mean(logp[yte.ravel().astype(np.int64)])) if yte.size else float("nan")
        return train, test
    ytr = ytr.astype(np.float64).reshape(len(ytr), -1)
    mean = ytr.mean(axis=0)
    train = float(np.mean((ytr - mean) ** 2))
    if yte.size == 0:
        return train, float("nan")
    yte = yte.astype(np.float64).reshape(len(yte), -1)
    return train, float(np.mean((yte - mean) ** 2))


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
