"""A horizontal axis whose tick labels never run into each other, and that labels at least two
ticks where two fit.

pyqtgraph spaces major ticks by the axis length alone (at least 2.25 intervals), whatever the
font: a 110 px heatmap axis at 1024 × 768 got 50, 100 and 150 printed as "50100150", the
singular-value index axis "1020". Here the major spacing grows (×2, ×2.5, ×2 … as 1, 2, 5, 10)
until every label, with a gap of two characters, fits between its neighbours; a spacing set by
hand (layer axes: 1, 2, …) grows the same way ("10121416" at 1024 × 768).

A wider spacing can leave one label: 0.5 … 32.5 at spacing 20 has only 20. Then the ticks move
by half a spacing (10 and 30), or a quarter (5 and 25), where that gives two. And pyqtgraph
hides every label that reaches past the axis's ends, so a step axis of 0 … 100 showed only
"50": labels at the ends may reach half a label past them, into the empty corner under the
left axis or the margin beside the plot (never past the picture's edge).
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


def ticks_between(spacing: float, offset: float, lo: float, hi: float) -> int:
    """How many ticks offset + k·spacing lie in lo … hi."""
    return max(0, math.floor((hi - offset) / spacing + 1e-9)
               - math.ceil((lo - offset) / spacing - 1e-9) + 1)


def two_labels(levels: list, lo: float, hi: float, min_spacing: float = 0.0) -> list:
    """`levels` whose major ticks land at least twice in lo … hi (the interval where a label
    can be drawn whole): moved by half a spacing (20 → 10, 30), else by a quarter or a fifth
    (5, 25), where the ticks as they are give one. Where the spacing is too wide for any shift
    (50 on an axis of 0.5 … 32.5, which then had no label at all), the widest smaller 1-2-5
    spacing of at least `min_spacing` (a label's width, so that two labels do not touch) that
    gives two ticks; as they were where none of that helps."""
    if not levels or hi <= lo:
        return levels
    spacing, offset = levels[0]
    if ticks_between(spacing, offset, lo, hi) >= 2:
        return levels
    shift = _two_ticks(spacing, offset, lo, hi)
    if shift is not None:
        # A minor level keeps its ticks between the new majors if it divides the shift.
        moved = shift - offset
        minors = [(s, o) for s, o in levels[1:] if moved / s == round(moved / s)]
        return [(spacing, shift)] + minors[:1]
    e = math.floor(math.log10(spacing))
    ladder = sorted((m * 10.0 ** k for k in range(e - 2, e + 1) for m in STEPS[:3]), reverse=True)
    for smaller in ladder:
        if min_spacing <= smaller < spacing:
            shift = _two_ticks(smaller, 0.0, lo, hi)
            if shift is not None:
                return [(smaller, shift)]
    return levels


def _two_ticks(spacing: float, offset: float, lo: float, hi: float) -> float | None:
    """The offset (as it is, or moved by a half, quarter, fifth … of a spacing) that puts at
    least two ticks in lo … hi; None if none does."""
    if ticks_between(spacing, offset, lo, hi) >= 2:
        return offset
    for div in (2, 4, 5, 10):
        for k in range(1, div):
            if ticks_between(spacing, offset + k * spacing / div, lo, hi) >= 2:
                return offset + k * spacing / div
    return None


class FitAxis(pg.AxisItem):
    """On a horizontal axis: labels that never run together, at least two where two fit,
    end labels reaching half a label past the ends. On a vertical one only the last: the
    accuracy axis (0 … 102 %) drew neither "0" nor "100", each half past an end."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        if self.orientation in ("bottom", "top"):
            # pyqtgraph labels the level between the majors only while all labels fill < 40 %
            # of the axis once there are four: an end label allowed in (0 of 0 … 400) dropped
            # 50, 150, … from one axis and not from the one below it. The majors fit by
            # construction; below 60 % the labels between them keep gaps of 2/3 of a label.
            self.setStyle(textFillLimits=[(0, 0.8), (2, 0.6)])

    def _label_px(self, fm: QFontMetrics, minVal: float, maxVal: float) -> float:  # noqa: N803
        widest = max(abs(minVal), abs(maxVal))
        # pyqtgraph writes whole numbers in full (12000, not 1.2e+04) and fractions short.
        text = str(int(round(widest))) if 1 <= widest < 1e9 else f"{widest:.3g}"
        if minVal < 0:
            text = "-" + text
        return fm.horizontalAdvance(text)

    def _font_metrics(self) -> QFontMetrics:
        return QFontMetrics(self.style.get("tickFont") or self.font())

    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph's names)
        levels = super().tickSpacing(minVal, maxVal, size)
        lo, hi = min(minVal, maxVal), max(minVal, maxVal)
        if self.orientation not in ("bottom", "top"):
            return levels if self.logMode else self._vertical(levels, lo, hi, size)
        fm = self._font_metrics()
        text_px = self._label_px(fm, lo, hi)
        label_px = text_px + 2 * fm.averageCharWidth()
        levels = roomy_spacing(levels, lo, hi, size, label_px)
        if size <= 0 or hi <= lo:
            return levels
        # Where a label's centre may be: half a label in from each end, less what it may
        # reach past the end (see boundingRect).
        left, right = self._overflow()
        per_px = (hi - lo) / size
        inset_lo = max(0.0, text_px / 2 - left) * per_px
        inset_hi = max(0.0, text_px / 2 - right) * per_px
        # Two labels rather than none: where the roomy spacing leaves no two ticks, labels
        # may come as close as 4 px.
        return two_labels(levels, lo + inset_lo, hi - inset_hi,
                          min_spacing=(text_px + 4) * per_px)

    def _vertical(self, levels: list, lo: float, hi: float, size: float) -> list:
        """A vertical axis's levels with 4 px at least between labels (pyqtgraph always labels
        its major level: the singular values' axis, 45 px at 1024 × 768, stacked "1.5", "1.0",
        "0.5", "0" with no gap), and two labels where two fit (see two_labels)."""
        if size <= 0 or hi <= lo:
            return levels
        text_h = 0.8 * self._font_metrics().height()      # pyqtgraph's label box
        levels = roomy_spacing(levels, lo, hi, size, text_h + 4)
        top, bottom = self._overflow()
        per_px = (hi - lo) / size
        return two_labels(levels, lo + max(0.0, text_h / 2 - bottom) * per_px,
                          hi - max(0.0, text_h / 2 - top) * per_px,
                          min_spacing=(text_h + 2) * per_px)

    def _overflow(self) -> tuple[float, float]:
        """How far (px) end labels may reach past the axis's ends, within the picture: past
        the left and right ends of a horizontal axis half a label of five characters (into the
        empty corner under the left axis, or the margin); past the top and bottom ends of a
        vertical one half a text height (into the corner beside the bottom axis)."""
        if self.scene() is None or not self.scene().views():
            return 0.0, 0.0
        view = self.scene().views()[0]     # (not sceneRect: without one set, it asks us)
        scene = view.mapToScene(view.viewport().rect()).boundingRect()
        if self.orientation in ("bottom", "top"):
            half = self._font_metrics().horizontalAdvance("00000") / 2
            a = self.mapToScene(pg.QtCore.QPointF(0.0, 0.0)).x()
            b = self.mapToScene(pg.QtCore.QPointF(self.size().width(), 0.0)).x()
            return (max(0.0, min(half, a - scene.left() - 1)),
                    max(0.0, min(half, scene.right() - b - 1)))
        half = self._font_metrics().height() / 2
        a = self.mapToScene(pg.QtCore.QPointF(0.0, 0.0)).y()
        b = self.mapToScene(pg.QtCore.QPointF(0.0, self.size().height())).y()
        return (max(0.0, min(half, a - scene.top() - 1)),
                max(0.0, min(half, scene.bottom() - b - 1)))

    def boundingRect(self):  # noqa: N802 (Qt's name)
        # pyqtgraph draws only the labels inside this rectangle.
        rect = super().boundingRect()
        a, b = self._overflow()
        if not (a or b):
            return rect
        if self.orientation in ("bottom", "top"):
            return rect.adjusted(-a, 0, b, 0)
        return rect.adjusted(0, -a, 0, b)
