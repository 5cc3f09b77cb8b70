"""Config-bound controls: each widget edits one dotted key of the ExperimentState.

A lab lists its controls as sections of `Control`s; the panel builds the widgets (superqt
labeled sliders, log sliders, combos), sets tooltips from `field_spec(key)['help']`, writes
edits back with `state.set_value`, and echoes config changes into the widgets with signals
blocked. A refused value (the state emits `rejected`) snaps back to the last valid one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt import QLabeledDoubleSlider, QLabeledSlider
from superqt.utils import signals_blocked

from core.choice_help import choice_help
from core.config import field_spec
from core.config_relevance import inactive_keys
from core.numfmt import num
from desktop_app.state import ExperimentState
from desktop_app.widgets.log_slider import LogSlider


@dataclass(frozen=True)
class Control:
    key: str                                # dotted config key
    label: str
    kind: str                               # "int", "float", "log", "choice", "spin"
    lo: float | None = None                 # slider range (defaults to the spec's range)
    hi: float | None = None
    decimals: int = 2
    zero_at_min: bool = False               # log slider: leftmost = 0 (off)
    choices: tuple[tuple[str, str], ...] | None = None   # (value, shown text)


def limit_text(v: float) -> str:
    """A range limit exactly: whole numbers in full (1024, 2147483647, not 1020 or 2.15 × 10⁹),
    the rest as captions write numbers."""
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else num(v, 6)


def tooltip(key: str) -> str:
    spec = field_spec(key)
    tip = spec["help"]
    if spec.get("range"):
        lo, hi = spec["range"]
        tip += f"\nAllowed: {limit_text(lo)} to {limit_text(hi)}"
    tip += f"\nConfig key: {key}"
    return tip


class ControlsPanel(QWidget):
    """Builds and binds the widgets of `sections`: [(title, [Control, ...]), ...]."""

    def __init__(self, state: ExperimentState, sections, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.widgets: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self._base_tips: dict[str, str] = {}   # a lab may give an inserted widget its own tip
        self._forms: dict[str, QFormLayout] = {}   # section title → its form (insert_row)
        self.pick_csv: Callable[[], str | None] = self._ask_csv
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        for title, controls in sections:
            box = QGroupBox(title)
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
            form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
            self._forms[title] = form
            for c in controls:
                w = self._make(c)
                w.setToolTip(tooltip(c.key))
                label = QLabel(c.label)
                label.setToolTip(w.toolTip())
                form.addRow(label, w)
                self.widgets[c.key] = w
                self.labels[c.key] = label
            lay.addWidget(box)
        lay.addStretch(1)
        state.changed.connect(self._on_changed)
        state.rejected.connect(self.sync_key)
        self.sync_all()

    # ---- building --------------------------------------------------------------------------
    def _make(self, c: Control) -> QWidget:
        spec = field_spec(c.key)
        lo, hi = spec["range"] or (0, 1)
        lo = lo if c.lo is None else c.lo
        hi = hi if c.hi is None else c.hi
        if c.kind == "int":
            w = QLabeledSlider(Qt.Horizontal)
            w.setRange(int(lo), int(hi))
            w.valueChanged.connect(lambda v, k=c.key: self.state.set_value(k, int(v)))
        elif c.kind == "float":
            w = QLabeledDoubleSlider(Qt.Horizontal)
            w.setRange(lo, hi)
            w.setDecimals(c.decimals)
            w.setSingleStep(10 ** -c.decimals)
            w.valueChanged.connect(lambda v, k=c.key: self.state.set_value(k, round(v, c.decimals)))
        elif c.kind == "log":
            w = LogSlider(lo, hi, zero_at_min=c.zero_at_min, integer=spec["integer"])
            w.valueChanged.connect(
                lambda v, k=c.key, i=spec["integer"]: self.state.set_value(k, int(v) if i else v))
        elif c.kind == "choice":
            w = QComboBox()
            for value, text in c.choices or [(x, x) for x in spec["choices"]]:
                w.addItem(text, value)
                if help_text := choice_help(c.key, value):
                    w.setItemData(w.count() - 1, help_text, Qt.ToolTipRole)
            w.currentIndexChanged.connect(lambda _i, k=c.key, w=w: self._picked(k, w.currentData()))
        elif c.kind == "spin":
            w = QSpinBox()
            w.setRange(int(lo), int(min(hi, 2**31 - 1)))
            w.valueChanged.connect(lambda v, k=c.key: self.state.set_value(k, int(v)))
        else:
            raise ValueError(f"unknown control kind {c.kind!r}")
        return w

    def insert_row(self, section: str, row: int, key: str, text: str, widget: QWidget) -> None:
        """Put a lab's own widget for `key` (one with `setValue`) at `row` of `section`; the
        panel echoes the config into it and greys it out like its own controls."""
        form = self._forms.get(section)
        if form is None:
            raise LookupError(f"no controls section {section!r}")
        label = QLabel(text)
        label.setToolTip(widget.toolTip())
        form.insertRow(row, label, widget)
        self.widgets[key] = widget
        self.labels[key] = label
        self.sync_key(key)

    def _picked(self, key: str, value: str) -> None:
        if key == "data.name" and value == "csv":
            path = self.pick_csv()
            if path:
                self.state.set_values({"data.csv_path": path, "data.name": "csv"})
            else:
                self.sync_key(key)
            return
        self.state.set_value(key, value)

    def _ask_csv(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self, "Load a 2-D dataset (columns x1,x2,label)",
                                              "", "CSV files (*.csv);;All files (*)")
        return path or None

    # ---- echoing the config ---------------------------------------------------------------
    def _on_changed(self, cfg, keys) -> None:
        for key in self.widgets:
            if not keys or key in keys:
                self.sync_key(key)
        self.mark_inactive()

    def sync_all(self) -> None:
        for key in self.widgets:
            self.sync_key(key)
        self.mark_inactive()

    def mark_inactive(self) -> None:
        """Grey out controls the current config ignores; the tooltip says why."""
        off = inactive_keys(self.state.config)
        for key, w in self.widgets.items():
            why = off.get(key)
            base = self._base_tips.setdefault(key, w.toolTip() or tooltip(key))
            tip = base + (f"\nNo effect now: {why}" if why else "")
            w.setEnabled(why is None)
            w.setToolTip(tip)
            if key in self.labels:
                self.labels[key].setEnabled(why is None)
                self.labels[key].setToolTip(tip)

    def sync_key(self, key: str) -> None:
        w = self.widgets.get(key)
        if w is None:
            return
        value = self.state.config.get(key)
        with signals_blocked(w):
            if isinstance(w, QComboBox):
                i = w.findData(value)
                if i < 0:
                    w.addItem(f"{value} (not available here)", value)
                    i = w.count() - 1
                w.setCurrentIndex(i)
            elif isinstance(w, (QLabeledSlider, QLabeledDoubleSlider)):
                if value < w.minimum() or value > w.maximum():
                    w.setRange(min(w.minimum(), value), max(w.maximum(), value))
                w.setValue(value)
            else:
                w.setValue(value)

    def set_choices(self, key: str, choices: list[tuple[str, str]]) -> None:
        """Replace a combo's items (e.g. the devices present), keeping the current value."""
        w = self.widgets.get(key)
        if not isinstance(w, QComboBox):
            return
        with signals_blocked(w):
            w.clear()
            for value, text in choices:
                w.addItem(text, value)
        self.sync_key(key)
