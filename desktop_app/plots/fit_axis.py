"""A horizontal axis whose tick labels never run into each other.

pyqtgraph spaces major ticks by the axis length alone (at least 2.25 intervals), whatever the
font: a 110 px heatmap axis at 1024 × 768 got 50, 100 and 150 printed as "50100150", the
singular-value index axis "1020". Here the major spacing grows (×2, ×2.5, ×2 … as 1, 2, 5, 10)
until every label, with a gap of two characters, fits between its neighbours.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics

STEPS = (1.0, 2.0, 5.0, 10.0)


def roomy_spacing(levels: list, lo: float, hi: float, size: float, label_px: float) -> list:
    """pyqtgraph's tick `levels` for values lo … hi over `size` px, with the major spacing
    raised to a 1, 2, 5 × 10ⁿ step that leaves `label_px` per label (minor levels below the
    new major spacing are kept, the others dropped)."""
    if not levels or size <= 0 or label_px <= 0 or hi <= lo:
        return levels
    major = levels[0][0]
    need = (hi - lo) * label_px / size              # the least spacing, in axis units
    if major >= need:
        return levels
    e = math.floor(math.log10(need))
    spacing = next(m * 10.0 ** e for m in STEPS if m * 10.0 ** e >= need)
    minors = [(s, o) for s, o in levels[1:] if s < spacing and spacing / s == round(spacing / s)]
    return [(spacing, 0.0)] + minors[:1]


class FitAxis(pg.AxisItem):
    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph's names)
        levels = super().tickSpacing(minVal, maxVal, size)
        if self._tickSpacing is not None or self.orientation not in ("bottom", "top"):
            return levels
        fm = QFontMetrics(self.style.get("tickFont") or self.font())
        widest = max(abs(minVal), abs(maxVal))
        # pyqtgraph writes whole numbers in full (12000, not 1.2e+04) and fractions short.
        text = str(int(round(widest))) if 1 <= widest < 1e9 else f"{widest:.3g}"
        label_px = fm.horizontalAdvance(text) + 2 * fm.averageCharWidth()
        return roomy_spacing(levels, min(minVal, maxVal), max(minVal, maxVal), size, label_px)
