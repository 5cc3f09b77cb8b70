"""Make arrays safe for pyqtgraph: no ±Inf, nothing beyond ±1e30, nothing subnormal on log axes.

PITFALLS: pyqtgraph survives NaN but Inf and subnormal ranges can crash or stall it.
"""

from __future__ import annotations

import numpy as np

from desktop_app.plots.numfmt import num

BIG = 1e30
TINY = 1e-30


def finite(a) -> np.ndarray:
    """float64 copy with ±Inf → NaN and values clamped to ±1e30."""
    a = np.array(a, dtype=np.float64)
    a[~np.isfinite(a)] = np.nan
    np.clip(a, -BIG, BIG, out=a)
    return a


def positive(a) -> np.ndarray:
    """For log axes: like `finite`, and values ≤ 0 → NaN, tiny ones raised to 1e-30."""
    a = finite(a)
    with np.errstate(invalid="ignore"):
        a[a <= 0] = np.nan
        np.clip(a, TINY, BIG, out=a)
    return a


def log10_safe(a) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log10(positive(a))


def span(values, log: bool = False, pad: float = 0.05, min_span: float | None = None):
    """(lo, hi) of the finite values, padded; in log10 units when `log`. None if none."""
    v = np.asarray(values, dtype=np.float64).ravel()
    if log:
        v = log10_safe(v)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return None
    lo, hi = float(v.min()), float(v.max())
    width = hi - lo
    need = min_span if min_span is not None else (1.0 if log else max(abs(hi) * 0.1, 1e-12))
    if width < need:
        mid = 0.5 * (lo + hi)
        lo, hi, width = mid - need / 2, mid + need / 2, need
    return lo - pad * width, hi + pad * width


def fmt(x: float, digits: int = 3) -> str:
    """`digits` significant digits for a caption: plain decimals from 0.001 to 9999, else
    "1.23 × 10⁻⁵" (never "1.23e-05"); "—" when not finite. See numfmt.num."""
    return num(x, digits)


def finite_xy(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Only the points where both coordinates are finite (NaN points make pyqtgraph warn)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep]
