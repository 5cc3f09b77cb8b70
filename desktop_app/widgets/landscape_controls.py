"""The landscape's own controls: directions, span, resolution, which loss, subset, colour scale.

These are view settings, not part of the experiment config: changing them never rebuilds the
network. `settings_changed` carries a complete LandscapeSettings, except the span: the Span box
shows the map's half-width in the α, β units of its axes and `span_changed` carries what the
user chose there (the lab turns it into LandscapeSettings.span, a multiple of the directions'
own scale, and shows the drawn half-width with `show_span`).
"""

from __future__ import annotations

import dataclasses
import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from desktop_app.plots.landscape_map import SAME_SCALE_TOP
from desktop_app.widgets.log_slider import LogSlider
from desktop_app.workers.landscape_worker import RESOLUTIONS, LandscapeSettings

KIND_CHOICES = (
    ("filter", "Random, filter-normalised"),
    ("layer", "Random, layer-normalised"),
    ("none", "Random, not normalised"),
    ("pca", "PCA of the training path"),
    ("hessian", "Hessian eigenvectors"),
)
KIND_TIPS = (
    "δ, η are fixed random directions; each row of a weight matrix is scaled to the norm of the "
    "same row of θ (Li et al. 2018), so landscapes of differently scaled nets are comparable. "
    "Biases get 0.\n"
    "Layer: each weight matrix scaled to θ's matrix norm. Not normalised: raw N(0, 1).\n"
    "PCA: the two directions along which the training path varied most (the path then lies "
    "in the plane).\n"
    "Hessian: the eigenvectors of the largest and the lowest curvature; at a saddle the map "
    "curves up along α and down along β.\n"
    "Directions stay fixed so frames are comparable; press New directions to draw others.")
SAME_SCALE_TIP = (
    "On (the default): every map, of every run and preset, gives the same loss the same "
    "colour, from 0 nats to the top colour below, and draws its contour lines at the same "
    "losses (every tenth of the scale), so two screenshots compare directly: the sharp minimum's "
    "map climbs through many more colours and lines than the flat one's. Losses above the top "
    "get the top colour (the note under the map says how much of the map).\n"
    "Off: each map stretches the colours over its own range (its lowest loss to its 99th "
    "percentile): more detail in one map, but the same colour means different losses in two.\n"
    "The default top, 3 nats, suits the sharp/flat pair and most maps; the deep residual net's "
    "map climbs to about 9 nats within ±1: raise the top to 10 to compare it with the plain "
    "net's.")
TOP_TIP = (
    "The loss, in nats, that gets the top colour when the colour scale is the same for every "
    f"run ({SAME_SCALE_TOP:g} nats by default: about four times the loss of a coin-flip "
    "guess between two classes, ln 2 ≈ 0.69). With the log colour scale the colours run from "
    "0.001 nats (or top/100 if that is lower) to the top.")
SPAN_TIP = (
    "Half-width of the map: α and β run from −span to +span, the numbers on the map's axes "
    "(and in the note under it).\n"
    "Filter- and layer-normalised random directions: 1 moves every row of the weights by its "
    "own length (Li et al. 2018).\n"
    "PCA, Hessian and unnormalised directions have a scale of their own (the path's extent, "
    "the width where the loss rises by about its value, ‖θ‖/‖δ‖): choosing them keeps the "
    "span's ratio to that scale, and this box then shows the half-width they are drawn with.")



def column(*widgets: QWidget) -> QWidget:
    """The widgets stacked tightly, as one cell of a form."""
    w = QWidget()
    lay = QVBoxLayout(w)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(2)
    for x in widgets:
        lay.addWidget(x)
    return w

