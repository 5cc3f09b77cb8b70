"""1-D slices through the current weights: L(θ + αδ) and L(θ + βη), train and test.

Along Hessian directions a saddle shows at once: the curve along δ (top eigenvector) bends up,
the one along η (lowest eigenvector) bends down. Drawn from the same LandscapeFrame as the map.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from desktop_app.plots.base import PlotPanel, new_plot, set_range
from desktop_app.plots.clean import finite, positive, span
from desktop_app.plots.rnn_key import KeyRow
from desktop_app.theme import TEST_COLOR, TRAIN_COLOR


def _color(label: str) -> str:
    return TRAIN_COLOR if label.startswith("train") else TEST_COLOR


class LandscapeSlicePlot(PlotPanel):
    key = "loss_slice"
    title = "1-D slices through θ"
    short_title = "1-D slices"

    def __init__(self, theme, parent=None):
        super().__init__(theme, parent)
        self.frame = None
        self.log = False
        self.plot = new_plot(self.view, log_y=True)
        self.plot.setLogMode(False, False)     # the log axis only labels when log is on
        self.plot.setLabel("bottom", "α along δ, β along η")
        self.plot.setLabel("left", "loss (nats)")
        self.key_row = KeyRow(self)     # above the plot; it wraps where the panel is narrow
        self.curves = []
        self.here = pg.InfiniteLine(angle=90, movable=False)
        self.plot.addItem(self.here)
        # A PlotDataItem (not a ScatterPlotItem): it follows the log y axis like the curves.
        self.centre = pg.PlotDataItem([], [], pen=None, symbol="star", symbolSize=16)
        self.centre.setZValue(10)
        self.plot.addItem(self.centre)

    def plot_items(self):
        return [self.plot]

    def apply_theme(self, theme):
        super().apply_theme(theme)
        self.here.setPen(pg.mkPen(theme.muted, width=1, style=Qt.DotLine))
        self.centre.setSymbolPen(pg.mkPen(theme.ink, width=1.5))
        self.centre.setSymbolBrush(pg.mkBrush(theme.bg))
        self.centre.setSymbolSize(theme.symbol_size * 3)
        self._restyle()

    def new_run(self, info, history):
        super().new_run(info, history)
        self.frame = None
        for c in self.curves:
            c.setData([], [])
        self.centre.setData([], [])
        self._table_fn = None

    def records_added(self, history, records) -> None:
        """Redrawn only when a new landscape arrives."""

    def set_frame(self, frame) -> None:
        self.frame = frame
        self.dirty = True

    def set_log(self, log: bool) -> None:
        self.log = bool(log)
        self.plot.setLogMode(False, self.log)
        self.invalidate()

    def _restyle(self) -> None:
        w = self.theme.pen_width
        for c in self.curves:
            label = c.opts.get("name") or ""
            style = Qt.DashLine if label.endswith("η") else Qt.SolidLine
            train = label.startswith("train")
            # Test under train and wider: where the two coincide both stay visible.
            c.setPen(pg.mkPen(_color(label), width=w if train else w + 2, style=style))
            c.setZValue(2 if train else 1)
        self.key_row.set([(_color(label), "dash" if label.endswith("η") else "solid", label)
                          for label in (c.opts.get("name") or "" for c in self.curves)],
                         self.theme)

    def _curves_for(self, labels: list[str]) -> None:
        if [c.opts.get("name") for c in self.curves] == labels:
            return
        for c in self.curves:
            self.plot.removeItem(c)
        self.curves = [self.plot.plot([], [], name=label) for label in labels]
        self._restyle()

    def draw(self, history, rerange):
        f = self.frame
        if f is None:
            return
        labels = list(f.lines)
        self._curves_for(labels)
        clean = positive if self.log else finite
        ys = []
        for c, label in zip(self.curves, labels, strict=True):
            x, y = f.lines[label]
            y = clean(y)
            keep = np.isfinite(y)
            c.setData(np.asarray(x)[keep], y[keep])
            ys.append(y)
        centre = clean([f.centre_loss])
        if np.isfinite(centre[0]):
            self.centre.setData([0.0], [float(centre[0])])
        else:
            self.centre.setData([], [])
        a = f.alphas
        set_range(self.plot, x=(float(min(a[0], f.betas[0])), float(max(a[-1], f.betas[-1]))),
                  sticky=False)
        yr = span(np.concatenate(ys + [centre]), log=self.log, pad=0.1)
        if yr:
            set_range(self.plot, y=yr, sticky=False)
        self.set_note("★ the current weights. A curve bending down through ★: negative "
                      "curvature (a saddle).")
        header = ["step_along_direction"] + labels
        cols = [np.asarray(f.lines[label][1]) for label in labels]
        n = min(len(a), *(len(c) for c in cols))
        self._table_fn = lambda: (header, np.column_stack([a[:n]] + [c[:n] for c in cols]).tolist())
