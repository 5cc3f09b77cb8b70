"""The memory gate over time: LSTM forget gate f_t (GRU: update gate z_t).

Top: the gate of every hidden unit at every time step of the current model (mean over a batch
of training sequences), from 0 (forget) to 1 (keep). Bottom: the gate averaged over time steps
and units at every probed training step, so training opening (or closing) the gates shows as a
rising (falling) curve.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QLabel

from desktop_app.plots.base import PlotPanel, new_plot, set_range, style_colorbar, vline
from desktop_app.plots.clean import finite, finite_xy, fmt
from desktop_app.theme import BOUNDARY_CMAP, OKABE_ITO

GATE_COLOR = OKABE_ITO[2]     # bluish green
SYMBOLS = {"lstm": ("f", "forget gate f_t"), "gru": ("z", "update gate z_t")}
NO_GATES = ("A vanilla RNN has no gates: every step back multiplies the gradient by "
            "diag(φ′)·W_hh.\n\nChoose Kind LSTM or GRU (or press Compare) to see a gate that "
            "learns to keep its memory: f_t near 1 keeps c_(t−1), and its gradient, unchanged.")


class RnnGatePlot(PlotPanel):
    key = "rnn_memory_gate"
    title = "Memory gate over time"

    def __init__(self, theme, parent=None):
        super().__init__(theme, parent)
        self.top = new_plot(self.view, 0, 0, grid=False)
        self.top.setLabel("bottom", "time step t")
        self.top.setLabel("left", "hidden unit")
        self.image = pg.ImageItem(axisOrder="col-major")
        self.top.addItem(self.image)
        self.bar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get(BOUNDARY_CMAP),
                                   interactive=False, label="f_t", width=14)
        self.bar.setImageItem(self.image, insert_in=self.top)
        self.bottom = new_plot(self.view, 1, 0)
        self.bottom.setLabel("bottom", "training step")
        self.bottom.setLabel("left", "mean f_t")
        self.view.ci.layout.setRowStretchFactor(0, 3)
        self.view.ci.layout.setRowStretchFactor(1, 2)
        self.mean = self.bottom.plot([], [])
        self.half = pg.InfiniteLine(pos=0.5, angle=0, movable=False, label="0.5 = σ(0)",
                                    labelOpts={"position": 0.92})
        self.half.setZValue(-5)
        self.bottom.addItem(self.half)
        self.placeholder = QLabel(NO_GATES)
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignCenter)
        self.placeholder.setMargin(12)
        self.layout().insertWidget(2, self.placeholder, 1)
        self.kind = "rnn"
        self.gates = None          # (T, H)
        self.gates_step = None
        self.div_line = None
        self._labels()
        self._style()

    def plot_items(self):
        return [self.top, self.bottom]

    @property
    def symbol(self) -> str:
        return SYMBOLS.get(self.kind, ("f", "forget gate f_t"))[0]

    @property
    def gate_name(self) -> str:
        return SYMBOLS.get(self.kind, ("f", "forget gate f_t"))[1]

    def apply_theme(self, theme):
        super().apply_theme(theme)
        self._style()
        self.placeholder.setStyleSheet(f"color: {theme.fg}; font-size: {theme.title_pt:g}pt;")

    def _style(self) -> None:
        t = self.theme
        self.mean.setPen(pg.mkPen(GATE_COLOR, width=t.pen_width))
        self.half.setPen(pg.mkPen(t.muted, width=1, style=Qt.DashLine))
        self.half.label.setColor(t.muted)
        style_colorbar(self.bar, t, f"{self.symbol}_t (1 = keep)")

    def _labels(self) -> None:
        s = self.symbol
        self.top.setLabel("bottom", "time step t")
        self.bottom.setLabel("left", f"mean {s}<sub>t</sub>")
        self.title_label.setText(f"Memory gate over time: {self.gate_name}"
                                 if self.kind in SYMBOLS else "Memory gate over time")
        gated = self.kind in SYMBOLS
        self.view.setVisible(gated)
        self.placeholder.setVisible(not gated)
        from desktop_app.theme import style_plot_item

        for p in self.plot_items():
            style_plot_item(p, self.theme)

    def new_run(self, info, history):
        super().new_run(info, history)
        self.kind = info.config.model.kind
        self.gates, self.gates_step = None, None
        self.image.clear()
        self.mean.setData([], [])
        self._labels()
        self._style()
        self.mark_divergence(None)
        self._ranged_at = 0.0

    def set_gates(self, gates, step: int) -> None:
        self.gates, self.gates_step = gates, step
        self.dirty = True

    def mark_divergence(self, step):
        if self.div_line is not None:
            self.bottom.removeItem(self.div_line)
            self.div_line = None
        if step is not None:
            self.div_line = vline(self.theme, f"diverged (step {step})")
            self.div_line.setPos(step)
            self.bottom.addItem(self.div_line)
        self.dirty = True

    def draw(self, history, rerange):
        if self.kind not in SYMBOLS:
            self.image.clear()
            self.mean.setData([], [])
            self.set_note("")
            self._table_fn = None
            return
        mat = history.layer_matrix("gate_t")
        steps = history.probe_steps("gate_t").astype(np.float64)
        mean_t = finite(mat.mean(axis=1)) if len(mat) else np.empty(0)
        self.mean.setData(*finite_xy(steps, mean_t))
        g = self.gates
        notes = []
        if g is not None:
            img = finite(g)
            T, H = img.shape
            self.image.setImage(np.nan_to_num(img, nan=0.5), levels=(0.0, 1.0), autoLevels=False)
            self.image.setRect(QRectF(0.5, -0.5, T, H))
            open_share = float(np.nanmean(img > 0.9)) * 100
            notes.append(f"Step {self.gates_step}: mean {self.symbol}_t = {fmt(np.nanmean(img), 2)}, "
                         f"{open_share:.0f}% of unit-steps above 0.9 (open).")
            if rerange:
                set_range(self.top, x=(0.5, T + 0.5), sticky=False)
                set_range(self.top, y=(-0.5, H - 0.5), sticky=False)
        else:
            self.image.clear()
        if len(mean_t):
            notes.append(f"Bottom: mean over t and units, from {fmt(mean_t[0], 2)} at step "
                         f"{int(steps[0])} to {fmt(mean_t[-1], 2)} now.")
        self.set_note(" ".join(notes) or "Waiting for the gates…")
        self._table_fn = lambda: (["step", f"mean_{self.symbol}_t"] +
                                  [f"{self.symbol}_t_{i + 1}" for i in range(mat.shape[1])],
                                  np.column_stack([steps, mean_t, mat]).tolist() if len(mat) else [])
        if rerange and len(steps):
            s0, s1 = float(steps[0]), max(float(steps[-1]), float(steps[0]) + 10)
            set_range(self.bottom, x=(s0, s1), grow_x=1.25)
            set_range(self.bottom, y=(0.0, 1.02), sticky=False)