class LandscapeControls(QGroupBox):
    settings_changed = Signal(object)     # LandscapeSettings
    new_directions = Signal()
    span_changed = Signal(float)          # half-width of the map in α, β (the axes' units)
    log_changed = Signal(bool)
    live_changed = Signal(bool)
    same_scale_changed = Signal(object)   # top of the colour scale shared by all runs, or None

    def __init__(self, settings: LandscapeSettings | None = None, parent: QWidget | None = None):
        super().__init__("Landscape", parent)
        self.settings = settings or LandscapeSettings()
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)

        self.kind = QComboBox()
        for value, text in KIND_CHOICES:
            self.kind.addItem(text, value)
        self.kind.setToolTip(KIND_TIPS)
        self.kind.currentIndexChanged.connect(lambda _i: self._set(kind=self.kind.currentData()))
        self.new_button = QPushButton("New directions")
        self.new_button.setToolTip("Draw new random directions (or recompute the PCA or Hessian "
                                   "ones at the current weights)")
        self.new_button.clicked.connect(self.new_directions)
        self.span = LogSlider(0.001, 1000.0, per_decade=10)
        self.span.setToolTip(SPAN_TIP)
        self._good_span = float(self.settings.span)
        self.span.setValue(self._good_span)
        self.span.valueChanged.connect(self._span_chosen)
        self.resolution = QComboBox()
        for r in RESOLUTIONS:
            self.resolution.addItem(f"{r} × {r}", r)
        self.resolution.setToolTip("Grid points per axis (odd, so the centre is θ itself). "
                                   "Cost grows with the square; large grids show a progress bar.")
        self.resolution.currentIndexChanged.connect(
            lambda _i: self._set(resolution=int(self.resolution.currentData())))
        self.split = QComboBox()
        self.split.addItem("training loss", "train")
        self.split.addItem("test loss", "test")
        self.split.setToolTip("Which loss the map shows (the 1-D slices show both)")
        self.split.currentIndexChanged.connect(lambda _i: self._set(split=self.split.currentData()))
        self.subset = LogSlider(16, 4096, integer=True)
        self.subset.setToolTip("Examples of each split the loss is evaluated on (the same ones in "
                               "every frame). More: smoother and slower.")
        self.subset.valueChanged.connect(lambda v: self._set(subset=int(v)))
        self.log = QCheckBox("log scale")
        self.log.setToolTip("Colour (and the slices' y axis) by log₁₀ loss: shows detail near "
                            "the minimum when the edges are much higher")
        self.log.toggled.connect(self.log_changed)
        self.same_scale = QCheckBox("same for every run")
        self.same_scale.setChecked(True)
        self.same_scale.setToolTip(SAME_SCALE_TIP)
        self.top = LogSlider(0.01, 100.0, per_decade=10)
        self.top.setValue(SAME_SCALE_TOP)
        self.top.setToolTip(TOP_TIP)
        self.same_scale.toggled.connect(self._same_scale_chosen)
        self.top.valueChanged.connect(self._same_scale_chosen)
        self.live = QCheckBox("live while training")
        self.live.setChecked(True)
        self.live.setToolTip("Recompute as the network trains (as often as the computation "
                             "allows); off: only when paused or stepped")
        self.live.toggled.connect(self.live_changed)
        self.curvature = QCheckBox("curvature readout")
        self.curvature.setChecked(True)
        self.curvature.setToolTip("Also compute λₘₐₓ, λₘᵢₙ and the trace (Lanczos and "
                                  "Hutchinson, from Hessian-vector products)")
        self.curvature.toggled.connect(lambda on: self._set(curvature=bool(on)))

        kind_row = QWidget()
        kl = QVBoxLayout(kind_row)
        kl.setContentsMargins(0, 0, 0, 0)
        kl.setSpacing(2)
        kl.addWidget(self.kind)
        kl.addWidget(self.new_button)
        form.addRow(self._label("Directions", KIND_TIPS), kind_row)
        form.addRow(self._label("Span ±", SPAN_TIP), self.span)
        form.addRow(self._label("Resolution", self.resolution.toolTip()), self.resolution)
        form.addRow(self._label("Map shows", self.split.toolTip()), self.split)
        form.addRow(self._label("Eval examples", self.subset.toolTip()), self.subset)
        form.addRow(self._label("Colours", "Colour scale of the map (and the slices' y axis: "
                                "log)"), column(self.log, self.same_scale))
        self.top_label = self._label("Top colour", TOP_TIP)
        form.addRow(self.top_label, self._with_unit(self.top, "nats"))
        form.addRow(QLabel(""), column(self.live, self.curvature))
        outer = QHBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.addLayout(form)
        self._good_top = SAME_SCALE_TOP
        self._enable_top()
        self.show_settings(self.settings)

    @staticmethod
    def _label(text: str, tip: str) -> QLabel:
        label = QLabel(text)
        label.setToolTip(tip)
        return label

    @staticmethod
    def _with_unit(widget: QWidget, unit: str) -> QWidget:
        row = QWidget()
        lay = QHBoxLayout(row)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(widget, 1)
        lay.addWidget(QLabel(unit))
        return row

    @property
    def same_top(self) -> float | None:
        """The top of the colour scale shared by every run (nats), None when each map has its
        own."""
        return float(self.top.value()) if self.same_scale.isChecked() else None

    def _same_scale_chosen(self, *_args) -> None:
        v = self.top.value()
        if not (v > 0 and math.isfinite(v)):         # typed 0: no scale
            self.top.setValue(self._good_top)
            return
        self._good_top = float(v)
        self._enable_top()
        self.same_scale_changed.emit(self.same_top)

    def _enable_top(self) -> None:
        on = self.same_scale.isChecked()
        self.top.setEnabled(on)
        self.top_label.setEnabled(on)

    def show_same_scale(self, top: float | None) -> None:
        """Show a shared colour scale up to `top` nats, or none (no signal)."""
        with signals_blocked(self.same_scale):
            self.same_scale.setChecked(top is not None)
        if top is not None:
            self._good_top = float(top)
            self.top.setValue(float(top))
        self._enable_top()

    def _set(self, **changes) -> None:
        new = dataclasses.replace(self.settings, **changes)
        if new != self.settings:
            self.settings = new
            self.settings_changed.emit(new)

    def _span_chosen(self, v: float) -> None:
        if not (v > 0 and math.isfinite(v)):        # typed 0: not a map
            self.span.setValue(self._good_span)
            return
        self._good_span = float(v)
        self.span_changed.emit(float(v))

    def show_span(self, half_width: float) -> None:
        """Show the half-width the map is drawn with (no signal)."""
        self._good_span = float(half_width)
        if self.span.edit.hasFocus() and self.span.edit.isModified():
            return        # the student is typing: live frames arrive every fraction of a second
        self.span.setValue(float(half_width))

    def show_settings(self, s: LandscapeSettings) -> None:
        """Show `s` in the widgets without emitting anything (the span box: `show_span`)."""
        self.settings = s
        with signals_blocked(self.kind), signals_blocked(self.resolution), \
                signals_blocked(self.split), signals_blocked(self.curvature):
            self.kind.setCurrentIndex(max(self.kind.findData(s.kind), 0))
            i = self.resolution.findData(s.resolution)
            if i < 0:
                self.resolution.addItem(f"{s.resolution} × {s.resolution}", s.resolution)
                i = self.resolution.count() - 1
            self.resolution.setCurrentIndex(i)
            self.split.setCurrentIndex(max(self.split.findData(s.split), 0))
            self.subset.setValue(s.subset)
            self.curvature.setChecked(s.curvature)
