"""A slider on a log scale (learning rate, penalties, sizes) with an editable value box.

Float values step by 1/20 decade (3 significant digits); whole numbers step through
1, 2, 3, 4, 6, 8, 12, 16, 24, 32, … (powers of two and their halfway points). With
`zero_at_min` the leftmost position means 0 ("off"), for L1/L2/clipping.
"""

from __future__ import annotations

import bisect
import math

from PySide6.QtCore import QEvent
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import QWidget

from desktop_app.widgets.table_slider import TableSlider


class LogSlider(TableSlider):
    def __init__(self, lo: float, hi: float, *, per_decade: int = 20, zero_at_min: bool = False,
                 integer: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.lo, self.hi = float(lo), float(hi)
        self.per_decade = per_decade
        self.zero_at_min = zero_at_min
        self.integer = integer
        self._value = self.lo
        self.edit.setValidator(QDoubleValidator(0.0, 1e12, 12))
        self._fit_edit()
        self._set_steps()
        self._show(self._value)

    def _fit_edit(self) -> None:
        self.edit.setFixedWidth(self.fontMetrics().horizontalAdvance("0.000001") + 14)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.FontChange:     # presentation mode: "0 (off)" was cut
            self._fit_edit()

    def _set_steps(self) -> None:
        if self.integer:
            nice = {float(m * 2**k) for k in range(40) for m in (1, 1.5)}
            vals = {v for v in nice if self.lo <= v <= self.hi and v == int(v)}
            vals |= {float(int(self.lo)), float(int(self.hi))}
        else:
            n = round(math.log10(self.hi / self.lo) * self.per_decade)
            vals = {float(f"{self.lo * 10 ** (p / self.per_decade):.3g}") for p in range(n + 1)}
        values = ([0.0] if self.zero_at_min else []) + sorted(vals)
        self._logs = [math.log(v) if v > 0 else -math.inf for v in values]
        self.set_values(values)

    def position_of(self, v: float) -> int:
        """Index of the table value nearest to v on a log scale."""
        if v <= 0:
            return 0
        lv = math.log(v)
        i = bisect.bisect_left(self._logs, lv)
        cands = [j for j in (i - 1, i) if 0 <= j < len(self.values)]
        return min(cands, key=lambda j: abs(self._logs[j] - lv))

    def _show(self, v: float) -> None:
        if v == 0 and self.zero_at_min:
            self.edit.setText("0 (off)")
        elif self.integer:
            self.edit.setText(f"{int(round(v))}")
        else:
            self.edit.setText(f"{v:.3g}")

    def _parse(self, text: str) -> float:
        return float(text.split(" ")[0])      # "0 (off)" reads as 0
