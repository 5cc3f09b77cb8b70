"""A log axis whose labels all share one format, and never pile up.

pyqtgraph writes 0.0001 and 10⁻⁵ on the same axis (it switches at 10⁻⁴ and at 10). Here the
format is chosen once per axis from its range:
- more than three decades: powers of ten only (10⁻⁵, 10⁻⁴, …, 10⁰, 10¹), one label per decade
  at most (ticks at 2× and 5× keep their marks without text);
- a narrow range within 0.001 … 10 000: plain decimals (0.2, 0.5, 1, 2);
- a narrow range of tiny or huge values: 2×10⁻⁵, 5×10⁻⁵, 10⁻⁴.
Only ticks at 1, 2 and 5 × 10ⁿ get labels (all of 1…9 × 10ⁿ if that leaves fewer than two),
and each tick is drawn once (pyqtgraph repeats the decades in its minor level: bold labels).
Where a narrow axis then draws fewer than three labels (a loss of 0.57 … 3 got only "1" and "2",
the curve lying at 0.64 with no number near it), ticks at other mantissas get labels too, each in
the largest free stretch, while they keep clear of the others (`fill_labels`).
"""

from __future__ import annotations

import math

from desktop_app.plots.fit_axis import FitAxis
from desktop_app.plots.numfmt import sup

KEEP = (1, 2, 5)
WIDE_DECADES = 3.0          # a wider range is labelled in powers of ten only
PLAIN = (1e-3, 1e4)         # values a narrow range writes as plain decimals


def _ticks_in(lo: float, hi: float, mantissas) -> list[tuple[int, int]]:
    """(m, n) with m × 10ⁿ inside [10^lo, 10^hi] (lo, hi in decades)."""
    out = []
    for n in range(math.floor(lo) - 1, math.ceil(hi) + 1):
        for m in mantissas:
            v = math.log10(m) + n
            if lo - 1e-9 <= v <= hi + 1e-9:
                out.append((m, n))
    return out


def label_format(lo: float, hi: float) -> tuple[str, tuple[int, ...]]:
    """For an axis showing 10^lo … 10^hi: ('pow' | 'plain', the mantissas that get labels)."""
    if hi - lo > WIDE_DECADES:
        return "pow", (1,)
    keep = KEEP if len(_ticks_in(lo, hi, KEEP)) >= 2 else tuple(range(1, 10))
    shown = _ticks_in(lo, hi, keep)
    plain = all(PLAIN[0] <= m * 10.0 ** n < PLAIN[1] for m, n in shown)
    return ("plain" if plain else "pow"), keep


def tick_label(m: int, n: int, style: str) -> str:
    """m × 10ⁿ as 'plain' (0.002, 50) or 'pow' (2×10⁻³, 10¹) text."""
    if style == "plain":
        return f"{m * 10 ** n:d}" if n >= 0 else f"{m * 10.0 ** n:.{-n}f}"
    return ("" if m == 1 else f"{m}×") + "10" + sup(n)


def log_tick_strings(values, lo: float, hi: float) -> list[str]:
    """Labels for ticks at 10^v (v in `values`) on an axis showing 10^lo … 10^hi."""
    style, keep = label_format(lo, hi)
    out = []
    for v in values:
        n = math.floor(v + 1e-9)
        mant = 10.0 ** (v - n)
        m = round(mant)
        out.append(tick_label(m, n, style) if m in keep and abs(mant - m) < 1e-6 * m else "")
    return out


def unique_levels(levels) -> list:
    """Drop from each tick level the values an earlier level already has: pyqtgraph's minor
    level repeats every decade of the major one, and the label drawn twice looks bold."""
    seen: set[float] = set()
    out = []
    for spacing, values in levels:
        keep = [v for v in values if round(float(v), 6) not in seen]
        seen.update(round(float(v), 6) for v in values)
        out.append((spacing, keep))
    return out


