"""Distribution statistics of sampled activations, one row per layer, in numpy.

The probe moves a few examples of every layer's φ input (P) and output (A) to the host in one
transfer and reduces them here: a numpy reduction of a (layers × 2048) array costs 2–5 µs, the
same torch call on CPU about as much again in dispatch alone, and a training step of a small net
lasts under a millisecond, so the handful of calls below is most of what a probe may cost.

Row sums are matrix-vector products with a vector of ones (BLAS, float32 with wide
accumulators, 2–3× faster than numpy's reductions at this size). Each summand is formed so that
float32 keeps its relative precision: the std from centred values, not E[A²] − E[A]², and
tanh' = (1 − |φ|)(1 + |φ|), σ' = σ(1 − σ) per value, not from the moments, since at saturation
these are 1e-7 differences of numbers near 1.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from core.models.activations import SATURATION
from core.training.record import PERCENTILES

_Q = np.asarray(PERCENTILES) / 100
# Percentiles come from at most PCT_VALUES values of a row: all of an MLP layer's ~2 048 (a
# subsample of 1 024 saves nothing measurable inside a step once its gather is paid, and 512
# misses the 99th percentile of a heavy tail by a std or more), every k-th of a recurrent net's
# n·T·H. k is coprime with the row's length: a stride sharing a factor with the layer width
# would pick the same few units in every example, a bias rather than noise.
PCT_VALUES = 2048
# The φ whose mean |φ'| comes from φ's values here (the others' from the probe's torch side).
FPRIME_FROM_VALUES = frozenset({"tanh", "sigmoid", "linear", "maxout"})


@lru_cache(maxsize=8)
def _ones(n: int) -> np.ndarray:
    return np.ones(n, np.float32)


@lru_cache(maxsize=8)
def pct_positions(n: int) -> np.ndarray | None:
    """The fixed positions (sorted) of the values a row of length n keeps for its percentiles,
    None where it keeps them all."""
    if n <= PCT_VALUES:
        return None
    # i·k mod n for i < PCT_VALUES: distinct (k is coprime with n), and since the width divides
    # n, unit i·k mod width runs through every unit equally often.
    k = -(-n // PCT_VALUES)             # at least n / PCT_VALUES: every example is reached
    while math.gcd(k, n) != 1:
        k += 1
    return np.sort(np.arange(PCT_VALUES) * k % n)


def percentiles(rows: np.ndarray) -> np.ndarray:
    """(rows, len(PERCENTILES)) with linear interpolation between order statistics, like
    numpy's and torch's default quantile, of the values at `pct_positions`."""
    keep = pct_positions(rows.shape[1])
    s = np.sort(rows if keep is None else rows[:, keep], axis=1)
    pos = _Q * (s.shape[1] - 1)
    lo, hi = np.floor(pos).astype(int), np.ceil(pos).astype(int)
    frac = pos - lo
    return (s[:, lo] * (1 - frac) + s[:, hi] * frac).astype(np.float64)


def _row_means(x: np.ndarray) -> np.ndarray:
    return (x @ _ones(x.shape[1])).astype(np.float64) / x.shape[1]


def row_stats(P: np.ndarray, A: np.ndarray, activation: str) -> dict[str, np.ndarray]:
    """act_mean, act_std, saturated, pre_pct, act_pct and (for FPRIME_FROM_VALUES)
    fprime_mean per row, all float64. P and A: float32 (layers, values) of φ's input and output."""
    L = A.shape[0]
    with np.errstate(over="ignore", invalid="ignore"):   # huge but finite values: inf, no noise
        mean = _row_means(A)
        centred = A - mean.astype(np.float32)[:, None]
        out = {"act_mean": mean, "act_std": np.sqrt(_row_means(centred * centred)),
               "saturated": np.full(L, np.nan)}
        if activation in SATURATION:
            # |φ − mid| beyond half the band (tanh: |φ| > 0.97; sigmoid: φ < 0.03 or > 0.97)
            low, high = SATURATION[activation]
            mid, half = (low + high) / 2, (high - low) / 2
            out["saturated"] = _row_means((np.abs(A - np.float32(mid)) > half).astype(np.float32))
        if activation == "tanh":
            a = np.abs(A)
            out["fprime_mean"] = _row_means((1 - a) * (1 + a))
        elif activation == "sigmoid":
            out["fprime_mean"] = _row_means(A * (1 - A))
        elif activation in ("linear", "maxout"):
            out["fprime_mean"] = np.ones(L)              # maxout: the winner passes slope 1
        out["pre_pct"], out["act_pct"] = percentiles(P), percentiles(A)
    return out
