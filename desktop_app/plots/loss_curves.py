"""Plot 4: loss (log scale) and accuracy over training, train and test, with the gap shaded,
and the step of the lowest test loss so far marked (what early stopping keys on)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from core.training.early_stop import EarlyStopper
from desktop_app.plots.base import Band, fit_line_label
from desktop_app.plots.clean import finite, finite_xy, fmt, positive
from desktop_app.plots.loss_accuracy import LossAccuracyPanel, batch_color
from desktop_app.plots.numfmt import diff
from desktop_app.plots.rnn_key import KeyRow
from desktop_app.theme import OKABE_ITO, TEST_COLOR, TRAIN_COLOR, blend

BEST_COLOR = OKABE_ITO[2]      # bluish green: good news, apart from the test curve's vermillion
# The marker's label, longest first: the longest that fits beside the line is shown.
BEST_LABELS = ("best test loss, step {value:.0f}", "best, step {value:.0f}", "best")


def best_line(label: bool) -> pg.InfiniteLine:
    """A dotted vertical marker at the step of the lowest test loss (labelled on the top plot)."""
    line = pg.InfiniteLine(angle=90, movable=False,
                           pen=pg.mkPen(BEST_COLOR, width=2, style=Qt.DotLine),
                           label=BEST_LABELS[0] if label else None,
                           labelOpts={"position": 0.93, "color": BEST_COLOR,
                                      "anchors": [(0, 0.5), (0, 0.5)]})
    line.setZValue(15)
    line.hide()
    return line


class LossCurvesPlot(LossAccuracyPanel):
    key = "loss_curves"
    title = "Loss and accuracy"
    short_title = "Loss, accuracy"

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
        self.patience = 0            # train.early_stop: the caption says when it ended the run
        self.augment = False         # data.augment_noise > 0: the batch loss is on noisy copies
        self.early = EarlyStopper()  # best test loss so far, replayed from the history
        self.best_lines = [(self.top, best_line(True)), (self.bottom, best_line(False))]
        for plot, line in self.best_lines:
            plot.addItem(line)
        # The axes settle after a draw (their labels' widths): the label is fitted again.
        self.top.getViewBox().sigResized.connect(lambda *_: self._side_of_best_label())
        # What the key lists: every curve before the first draw, then only what is drawn
        # (a diverged run's whole-set loss is not finite: no train/test loss, no gap).
        self.shown: tuple[bool, str, bool] | None = None   # (batch, "loss"|"acc"|"", gap)
        self._style()

    def _style(self) -> None:
        super()._style()
        gap = pg.mkColor(TEST_COLOR)
        gap.setAlpha(45)
        self.gap.setBrush(pg.mkBrush(gap))
        font = QFont()
        font.setPointSizeF(self.theme.tick_pt)    # the label grows with presentation mode
        for _plot, line in self.best_lines:
            if getattr(line, "label", None) is not None:   # only the labelled one has it
                line.label.setFont(font)
        self._set_key()

    def _set_key(self) -> None:
        batch, whole, gap = self.shown if self.shown is not None else (True, "loss", True)
        color, alpha = batch_color(self.theme)
        name = "batch (noisy)" if self.augment else "batch"
        entries = [(blend(color, self.theme.bg, alpha / 255), "solid", name)] if batch else []
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
        self.patience = info.config.train.early_stop
        # The step whose weights early stopping loaded into the net, as the trainer says (None:
        # the last step's): a session saved before the roll-back existed stops without one.
        self.rolled_back = info.rolled_back
        self.set_augment(info.config.data.augment_noise)
        self.top.setLabel("left", "MSE loss" if self.regression else "loss (nats)")
        self.show_accuracy(not self.regression)
        self._restyle()
        self.mark_divergence(None)
        self._show_in_key(None)

    def records_added(self, history, records) -> None:
        super().records_added(history, records)
        for r in records:              # each new step moves the weights on from a roll-back
            stop = r.early_stop
            self.rolled_back = stop.best_step if stop is not None and stop.restored else None

    def early_stopped(self, stop) -> None:
        """Early stopping ended the run; from a lowered patience no step record says so."""
        self.rolled_back = stop.best_step if stop.restored else None
        self.dirty = True

    def set_patience(self, patience: int) -> None:
        """train.early_stop changed (live): the caption follows."""
        if patience != self.patience:
            self.patience = patience
            self.dirty = True

    def set_augment(self, noise: float) -> None:
        """data.augment_noise changed (live): the key names the batch loss the loss on the
        noisy copies (the train and test curves are on the clean data)."""
        if (noise > 0) != self.augment:
            self.augment = noise > 0
            self._set_key()

    @property
    def best_step(self) -> int | None:
        """Step of the lowest test loss so far, where the marker stands (None: no evaluation)."""
        return self.early.best_step

    def _mark_best(self, history) -> None:
        self.early = EarlyStopper.from_history(history)
        step = self.early.best_step
        # Not on a diverged run: its label lay over the divergence marker's, and the lowest
        # loss before an overflow says nothing. Not while the newest evaluation is the best:
        # it would sit on the curves' right end and move with every evaluation; it appears
        # when the test loss stops improving, which is what it is there to show.
        shown = self._best_shown()
        for _plot, line in self.best_lines:
            line.setVisible(shown)
            if step is not None and line.value() != step:
                line.setValue(step)
            elif shown and getattr(line, "label", None) is not None:
                line.label.valueChanged()    # a hidden label skipped the last value change

    def _best_shown(self) -> bool:
        """Whether the best-test-loss marker is drawn (see _mark_best)."""
        es = self.early
        return es.best_step is not None and self.div_step is None and es.since > 0

    def _best_detail(self, stop) -> str:
        """The caption's tooltip: what the green line is and what early stopping does."""
        es = self.early
        if not self._best_shown():                                  # no line drawn
            return ""
        text = (f"The green vertical line marks the lowest test loss so far: {fmt(es.best_loss)} "
                f"at step {es.best_step}, {es.since} evaluation{'s' * (es.since != 1)} ago. "
                "Early stopping (the patience, train.early_stop) ends the run when the test "
                "loss has not beaten its best for that many evaluations in a row; the test set "
                "plays the validation set.")
        if stop is not None and self.rolled_back != stop.best_step:
            text += (f" The run ended at step {stop.step}. The weights of step {stop.best_step} "
                     "were not kept (the session was saved by a GradLab without the roll-back), "
                     f"so the network keeps step {stop.step}'s. To go on, raise the patience (or "
                     "set it to off), or Reset for a fresh network.")
        elif stop is not None:
            # Only panels computed from the net itself follow the roll-back; the gradient and
            # activation panels are measurements taken at each step, like the curves.
            text += (f" The run ended at step {stop.step}, and the network was rolled back to "
                     f"the weights of step {stop.best_step}: the panels drawn from the network "
                     f"(decision boundary, landscape) now show step {stop.best_step}'s net, "
                     f"while the curves and the gradient and activation panels show step "
                     f"{stop.step}'s measurements. To go on from there, raise the patience (or "
                     "set it to off), or Reset for a fresh network.")
        return text

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
        self._mark_best(history)
        # A diverged run was ended by its divergence: a patience lowered after it ends nothing
        # and rolls nothing back (Trainer.stopped is None then).
        stop = self.early.stop(self.patience) if self.div_step is None else None
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
            if stop is not None:      # first: a cut caption keeps it
                back = (f" and rolled the net back to step {stop.best_step}"
                        if self.rolled_back == stop.best_step else "")
                text = (f"Early stopping ended the run at step {stop.step}{back}: no lower test "
                        f"loss in {stop.evaluations} evaluations (patience {stop.patience}). "
                        + text)
            self.set_note(text + ".", self._best_detail(stop))
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
        self._side_of_best_label()

    def _side_of_best_label(self) -> None:
        """The label beside its line where there is room, as long as fits (fit_line_label):
        a run early-stopped a few evaluations after its best put it past the plot's right
        edge, and in a narrow panel "best test loss, step 140" ran past the left one."""
        step = self.early.best_step
        if step is not None:
            fit_line_label(self.top, self.best_lines[0][1],
                           [t.format(value=step) for t in BEST_LABELS])