def fill_labels(values, labels: list[str], lo: float, hi: float, length: float,
                text_h: float, want: int = 3, reach: tuple[float, float] = (0.0, 0.0)) -> list[str]:
    """`labels` of ticks at 10^v (v in `values`) on an axis of `length` px showing
    10^lo … 10^hi, with labels added at unlabelled ticks until `want` of them can be drawn:
    each time the tick farthest from the labels there are, if it is at least 1.5 text heights
    (`text_h` px) from each of them. A label is drawn only where it stays inside the axis
    (its centre half a text height in from an end: pyqtgraph drops the others), or reaches
    at most `reach` px past the low and high ends."""
    if hi <= lo or length <= 0:
        return labels
    px = [(float(v) - lo) / (hi - lo) * length for v in values]
    below, above = reach
    inside = [0.4 * text_h - 0.5 - below <= y <= length - 0.4 * text_h + 0.5 + above
              for y in px]
    shown = [px[i] for i, t in enumerate(labels) if t and inside[i]]
    out = list(labels)
    style = label_format(lo, hi)[0]
    free = [i for i, t in enumerate(labels) if not t and inside[i]]
    while len(shown) < want and free:
        far = max(free, key=lambda i: min((abs(px[i] - y) for y in shown), default=length))
        if shown and min(abs(px[far] - y) for y in shown) < 1.5 * text_h:
            break
        n = math.floor(float(values[far]) + 1e-9)
        m = round(10.0 ** (float(values[far]) - n))
        if 1 <= m <= 9:
            out[far] = tick_label(m, n, style)
            shown.append(px[far])
        free.remove(far)
    return out


class LogAxis(FitAxis):
    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802, N803 (pyqtgraph's)
        self._levels = unique_levels(super().logTickValues(minVal, maxVal, size, stdTicks))
        return self._levels

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        lo, hi = sorted(float(r) for r in self.range)   # in decades (the view is in log10)
        if scale != 1 or not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo > 600:
            return super().logTickStrings(values, scale, spacing)
        labels = log_tick_strings(values, lo, hi)
        if len(label_format(lo, hi)[1]) < 9:
            return self._filled(values, labels, lo, hi) if hi - lo <= WIDE_DECADES else labels
        # A narrow range labels every mantissa 1…9 × 10ⁿ: as many as fit. (Wide ranges label
        # decades only, on pyqtgraph's levels; thinning each level alone made them uneven.)
        return thin_labels(labels, self._room_for_labels())

    def _filled(self, values, labels: list[str], lo: float, hi: float) -> list[str]:
        """`labels` (of one tick level) with those of `fill_labels` for all levels together
        (pyqtgraph asks for each level's labels on its own)."""
        from PySide6.QtGui import QFontMetrics

        if self.orientation not in ("left", "right"):
            return labels
        every = sorted({round(float(v), 9) for _, vals in getattr(self, "_levels", [])
                        for v in vals} | {round(float(v), 9) for v in values})
        text = dict(zip(every, log_tick_strings(every, lo, hi), strict=True))
        fm = QFontMetrics(self.style.get("tickFont") or self.font())
        top, bottom = self._overflow()       # (a left axis's low end is its bottom)
        full = fill_labels(every, [text[v] for v in every], lo, hi, self.geometry().height(),
                           fm.height(), reach=(bottom, top))
        text = dict(zip(every, full, strict=True))
        return [text[round(float(v), 9)] for v in values]

    def _room_for_labels(self) -> int:
        """How many labels fit along this axis, each given two text heights (or widths of
        "9×10⁻¹⁶" on a horizontal axis): a short plot of 6×10¹⁶ … 10¹⁷ got five, on top of
        each other."""
        from PySide6.QtGui import QFontMetrics

        fm = QFontMetrics(self.style.get("tickFont") or self.font())
        if self.orientation in ("left", "right"):
            return max(2, int(self.geometry().height() / (2.0 * fm.height())))
        return max(2, int(self.geometry().width() / (1.5 * fm.horizontalAdvance("9×10⁻¹⁶"))))


def thin_labels(labels: list[str], room: int) -> list[str]:
    """At most `room` of the non-empty labels, every k-th one from the first (the rest keep
    their tick marks without text)."""
    shown = [i for i, t in enumerate(labels) if t]
    if len(shown) <= room:
        return labels
    k = -(-len(shown) // room)
    keep = set(shown[::k])
    return [t if i in keep else "" for i, t in enumerate(labels)]


def decade_ticks(axis) -> None:
    """Label an axis whose values are log₁₀ of a quantity with the quantity itself, at whole
    decades: 10⁻¹⁵ … 10⁻¹ on a heatmap's colour bar instead of −15 … −1 under "log10 …"
    (every other axis of the app writes powers of ten)."""
    from core.numfmt import pow10

    def tick_values(lo, hi, size):
        first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
        n = last - first + 1
        if n < 2:                       # less than two decades in view: pyqtgraph's own ticks
            return type(axis).tickValues(axis, lo, hi, size)
        step = next(s for s in (1, 2, 3, 5, 10, 20, 50, 100) if n / s <= 6)
        start = math.ceil(first / step) * step
        return [(float(step), [float(v) for v in range(start, last + 1, step)])]

    axis.tickValues = tick_values
    axis.tickStrings = lambda values, scale, spacing: [pow10(v) for v in values]
