"""The spectral-radius slider: 0.1 to 3, with fine steps near 1, and an editable value box.

The positions follow a table whose step shrinks towards ρ = 1 (0.05 far away, 0.002 next to
1), so the interesting region around the unit circle gets most of the slider's travel. The
leftmost position, "off", means 0: the scheme's own radius (init.spectral_radius = 0, no
rescaling).
"""

from __future__ import annotations

import bisect

from PySide6.QtCore import QEvent
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import QWidget

from desktop_app.widgets.table_slider import TableSlider

# (from, to, step): the table's segments, finer towards 1.
SEGMENTS = ((0.1, 0.5, 0.05), (0.5, 0.8, 0.02), (0.8, 0.95, 0.01), (0.95, 1.05, 0.002),
            (1.05, 1.2, 0.01), (1.2, 1.5, 0.02), (1.5, 2.0, 0.05), (2.0, 3.0, 0.1))
OFF_TEXT = "off"


def rho_values() -> list[float]:
    vals = set()
    for lo, hi, step in SEGMENTS:
        n = round((hi - lo) / step)
        vals.update(round(lo + i * step, 4) for i in range(n + 1))
    return sorted(vals)


class RhoSlider(TableSlider):
    """valueChanged(ρ) on every move; setValue(ρ) shows a value without a signal."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.set_values([0.0, *rho_values()])
        self.slider.setPageStep(10)
        self.slider.setAccessibleName("Spectral radius")
        self.edit.setValidator(QDoubleValidator(0.0, 10.0, 4))
        self._fit_edit()
        self.edit.setAccessibleName("Spectral radius value")
        self._show(self._value)

    def _fit_edit(self) -> None:
        self.edit.setFixedWidth(self.edit.fontMetrics().horizontalAdvance("0.0000") + 16)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.FontChange:     # presentation mode: the box grows with the font
            self._fit_edit()

    def position_of(self, v: float) -> int:
        """Index of the table value nearest to v (0 for v ≤ 0)."""
        if v <= 0:
            return 0
        i = bisect.bisect_left(self.values, v, lo=1)
        cands = [j for j in (i - 1, i) if 1 <= j < len(self.values)]
        return min(cands, key=lambda j: abs(self.values[j] - v))

    def _show(self, v: float) -> None:
        self.edit.setText(OFF_TEXT if v <= 0 else f"{v:.4g}")
        self.edit.setToolTip("off: W_hh keeps the scheme's own radius (init.spectral_radius = 0)"
                             if v <= 0 else f"ρ = {v:g}")

    def _parse(self, text: str) -> float:
        text = text.strip()
        return 0.0 if text in ("", OFF_TEXT) else float(text)
