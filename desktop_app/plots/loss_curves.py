"""Plot 4: loss (log scale) and accuracy over training, train and test, with the gap shaded."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from desktop_app.plots.base import Band, PlotPanel, legend, new_plot, set_range, swatch, vline
from desktop_app.plots.clean import finite, fmt, positive, span
from desktop_app.theme import TEST_COLOR, TRAIN_COLOR


def _xy(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = np.isfinite(y)
    return x[keep], y[keep]


class LossCurvesPlot(PlotPanel):
    key = "loss_curves"
    title = "Loss and accuracy"

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
        self.top_legend = legend(self.top, theme, columns=2)
        self.batch = self.top.plot([], [], name="batch")
        self.batch.setClipToView(True)
        self.batch.setDownsampling(auto=True, method="peak")
        self.train = self.top.plot([], [], name="train")
        self.test = self.top.plot([], [], name="test")
        self.gap = Band()        # in log10 units: the top plot has a log y axis
        self.gap.setZValue(-10)
        self.top.addItem(self.gap)
        self.gap_swatch = swatch(TEST_COLOR, "gap")
        self.top_legend.addItem(self.gap_swatch, "gap")
        # Same colours as the loss legend above: no second legend.
        self.train_acc = self.bottom.plot([], [])
        self.test_acc = self.bottom.plot([], [])
        self.div_lines = []
        self.regression = False
        self._style()

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
        gap = pg.mkColor(TEST_COLOR)
        gap.setAlpha(45)
        self.gap.setBrush(pg.mkBrush(gap))
        self.gap_swatch.setSymbolBrush(gap)

    def new_run(self, info, history):
        super().new_run(info, history)
        self.regression = not info.dataset.is_classification
        self.top.setLabel("left", "MSE loss" if self.regression else "loss (nats)")
        self.bottom.setVisible(not self.regression)
        self._restyle()
        self.mark_divergence(None)

    def _restyle(self) -> None:
        from desktop_app.theme import style_plot_item

        for p in self.plot_items():
            style_plot_item(p, self.theme)

    def mark_divergence(self, step):
        for plot, line in self.div_lines:
            plot.removeItem(line)
        self.div_lines = []
        if step is not None:
            for plot in (self.top, self.bottom):
                line = vline(self.theme, f"diverged (step {step})" if plot is self.top else "")
                line.setPos(step)
                plot.addItem(line)
                self.div_lines.append((plot, line))
        self.dirty = True

    def draw(self, history, rerange):
        steps = history.column("step")
        if len(steps) == 0:
            return
        loss = positive(history.column("loss"))
        self.batch.setData(*_xy(steps, loss))
        tl = positive(history.column("eval_train_loss"))
        vl = positive(history.column("test_loss"))
        both = np.isfinite(tl) & np.isfinite(vl)
        self.train.setData(steps[both], tl[both])
        self.test.setData(steps[both], vl[both])
        self.gap.set_data(steps[both], np.log10(tl[both]), np.log10(vl[both]))
        ta = 100 * finite(history.column("eval_train_acc"))
        va = 100 * finite(history.column("test_acc"))
        self.train_acc.setData(*_xy(steps, ta))
        self.test_acc.setData(*_xy(steps, va))
        if both.any():
            i = np.flatnonzero(both)[-1]
            text = (f"Step {int(steps[i])}: train loss {fmt(tl[i])} (whole set), test "
                    f"{fmt(vl[i])}, gap {fmt(vl[i] - tl[i], 2)}")
            if not self.regression and np.isfinite(ta[i]):
                text += f"; accuracy train {ta[i]:.1f}%, test {va[i]:.1f}%"
            self.set_note(text + ".")
        else:
            self.set_note("Train (whole set) and test loss are measured every "
                          "train.eval_every steps; 'batch' is each step's own batch.")
        self._table_fn = lambda: (["step", "batch_loss", "train_loss", "test_loss", "train_acc_pct",
                        "test_acc_pct"], np.column_stack([steps, loss, tl, vl, ta, va]).tolist())
        if rerange:
            last = float(steps[-1])
            set_range(self.top, x=(0.0, max(last, 10.0)), grow_x=1.25)
            yr = span(np.concatenate([loss[-20000:], tl, vl]), log=True, pad=0.05, min_span=0.5)
            if yr:
                set_range(self.top, y=yr)
            set_range(self.bottom, y=(0, 102))

