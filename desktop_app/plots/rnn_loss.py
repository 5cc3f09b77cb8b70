"""Loss and accuracy of the recurrent run, or of RNN vs LSTM vs GRU on the same task and seed.

"This run": the batch loss every step, train (whole set) and test loss every eval_every steps,
and the loss of a network without memory: the best constant prediction fitted on the training
targets (adding: their mean; copy: the symbols' frequencies, about chance ln K), evaluated on
the training set and on the test set — two dashed lines in the train and test colours, so each
curve has its own bar to beat (the test set's is not the training targets' variance). Accuracy
(copy task only; the adding problem is a regression, and the title is then just "Loss").
"RNN vs LSTM vs GRU": the comparison's three runs overlaid (colour and line style per kind),
with the test set's no-memory line (the curves are test losses).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from core.analysis.recurrent_series import no_memory_loss
from desktop_app.plots.base import ModePanel, set_range
from desktop_app.plots.clean import finite, finite_xy, fmt, positive
from desktop_app.plots.loss_accuracy import LossAccuracyPanel
from desktop_app.plots.rnn_key import KeyRow, caption
from desktop_app.theme import TEST_COLOR, TRAIN_COLOR

# Kind → (colour, line style, symbol): Okabe-Ito colours, and style/symbol as a second cue.
KIND_STYLE = {"rnn": ("#D55E00", Qt.SolidLine, "t"), "lstm": ("#0072B2", Qt.DashLine, "o"),
              "gru": ("#009E73", Qt.DashDotLine, "s")}
KIND_GLYPH = {"rnn": "line_triangle", "lstm": "dash_point", "gru": "dashdot_square"}
RUN_TITLES = {True: "Loss and accuracy", False: "Loss"}      # classification: accuracy too


class RnnLossPlot(ModePanel, LossAccuracyPanel):
    key = "rnn_loss"
    title = "Loss and accuracy"

    def __init__(self, theme, parent=None):
        super().__init__(theme, parent)
        self.add_mode_box([(RUN_TITLES[True], "run", "Loss, accuracy", "Loss, acc."),
                           ("Loss: RNN vs LSTM vs GRU", "compare", "RNN vs LSTM vs GRU",
                            "RNN/LSTM/GRU", "Loss by kind")],
                          "This run's loss, or the comparison of the three kinds of "
                          "recurrent net on the same task and seed (Compare button)")
        self.key_row = KeyRow(self)
        # The no-memory loss on the training set and on the test set (dashed, in their colours).
        self.baseline = pg.InfiniteLine(angle=0, movable=False)
        self.baseline_test = pg.InfiniteLine(angle=0, movable=False)
        # Above the faint batch curve (it hid them), below the train and test curves.
        self.batch.setZValue(-10)
        for line in (self.baseline, self.baseline_test):
            line.setZValue(-5)
            self.top.addItem(line)
        self.kind_batch = {k: self.top.plot([], []) for k in KIND_STYLE}
        for item in self.kind_batch.values():
            item.setZValue(-10)
        self.kind_test = {k: self.top.plot([], []) for k in KIND_STYLE}
        self.kind_acc = {k: self.bottom.plot([], []) for k in KIND_STYLE}
        self.classification = False
        self.baseline_value = math.nan        # no-memory loss on the training set
        self.baseline_test_value = math.nan   # … on the test set
        self.baseline_text = ""
        self.clip = 0.0
        self.comparison: list = []
        self.comparison_running = False
        self.compare_note = ""
        self._style()
        self._mode_changed()

    def apply_theme(self, theme):
        super().apply_theme(theme)
        self._legend()

    def _style(self) -> None:
        super()._style()
        t = self.theme
        self.baseline.setPen(pg.mkPen(TRAIN_COLOR, width=t.pen_width, style=Qt.DashLine))
        self.baseline_test.setPen(pg.mkPen(TEST_COLOR, width=t.pen_width, style=Qt.DashLine))
        for k, (color, style, sym) in KIND_STYLE.items():
            c = pg.mkColor(color)
            c.setAlpha(70)
            self.kind_batch[k].setPen(pg.mkPen(c, width=1))
            for item in (self.kind_test[k], self.kind_acc[k]):
                item.setPen(pg.mkPen(color, width=t.pen_width, style=style))
                item.setSymbol(sym)
                item.setSymbolSize(t.symbol_size)
                item.setSymbolBrush(color)
                item.setSymbolPen(None)

    def _mode_changed(self) -> None:
        run = self.mode == "run"
        for item in (self.batch, self.train, self.test, self.train_acc, self.test_acc):
            item.setVisible(run)
        for d in (self.kind_batch, self.kind_test, self.kind_acc):
            for item in d.values():
                item.setVisible(not run)
        self._show_baselines()
        self._legend()
        self.invalidate()

    def _legend(self) -> None:
        t = self.theme
        if self.mode == "run":
            entries = [(TRAIN_COLOR, "solid", "batch (faint)"), (TRAIN_COLOR, "line_point", "train"),
                       (TEST_COLOR, "line_point", "test")]
            if _ok(self.baseline_value):
                entries.append((TRAIN_COLOR, "dash", "no memory, train"))
            if _ok(self.baseline_test_value):
                entries.append((TEST_COLOR, "dash", "no memory, test"))
        else:
            shown = {c.kind for c in self.comparison} or set(KIND_STYLE)
            entries = [(KIND_STYLE[k][0], KIND_GLYPH[k], f"{k.upper()} test")
                       for k in KIND_STYLE if k in shown]
            entries.append((t.muted, "solid", "faint: batch"))
            if _ok(self.baseline_test_value):
                entries.append((TEST_COLOR, "dash", "no memory, test"))
        self.key_row.set(entries, t)

    def _show_baselines(self) -> None:
        """The dashed no-memory lines: train and test in "this run"; the comparison's curves
        are test losses, so only the test line there."""
        run = self.mode == "run"
        for line, value, shown in ((self.baseline, self.baseline_value, run),
                                   (self.baseline_test, self.baseline_test_value, True)):
            ok = shown and _ok(value)
            line.setVisible(ok)
            if ok:
                line.setPos(math.log10(value))          # log axis: log10 units

    def _baseline_values(self, run: bool) -> list[float]:
        """The no-memory losses drawn in this mode (for the y range)."""
        values = [self.baseline_value, self.baseline_test_value] if run else \
            [self.baseline_test_value]
        return [v for v in values if _ok(v)]

    def baseline_note(self) -> str:
        """'No memory: train 0.173, test 0.156.' (the short caption's part)."""
        parts = [f"{name} {fmt(v)}" for name, v in (("train", self.baseline_value),
                                                    ("test", self.baseline_test_value))
                 if _ok(v)]
        return f"No memory: {', '.join(parts)}." if parts else ""

    # ---- from the lab -------------------------------------------------------------------
    def new_run(self, info, history):
        super().new_run(info, history)
        ds = info.dataset
        self.classification = bool(ds.is_classification)
        self.mode_box.setItemText(self.mode_box.findData("run"), RUN_TITLES[self.classification])
        self.top.setLabel("left", "cross-entropy (nats)" if self.classification else "MSE loss")
        self.show_accuracy(self.classification)
        k = int(ds.n_outputs)
        self.baseline_value, self.baseline_test_value = no_memory_loss(
            ds.y_train, ds.y_test, self.classification, k)
        if self.classification:
            self.baseline_text = (f"predicting the training set's symbol frequencies at every "
                                  f"step (about chance, ln {k} = {fmt(math.log(k))}, when the "
                                  "symbols are equally frequent)")
        else:
            self.baseline_text = "predicting the training targets' mean whatever the input"
        self._show_baselines()
        self._legend()
        self.mark_divergence(None)

    def set_clip(self, clip: float) -> None:
        if clip != self.clip:
            self.clip = float(clip)
            self.dirty = True

    def set_comparison(self, curves: list, running: bool, note: str = "") -> None:
        kinds_before = {c.kind for c in self.comparison}
        self.comparison, self.comparison_running, self.compare_note = list(curves), running, note
        if {c.kind for c in self.comparison} != kinds_before:
            self._legend()
        self.dirty = True

    def show_comparison(self) -> None:
        i = self.mode_box.findData("compare")
        if self.mode_box.currentIndex() != i:
            self.mode_box.setCurrentIndex(i)

    def mark_divergence(self, step):
        # On both plots whatever the mode: draw() shows them in "this run" and hides them in
        # the comparison, so switching modes after a divergence keeps the marker.
        self.place_divergence_lines(step, (self.top, self.bottom))

    # ---- drawing ----------------------------------------------------------------------------
    def draw(self, history, rerange):
        if self.mode == "run":
            for _plot, line in self.div_lines:
                line.setVisible(True)
            self._draw_run(history, rerange)
        else:
            for _plot, line in self.div_lines:
                line.setVisible(False)
            self._draw_compare(rerange)

    def _draw_run(self, history, rerange):
        steps = history.column("step")
        if len(steps) == 0:
            self._table_fn = None
            return
        loss = positive(history.column("loss"))
        self.batch.setData(*finite_xy(steps, loss))
        few = len(steps) <= 30                       # a run that diverged at once: show the points
        self.batch.setSymbol("o" if few else None)
        if few:
            self.batch.setSymbolSize(max(self.theme.symbol_size - 2, 4))
            self.batch.setSymbolBrush(TRAIN_COLOR)
            self.batch.setSymbolPen(None)
        tl = positive(history.column("eval_train_loss"))
        vl = positive(history.column("test_loss"))
        self.train.setData(*finite_xy(steps, tl))
        self.test.setData(*finite_xy(steps, vl))
        ta = 100 * finite(history.column("eval_train_acc"))
        va = 100 * finite(history.column("test_acc"))
        self.train_acc.setData(*finite_xy(steps, ta))
        self.test_acc.setData(*finite_xy(steps, va))
        notes = []
        evals = np.flatnonzero(np.isfinite(vl))
        if len(evals):
            i = evals[-1]
            text = f"Step {int(steps[i])}: train {fmt(tl[i])}, test {fmt(vl[i])}"
            if self.classification and np.isfinite(va[i]):
                text += f" ({ta[i]:.0f}% / {va[i]:.0f}% correct)"
            notes.append(text + ".")
        if self.baseline_note():
            notes.append(self.baseline_note())
        clipped = history.column("clipped")
        # Optimizer steps only: the step-0 probe record carries a clipped flag too (it measures
        # the gradient at initialization but makes no update), which clipped_steps() counts.
        n_clipped = int(np.count_nonzero((clipped > 0) & (steps > 0)))
        if self.clip > 0 or n_clipped:
            n = int(np.count_nonzero(steps > 0))
            clip = f"at ‖g‖ = {self.clip:g}" if self.clip > 0 else "clipping now off"
            notes.append(f"Clipped steps: {n_clipped} of {n} ({clip}).")
        if self.div_step is not None:
            notes.append(f"Diverged at step {self.div_step}.")
        caption(self, " ".join(notes),
                "Batch: the loss of each step's own batch. Train (whole training set) and test "
                "are measured every train.eval_every steps. Dashed: the loss of a network "
                f"without memory — {self.baseline_text} — on the training set "
                f"({fmt(self.baseline_value)}) and on the test set "
                f"({fmt(self.baseline_test_value)}): compare each curve with the line in its "
                "own colour. Clipping "
                "rescales the gradient to norm ≤ clip before the update; the count is of "
                "optimizer steps whose gradient was larger.")
        self._table_fn = lambda: (["step", "batch_loss", "train_loss", "test_loss", "train_acc_pct",
                                   "test_acc_pct", "clipped"],
                                  np.column_stack([steps, loss, tl, vl, ta, va, clipped]).tolist())
        if rerange:
            self.fit_x(float(steps[-1]))
            self.fit_y([loss[-20000:], tl, vl, np.asarray(self._baseline_values(True))])

    def _draw_compare(self, rerange):
        by_kind = {c.kind: c for c in self.comparison}
        header, cols, ys, last = ["kind", "step", "batch_loss", "test_loss", "test_acc_pct"], [], [], 10.0
        parts = []
        for k in KIND_STYLE:
            c = by_kind.get(k)
            if c is None:
                for d in (self.kind_batch, self.kind_test, self.kind_acc):
                    d[k].setData([], [])
                continue
            a = c.arrays()
            loss, tl = positive(a["loss"]), positive(a["test_loss"])
            self.kind_batch[k].setData(*finite_xy(a["steps"], loss))
            self.kind_test[k].setData(*finite_xy(a["eval_steps"], tl))
            self.kind_acc[k].setData(*finite_xy(a["eval_steps"], 100 * finite(a["test_acc"])))
            ys += [loss, tl]
            if len(a["steps"]):
                last = max(last, float(a["steps"][-1]))
            if c.error:
                parts.append(f"{k.upper()} failed ({c.error})")
            elif c.diverged is not None:
                parts.append(f"{k.upper()} diverged at step {c.diverged}")
            elif len(tl):
                parts.append(f"{k.upper()} {fmt(tl[-1])} (step {int(a['eval_steps'][-1])})")
            elif not c.done:
                parts.append(f"{k.upper()} training…")
            acc = {int(s): v for s, v in zip(a["eval_steps"], a["test_acc"], strict=True)}
            test = {int(s): v for s, v in zip(a["eval_steps"], a["test_loss"], strict=True)}
            for s, v in zip(a["steps"], a["loss"], strict=True):
                cols.append([k, int(s), v, test.get(int(s), math.nan),
                             100 * acc.get(int(s), math.nan)])
        if not self.comparison:
            caption(self, "Press “Compare RNN · LSTM · GRU” (left) to train the three kinds on "
                          "this task with this seed.")
        else:
            state = "Running… " if self.comparison_running else ""
            base = (f" No memory, test: {fmt(self.baseline_test_value)}."
                    if _ok(self.baseline_test_value) else "")
            caption(self, f"{state}Test loss: " + ", ".join(parts) + "." + base,
                    "Three networks trained one after the other on the same task, seed, "
                    "initialization and optimizer; only model.kind differs. Lines with markers: "
                    "test loss every train.eval_every steps; faint: each step's batch loss; "
                    f"dashed: the test loss of a network without memory ({self.baseline_text}). "
                    + self.compare_note)
        self._table_fn = lambda: (header, cols)
        if rerange and ys:
            set_range(self.top, x=(0.0, last), grow_x=1.05, sticky=self.comparison_running)
            self.fit_y(ys + [np.asarray(self._baseline_values(False))])


def _ok(value: float) -> bool:
    """A loss that a log axis can show."""
    return math.isfinite(value) and value > 0
