"""TableSlider: a slider whose positions index a table of values, beside an editable value box.

The log-scale slider and the spectral-radius slider share this: moving the knob shows and
emits the table value; typing a value moves the knob to the nearest table entry but keeps the
typed value (it need not be in the table); `setValue` shows a value without a signal (for
echoing the config).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QSlider, QWidget


class TableSlider(QWidget):
    """Subclasses fill the table with `set_values` and implement `position_of` (the nearest
    table index), `_show` (the box's text) and `_parse` (the box's text → a value; ValueError
    when it is not one), then call `self._show(self._value)`."""

    valueChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.values: list[float] = []
        self._value = 0.0
        self.slider = QSlider(Qt.Horizontal)
        self.edit = QLineEdit()
        self.edit.setAlignment(Qt.AlignRight)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.edit)
        self.slider.valueChanged.connect(self._slid)
        self.edit.editingFinished.connect(self._typed)

    def set_values(self, values: list[float]) -> None:
        self.values = values
        self.slider.setRange(0, len(values) - 1)

    # ---- to implement ----------------------------------------------------------------------
    def position_of(self, v: float) -> int:
        raise NotImplementedError

    def _show(self, v: float) -> None:
        raise NotImplementedError

    def _parse(self, text: str) -> float:
        return float(text)

    # ---- shared ------------------------------------------------------------------------------
    def _slid(self, pos: int) -> None:
        self._value = self.values[pos]
        self._show(self._value)
        self.valueChanged.emit(self._value)

    def _typed(self) -> None:
        try:
            v = self._parse(self.edit.text())
        except ValueError:
            self._show(self._value)
            return
        if v != self._value:
            self.setValue(v)
            self.valueChanged.emit(self._value)

    def value(self) -> float:
        return self._value

    def setValue(self, v: float) -> None:  # noqa: N802 (Qt's name, used by ControlsPanel.sync_key)
        """Show v (no signal); values beyond the slider's ends keep the knob at the end."""
        self._value = float(v)
        self.slider.blockSignals(True)
        self.slider.setValue(self.position_of(self._value))
        self.slider.blockSignals(False)
        self._show(self._value)
