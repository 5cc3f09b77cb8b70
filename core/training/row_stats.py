"""Distribution statistics of sampled activations, one row per layer, in numpy.

The probe moves a few examples of every layer's φ input (P) and output (A) to the host in one
transfer and reduces them here: a numpy reduction of a (layers × 2048) array costs 2–5 µs, the
same torch call on CPU about as much again in dispatch alone, and a training step of a small net
lasts under a millisecond, so the handful of calls below is most of what a probe may cost.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from core.models.activations import SATURATION
from core.training.record import PERCENTILES

# Percentiles come from PCT_VALUES values of each row, every few units over all its examples:
# enough for the 1st and 99th percentile, and numpy sorts 2 × 10 rows of 512 in ~6 µs (of 1024
# in ~22 µs).
PCT_VALUES = 512
_Q = np.asarray(PERCENTILES) / 100
# Where φ' is a function of φ, its mean follows from the first two moments of A.
FPRIME_FROM_MOMENTS = frozenset({"tanh", "sigmoid", "linear", "maxout"})


@lru_cache(maxsize=8)
def _ones(n: int) -> np.ndarray:
    return np.ones(n, np.float32)


def percentiles(rows: np.ndarray) -> np.ndarray:
    """(rows, len(PERCENTILES)) with linear interpolation between order statistics, like
    numpy's and torch's default quantile."""
    s = np.sort(rows, axis=1)
    pos = _Q * (s.shape[1] - 1)
    lo, hi = np.floor(pos).astype(int), np.ceil(pos).astype(int)
    frac = pos - lo
    return s[:, lo] * (1 - frac) + s[:, hi] * frac


def row_stats(P: np.ndarray, A: np.ndarray, activation: str) -> dict[str, np.ndarray]:
    """act_mean, act_std, saturated, percentiles and (where it follows from the moments)
    fprime_mean per row, all float64. P and A: float32 (layers, values) of φ's input and output.

    Row sums are matrix-vector products with a vector of ones: BLAS does them in float32 with
    wide accumulators, 2–3× faster than numpy's reductions at this size."""
    L, V = A.shape
    ones = _ones(V)
    mean = (A @ ones).astype(np.float64) / V
    sq = A * A
    second = (sq @ ones).astype(np.float64) / V
    out = {"act_mean": mean, "act_std": np.sqrt(np.maximum(second - mean * mean, 0.0)),
           "saturated": np.full(L, np.nan)}
    if activation in SATURATION:
        # |φ − mid| beyond half the band (tanh: |φ| > 0.97; sigmoid: φ < 0.03 or > 0.97)
        low, high = SATURATION[activation]
        mid, half = (low + high) / 2, (high - low) / 2
        centred_sq = np.square(A - np.float32(mid)) if mid else sq
        out["saturated"] = ((centred_sq > half * half).astype(np.float32) @ ones
                            ).astype(np.float64) / V
    if activation == "tanh":
        out["fprime_mean"] = 1 - second                  # tanh' = 1 − tanh²
    elif activation == "sigmoid":
        out["fprime_mean"] = mean - second               # σ' = σ(1 − σ)
    elif activation in ("linear", "maxout"):
        out["fprime_mean"] = np.ones(L)                  # maxout: the winner passes slope 1
    # One sort for both (maxout's P is wider than A: each keeps PCT_VALUES values).
    p, a = (r[:, ::max(1, r.shape[1] // PCT_VALUES)][:, :PCT_VALUES] for r in (P, A))
    pct = percentiles(np.concatenate([p, a]) if p.shape == a.shape else p)
    out["pre_pct"] = pct[:L].astype(np.float64)
    out["act_pct"] = (pct[L:] if p.shape == a.shape else percentiles(a)).astype(np.float64)
    return out
