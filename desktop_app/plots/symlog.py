"""A signed logarithmic y axis for values that span many decades on both sides of 0.

Exploding activations grow ×3.5 per layer: a linear axis up to 10¹⁶ shows every layer but the
last few as 0. The plotted value is t = sign(y)·log10(1 + |y|/c) (c: the unit, the typical size
of the smallest layer's values), linear within ±c and logarithmic beyond; ticks sit at ±10ᵏ.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from desktop_app.plots.numfmt import PLAIN, sci, sup


def to_symlog(y, c: float) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    return np.sign(y) * np.log10(1.0 + np.abs(y) / c)


class SymLogAxis(pg.AxisItem):
    """An ordinary axis until `set_scale(c)`; then ticks at ±10ᵏ in to_symlog units."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.unit: float | None = None   # not "scale": AxisItem uses that for SI prefixes

    def set_scale(self, c: float | None) -> None:
        if c != self.unit:
            self.unit = c
            self.picture = None
            self.update()

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph's names)
        top = max(abs(minVal), abs(maxVal))
        if self.unit is None or not math.isfinite(top) or top > 300:
            # off, or a range left from before the switch (raw values up to 1e16: 10**top
            # would overflow): plain ticks until the panel re-ranges
            return super().tickValues(minVal, maxVal, size)
        c = self.unit
        k_max = math.floor(math.log10(max(c * (10 ** top - 1), c)))
        k_min = math.floor(math.log10(c))
        ks = range(k_min, k_max + 1)
        every = max(1, math.ceil(len(ks) / max(2, size / 40)))   # ~40 px per label
        major = [0.0]
        for k in ks[::-1][::every]:
            t = float(to_symlog(10.0 ** k, c))
            major += [t, -t]
        return [(1.0, sorted(v for v in major if minVal <= v <= maxVal))]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        if self.unit is None or any(not math.isfinite(t) or abs(t) > 300 for t in values):
            return linear_tick_strings(values, scale, spacing)
        out = []
        for t in values:
            if abs(t) < 1e-12:
                out.append("0")
                continue
            y = self.unit * (10 ** abs(t) - 1)
            k = round(math.log10(y))
            out.append(("−" if t < 0 else "") + "10" + sup(k))
        return out


def linear_tick_strings(values, scale: float, spacing: float) -> list[str]:
    """Linear ticks in one format: plain decimals (0, 0.0005, 0.0010, 0.0015) when the largest
    lies in 0.001 … 9999, else all as m×10ᵏ (5×10⁻⁵, 1×10⁻⁴; 1.5×10⁴) — pyqtgraph's %g
    writes 5e-05 next to 0.0001."""
    vals = [v * scale for v in values]
    step = abs(spacing * scale)
    top = max((abs(v) for v in vals if math.isfinite(v)), default=0.0)
    if not (math.isfinite(step) and step > 0) or top == 0:
        return [f"{v:g}" for v in vals]
    if PLAIN[0] <= top < PLAIN[1]:
        places = next(p for p in range(13) if abs(round(step, p) - step) <= 1e-9 * step or p == 12)
        return ["0" if abs(v) < 1e-9 * step else f"{v:.{places}f}" for v in vals]
    digits = max(1, math.floor(math.log10(top)) - math.floor(math.log10(step) + 1e-9) + 1)
    return ["0" if abs(v) < 1e-9 * step else sci(v, digits, trim=True).replace(" × ", "×")
            for v in vals]
