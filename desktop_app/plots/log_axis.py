"""A log axis that labels only ticks at 1, 2 and 5 × 10ⁿ (the others keep their tick marks),
so labels never pile up in small plots or in presentation mode."""

from __future__ import annotations

import math

import pyqtgraph as pg

KEEP = (1.0, 2.0, 5.0)


class LogAxis(pg.AxisItem):
    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        strings = super().logTickStrings(values, scale, spacing)
        out = []
        for v, s in zip(values, strings, strict=True):
            mant = 10 ** (v - math.floor(v + 1e-9))
            out.append(s if any(abs(mant - k) < 1e-6 * k for k in KEEP) else "")
        return out
