"""Plot 4: loss (log scale) and accuracy over training, train and test, with the gap shaded."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from desktop_app.plots.base import Band
from desktop_app.plots.clean import finite, finite_xy, fmt, positive
from desktop_app.plots.loss_accuracy import LossAccuracyPanel, batch_color
from desktop_app.plots.numfmt import diff
from desktop_app.plots.rnn_key import KeyRow
from desktop_app.theme import TEST_COLOR, TRAIN_COLOR, blend


class LossCurvesPlot(LossAccuracyPanel):
    key = "loss_curves"
    title = "Loss and accuracy"

    def __init__(self, theme, parent=None):
        super().__init__(theme, parent)
        # The key sits above the plots (a legend inside covered the curves it explained); the
        # accuracy curves have the same colours: no second key.
        self.key_row = KeyRow(self)
        self.gap = Band()        # in log10 units: the top plot has a log y axis
        self.gap.setZValue(-10)
        self.top.addItem(self.gap)
        self.regression = False
        self.eval_every = 1
        # What the key lists: every curve before the first draw, then only what is drawn
        # (a diverged run's whole-set loss is not finite: no train/test loss, no gap).
        self.shown: tuple[bool, str, bool] | None = None   # (batch, "loss"|"acc"|"", gap)
        self._style()

    def _style(self) -> None:
        super()._style()
        gap = pg.mkColor(TEST_COLOR)
        gap.setAlpha(45)
        self.gap.setBrush(pg.mkBrush(gap))
        self._set_key()

    def _set_key(self) -> None:
        batch, whole, gap = self.shown if self.shown is not None else (True, "loss", True)
        color, alpha = batch_color(self.theme)
        entries = [(blend(color, self.theme.bg, alpha / 255), "solid", "batch")] if batch else []
        if whole:
            # Only accuracies drawn: the key says so ("train" alone read as the loss).
            suffix = " acc." if whole == "acc" else ""
            entries += [(TRAIN_COLOR, "line_point", "train" + suffix),
                        (TEST_COLOR, "line_point", "test" + suffix)]
        if gap:
            entries.append((blend(TEST_COLOR, self.theme.bg, 0.35), "square", "gap"))
        self.key_row.set(entries, self.theme)

    def _show_in_key(self, shown: tuple[bool, str, bool] | None) -> None:
        if shown != self.shown:
            self.shown = shown
            self._set_key()

    def new_run(self, info, history):
        super().new_run(info, history)
        self.regression = not info.dataset.is_classification
        self.eval_every = info.config.train.eval_every
        self.top.setLabel("left", "MSE loss" if self.regression else "loss (nats)")
        self.show_accuracy(not self.regression)
        self._restyle()
        self.mark_divergence(None)
        self._show_in_key(None)

    def _restyle(self) -> None:
        from desktop_app.theme import style_plot_item

        for p in self.plot_items():
            style_plot_item(p, self.theme)

    def draw(self, history, rerange):
        steps = history.column("step")
        if len(steps) == 0:
            return
        loss = positive(history.column("loss"))
        self.batch.setData(*finite_xy(steps, loss))
        tl = positive(history.column("eval_train_loss"))
        vl = positive(history.column("test_loss"))
        both = np.isfinite(tl) & np.isfinite(vl)
        self.train.setData(steps[both], tl[both])
        self.test.setData(steps[both], vl[both])
        self.gap.set_data(steps[both], np.log10(tl[both]), np.log10(vl[both]))
        ta = 100 * finite(history.column("eval_train_acc"))
        va = 100 * finite(history.column("test_acc"))
        self.train_acc.setData(*finite_xy(steps, ta))
        self.test_acc.setData(*finite_xy(steps, va))
        # The gap is listed with the train and test loss: the band between them. Before the
        # first whole-set evaluation of a run that goes on, everything that will come.
        acc = self.bottom.isVisible() and bool(np.isfinite(ta).any() or np.isfinite(va).any())
        if both.any() or acc or self.div_step is not None:
            self._show_in_key((bool(np.isfinite(loss).any()),
                               "loss" if both.any() else "acc" if acc else "", bool(both.any())))
        else:
            self._show_in_key(None)
        if both.any():
            i = np.flatnonzero(both)[-1]
            text = (f"Step {int(steps[i])}: train loss {fmt(tl[i])} (whole set), test "
                    f"{fmt(vl[i])}, gap {diff(tl[i], vl[i])}")
            if not self.regression and np.isfinite(ta[i]):
                text += f"; accuracy train {ta[i]:.1f}%, test {va[i]:.1f}%"
            self.set_note(text + ".")
        elif np.isfinite(ta).any():
            i = np.flatnonzero(np.isfinite(ta))[-1]
            self.set_note(f"Step {int(steps[i])}: the whole-set loss is not finite (the net "
                          f"overflows); accuracy train {ta[i]:.1f}%, test {va[i]:.1f}%.")
        elif self.div_step is not None:
            self.set_note(f"The run diverged at step {self.div_step}, before a whole-set "
                          "evaluation; the faint curve is each step's own batch.")
        else:
            self.set_note(f"Train (whole set) and test loss are measured every "
                          f"{self.eval_every} steps; the faint curve is each step's own batch.")
        self._table_fn = lambda: (["step", "batch_loss", "train_loss", "test_loss", "train_acc_pct",
                        "test_acc_pct"], np.column_stack([steps, loss, tl, vl, ta, va]).tolist())
        if rerange:
            self.fit_x(float(steps[-1]))
            self.fit_y([loss[-20000:], tl, vl])

