"""LossAccuracyPanel: loss (log axis) above accuracy (%), sharing the training-step axis.

The deep lab's and the recurrent lab's loss panels both build on it: the same five curves in
the same colours (each step's batch loss, faint; train loss on the whole set and test loss,
measured every train.eval_every steps; their accuracies) and a divergence marker on both
plots. Subclasses add their own items (the train/test gap, the no-memory baseline, the
RNN/LSTM/GRU comparison) and style them in `_style` after these.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from desktop_app.plots.base import PlotPanel, new_plot, set_range
from desktop_app.plots.clean import span
from desktop_app.theme import TEST_COLOR, TRAIN_COLOR


class LossAccuracyPanel(PlotPanel):
    def __init__(self, theme, parent=None):
        super().__init__(theme, parent)
        self.top = new_plot(self.view, 0, 0, log_y=True)
        self.bottom = new_plot(self.view, 1, 0)
        self.bottom.setXLink(self.top)
        self.view.ci.layout.setRowStretchFactor(0, 3)
        self.view.ci.layout.setRowStretchFactor(1, 2)
        self.top.setLabel("left", "loss")
        self.bottom.setLabel("left", "accuracy (%)")
        self.bottom.setLabel("bottom", "training step")
        self.batch = self.top.plot([], [])
        self.batch.setClipToView(True)
        self.batch.setDownsampling(auto=True, method="peak")
        self.train = self.top.plot([], [])
        self.test = self.top.plot([], [])
        self.train_acc = self.bottom.plot([], [])
        self.test_acc = self.bottom.plot([], [])
        self.watch_growth()          # room to the right for the next steps only while they arrive

    def plot_items(self):
        return [self.top, self.bottom]

    def apply_theme(self, theme):
        super().apply_theme(theme)
        self._style()

    def _style(self) -> None:
        faint = pg.mkColor(TRAIN_COLOR)
        faint.setAlpha(110)
        self.batch.setPen(pg.mkPen(faint, width=1))
        for item, color in ((self.train, TRAIN_COLOR), (self.test, TEST_COLOR),
                            (self.train_acc, TRAIN_COLOR), (self.test_acc, TEST_COLOR)):
            item.setPen(pg.mkPen(color, width=1))
            item.setSymbol("o")
            item.setSymbolSize(max(self.theme.symbol_size - 2, 4))
            item.setSymbolBrush(color)
            item.setSymbolPen(None)

    def mark_divergence(self, step):
        self.place_divergence_lines(step, (self.top, self.bottom))

    def fit_x(self, last_step: float) -> None:
        """Show the steps so far (at least 10): while records arrive, with room on the right
        for the next ones (re-ranged only every few hundred steps); once they stop (paused,
        finished; a forced re-range, the screenshot's final picture), ending at the last."""
        self.fit_steps(self.top, 0.0, max(last_step, 10.0))

    def fit_y(self, losses: list) -> None:
        """Fit the loss axis to the arrays `losses` (log scale) and show 0–100 % accuracy."""
        yr = span(np.concatenate(losses), log=True, pad=0.05, min_span=0.5)
        if yr:
            set_range(self.top, y=yr)
        set_range(self.bottom, y=(0, 102))
