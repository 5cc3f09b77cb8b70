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
from PySide6.QtCore import QEvent

from desktop_app.plots.base import PlotPanel, new_plot, set_range, share_left_width
from desktop_app.plots.clean import span
from desktop_app.theme import OKABE_ITO, TEST_COLOR, TRAIN_COLOR

ACCURACY_SHARE = 0.27          # of the view's height, the accuracy plot's (see accuracy_label)
ACCURACY_LABELS = ("accuracy (%)", "acc. (%)")


def batch_color(theme) -> tuple[str, int]:
    """The faint per-step batch loss curve's colour and alpha: blue on light, sky blue and
    stronger on dark (where the faint blue all but vanished)."""
    return (OKABE_ITO[5], 170) if theme.dark else (TRAIN_COLOR, 110)


class LossAccuracyPanel(PlotPanel):
    def __init__(self, theme, parent=None):
        super().__init__(theme, parent)
        self.top = new_plot(self.view, 0, 0, log_y=True)
        self.bottom = new_plot(self.view, 1, 0)
        self.bottom.setXLink(self.top)
        share_left_width(self.top, self.bottom)    # the two step axes line up (see there)
        self.view.ci.layout.setRowStretchFactor(0, 3)
        self.view.ci.layout.setRowStretchFactor(1, 2)
        self.top.setLabel("left", "loss")
        self.bottom.setLabel("left", "accuracy (%)")
        # 0, 50, 100 (and 25, 75 where they fit): with its end labels drawn, pyqtgraph's 20s
        # stacked six labels without a gap on the short plot.
        self.bottom.getAxis("left").setTickSpacing(50, 25)
        self.bottom.setLabel("bottom", "training step")
        self.wants_accuracy = True      # the data has an accuracy (show_accuracy)
        self.batch = self.top.plot([], [])
        self.batch.setClipToView(True)
        self.batch.setDownsampling(auto=True, method="peak")
        self.train = self.top.plot([], [])
        self.test = self.top.plot([], [])
        self.train_acc = self.bottom.plot([], [])
        self.test_acc = self.bottom.plot([], [])
        self.watch_growth()          # room to the right for the next steps only while they arrive

    def show_accuracy(self, on: bool) -> None:
        """Whether the data has an accuracy to plot below the loss (not for regression)."""
        self.wants_accuracy = bool(on)
        self._place_accuracy()

    def accuracy_label(self) -> str | None:
        """The accuracy axis title that fits beside its plot, or None: then the view is too
        short for two plots. The accuracy plot gets about 0.27 of the view's height (measured:
        0.267–0.275 from 1280 × 800 to 1920 × 1080); a title longer than that ran into the loss
        plot's (the landscape lab at 1280 × 800 in presentation mode). The note still gives
        the accuracy when the plot is hidden."""
        from PySide6.QtGui import QFont, QFontMetrics

        font = QFont()
        font.setPointSizeF(self.theme.tick_pt + 1)
        room = ACCURACY_SHARE * self.view.height()
        fm = QFontMetrics(font)
        return next((t for t in ACCURACY_LABELS if fm.horizontalAdvance(t) + 4 <= room), None)

    def _place_accuracy(self) -> None:
        """Accuracy row on or off. A hidden item keeps its row (and its axes' minimum height)
        in a QGraphicsGridLayout, so it leaves the layout instead of only hiding."""
        label = self.accuracy_label()
        on = self.wants_accuracy and label is not None
        ci = self.view.ci
        inside = self.bottom in ci.items
        if on and not inside:
            ci.addItem(self.bottom, row=1, col=0)
            ci.layout.setRowStretchFactor(1, 2)
        elif not on and inside:
            ci.removeItem(self.bottom)
        self.bottom.setVisible(on)
        self.top.getAxis("left").share_apply()     # the loss axis alone: its own width
        if on and self.bottom.getAxis("left").labelText != label:
            self.bottom.setLabel("left", label)        # keeps the theme's label style
        # The step axis title goes with the lowest plot shown, in the theme's label style.
        t = self.theme
        if on:
            self.top.setLabel("bottom", None)
        else:
            self.top.setLabel("bottom", "training step",
                              **{"color": t.fg, "font-size": f"{t.tick_pt + 1:g}pt"})
        self.top.showAxis("bottom")

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if obj is self.view and event.type() == QEvent.Resize:
            self._place_accuracy()
        return super().eventFilter(obj, event)

    def plot_items(self):
        return [self.top, self.bottom]

    def apply_theme(self, theme):
        super().apply_theme(theme)
        self._style()
        self._place_accuracy()         # the titles' size changed

    def _style(self) -> None:
        color, alpha = batch_color(self.theme)
        faint = pg.mkColor(color)
        faint.setAlpha(alpha)
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
