"""What one time step does to the gradient: the memory gate (LSTM, GRU) or the step gain (RNN).

LSTM/GRU — top: the memory gate (LSTM forget gate f_t, GRU update gate z_t) of every hidden
unit at every time step of the current model, mean over a batch of training sequences, from 0
(forget) to 1 (keep); bottom: the gate averaged over time steps and units at every probed
training step, so training opening (or closing) the gates shows as a rising (falling) curve.

Vanilla RNN — top: the rms norm of the step Jacobian ∂h_t/∂h_(t−1) = diag(φ′(a_t))·W_hh at each
time step, against 1 and ρ; bottom: its geometric mean over t and ρ over training. The gain
includes φ′, so a tanh RNN at ρ ≥ 1 can still lose gradient at every step.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt

from desktop_app.plots.base import PlotPanel, new_plot, set_range, style_colorbar
from desktop_app.plots.clean import finite, finite_xy, fmt, span
from desktop_app.plots.rnn_key import KeyRow, caption
from desktop_app.plots.rnn_spectrum import rho_text
from desktop_app.plots.rnn_task import GATE_BATCH
from desktop_app.theme import BOUNDARY_CMAP, OKABE_ITO

GATE_COLOR = OKABE_ITO[2]     # bluish green
GAIN_COLOR = OKABE_ITO[2]
RHO_COLOR = OKABE_ITO[1]      # orange, as in the eigenvalue plot
SYMBOLS = {"lstm": ("f", "forget gate fₜ"), "gru": ("z", "update gate zₜ")}


class RnnGatePlot(PlotPanel):
    key = "rnn_memory_gate"
    title = "Memory gate over time"

    def __init__(self, theme, parent=None):
        super().__init__(theme, parent)
        self.key_row = KeyRow(self)
        self.top = new_plot(self.view, 0, 0, grid=False)
        self.image = pg.ImageItem(axisOrder="col-major")
        self.top.addItem(self.image)
        self.bar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get(BOUNDARY_CMAP),
                                   interactive=False, label="fₜ", width=14)
        self.bar.setImageItem(self.image, insert_in=self.top)
        self.bar_label = ""
        self.jac = self.top.plot([], [])
        self.top_one = pg.InfiniteLine(pos=1.0, angle=0, movable=False)
        self.top_rho = pg.InfiniteLine(pos=1.0, angle=0, movable=False)
        for line in (self.top_one, self.top_rho):
            line.setZValue(-5)
            self.top.addItem(line)
        self.bottom = new_plot(self.view, 1, 0)
        self.bottom.setLabel("bottom", "training step")
        self.watch_growth()
        self.view.ci.layout.setRowStretchFactor(0, 3)
        self.view.ci.layout.setRowStretchFactor(1, 2)
        self.mean = self.bottom.plot([], [])
        self.pct_hi = self.bottom.plot([], [])     # 90th percentile of the gate (sampled)
        self.pct_lo = self.bottom.plot([], [])     # 10th
        self.rho_curve = self.bottom.plot([], [])
        self.ref = pg.InfiniteLine(pos=0.5, angle=0, movable=False)
        self.ref.setZValue(-5)
        self.bottom.addItem(self.ref)
        self.kind = "rnn"
        self.gates = None          # (T, H) memory gate
        self.gates_step = None
        self.gates_when = ""       # "Step N" (", rolled back to step B" after early stopping)
        self.jac_data = None       # (T−1,) step gains (RNN)
        self.rho = math.nan
        self.gain_log: list[tuple[int, float, float]] = []   # (step, geometric-mean gain, ρ)
        self.pct_log: list[tuple[int, float, float]] = []    # (step, 10th, 90th pct of the gate)
        self._mode()
        # The bar's title runs along it: it must fit the bar's height (at 1280 × 800 in
        # presentation mode "f_t (1 = keep)" was cut to "f_t (1 = keep").
        self.bar.getViewBox().sigResized.connect(lambda *_: self._fit_bar_label())

    def plot_items(self):
        return [self.top, self.bottom]

    @property
    def gated(self) -> bool:
        return self.kind in SYMBOLS

    @property
    def symbol(self) -> str:
        return SYMBOLS.get(self.kind, ("f", ""))[0]

    def apply_theme(self, theme):
        super().apply_theme(theme)
        self._mode()

    def _mode(self) -> None:
        """Items, labels, colours and key for the current kind."""
        t, g = self.theme, self.gated
        self.image.setVisible(g)
        self.bar.setVisible(g)
        self.bar.setMaximumWidth(1e6 if g else 0)
        for item in (self.jac, self.top_one, self.top_rho, self.rho_curve):
            item.setVisible(not g)
        for item in (self.pct_hi, self.pct_lo):
            item.setVisible(g)
        if g:
            s = self.symbol
            name = SYMBOLS[self.kind][1].capitalize()
            self.title_label.setText(f"{name} over time", name)
            self.top.setLabel("bottom", "time step t")
            self.fit_label(self.top, "left", "hidden unit", "unit")
            self.fit_label(self.bottom, "left", f"mean {s}<sub>t</sub>", f"{s}<sub>t</sub>")
            self.ref.setPos(0.5)
            self.bar_label = ""
            self._fit_bar_label()
            self.key_row.set([(GATE_COLOR, "solid", f"mean {s}ₜ"),
                              (GATE_COLOR, "dash_point", "90th / 10th pct"),
                              (t.muted, "dash", "0.5 = σ(0)")], t)
        else:
            self.title_label.setText("Step gain ‖∂hₜ/∂hₜ₋₁‖", "Step gain")
            self.top.setLabel("bottom", "time step t")
            self.fit_label(self.top, "left", "rms ‖∂h<sub>t</sub>/∂h<sub>t−1</sub>‖", "gain")
            self.fit_label(self.bottom, "left", "gain per step", "gain")
            self.ref.setPos(1.0)
            self.key_row.set([(GAIN_COLOR, "line_point", "step gain"),
                              (RHO_COLOR, "dot", "ρ = max|λ|"), (t.ink, "dash", "1")], t)
        self.mean.setPen(pg.mkPen(GATE_COLOR, width=t.pen_width))
        self.mean.setSymbol(None if g else "o")
        self.mean.setSymbolSize(max(t.symbol_size - 2, 3))
        self.mean.setSymbolBrush(GAIN_COLOR)
        self.mean.setSymbolPen(None)
        self.jac.setPen(pg.mkPen(GAIN_COLOR, width=t.pen_width))
        self.jac.setSymbol("o")
        self.jac.setSymbolSize(max(t.symbol_size - 2, 3))
        self.jac.setSymbolBrush(GAIN_COLOR)
        self.jac.setSymbolPen(None)
        self.rho_curve.setPen(pg.mkPen(RHO_COLOR, width=t.pen_width, style=Qt.DotLine))
        for item, style in ((self.pct_hi, Qt.DashLine), (self.pct_lo, Qt.DashLine)):
            item.setPen(pg.mkPen(GATE_COLOR, width=1, style=style))
            item.setSymbol("o")
            item.setSymbolSize(max(t.symbol_size - 3, 3))
            item.setSymbolBrush(GATE_COLOR)
            item.setSymbolPen(None)
        self.top_rho.setPen(pg.mkPen(RHO_COLOR, width=t.pen_width, style=Qt.DotLine))
        self.top_one.setPen(pg.mkPen(t.ink, width=1, style=Qt.DashLine))
        self.ref.setPen(pg.mkPen(t.muted if g else t.ink, width=1, style=Qt.DashLine))
        from desktop_app.theme import style_plot_item

        for p in self.plot_items():
            style_plot_item(p, t)
        self.invalidate()

    def bar_labels(self) -> list[str]:
        """The colour bar's titles, longest first: the gate and what 1 means, or one of them."""
        s = self.symbol
        return [f"{s}ₜ (1 = keep)", "1 = keep", f"{s}ₜ"]

    def _fit_bar_label(self) -> None:
        """The longest colour-bar title that fits along the bar (its height)."""
        if not self.gated:
            return
        from PySide6.QtGui import QFont, QFontMetrics

        font = QFont()
        font.setPointSizeF(self.theme.tick_pt + 1)       # style_colorbar's label size
        fm = QFontMetrics(font)
        room = self.bar.getViewBox().height()
        labels = self.bar_labels()
        label = next((x for x in labels if fm.horizontalAdvance(x) + 8 <= room), labels[-1])
        if label != self.bar_label:
            self.bar_label = label
            style_colorbar(self.bar, self.theme, label)

    # ---- data from the lab ----------------------------------------------------------------
    def new_run(self, info, history):
        super().new_run(info, history)
        self.kind = info.config.model.kind
        self.gates = self.gates_step = self.jac_data = None
        self.gates_when = ""
        self.rho = math.nan
        self.gain_log = []
        self.pct_log = []
        self.image.clear()
        for item in (self.mean, self.jac, self.rho_curve, self.pct_hi, self.pct_lo):
            item.setData([], [])
        self._mode()
        self.mark_divergence(None)

    def set_snapshot(self, snap) -> None:
        """A RecurrentSnapshot from the training thread (gates or step gains, and ρ)."""
        self.gates_step = snap.step
        # After early stopping's roll-back the gates are the best step's net (as the spectrum
        # says), though the snapshot is of the last step.
        rolled = snap.rolled_back
        self.gates_when = (f"Step {snap.step}" if rolled is None else
                           f"Step {snap.step}, rolled back to step {rolled}")
        if snap.gates is not None:
            self.gates = snap.gates
        # The logs over training steps keep the nets the run trained through: a rolled-back
        # net is the best step's, so it is filed under that step, not as the last step's.
        pct = snap.gate_pct
        if pct is not None and len(pct) == 2:
            self.pct_log = _logged(self.pct_log, snap.step, rolled,
                                   (float(pct[0]), float(pct[1])))
        if snap.jac is not None and len(snap.jac) and np.all(np.isfinite(snap.jac)):
            self.jac_data = snap.jac
            rho = snap.spectrum.radius if snap.spectrum is not None else math.nan
            self.rho = rho
            gain = float(np.exp(np.mean(np.log(np.maximum(snap.jac, 1e-300)))))
            self.gain_log = _logged(self.gain_log, snap.step, rolled, (gain, rho))
        self.dirty = True

    def mark_divergence(self, step):
        self.place_divergence_lines(step, [self.bottom])

    # ---- drawing ------------------------------------------------------------------------------
    def draw(self, history, rerange):
        if self.gated:
            self._draw_gates(history, rerange)
        else:
            self._draw_gain(rerange)

    def _draw_gates(self, history, rerange):
        mat = history.layer_matrix("gate_t")
        steps = history.probe_steps("gate_t").astype(np.float64)
        mean_t = finite(mat.mean(axis=1)) if len(mat) else np.empty(0)
        self.mean.setData(*finite_xy(steps, mean_t))
        plog = np.array(self.pct_log, dtype=np.float64).reshape(-1, 3)
        self.pct_lo.setData(*finite_xy(plog[:, 0], plog[:, 1]))
        self.pct_hi.setData(*finite_xy(plog[:, 0], plog[:, 2]))
        g, s = self.gates, self.symbol
        notes = []
        if g is not None:
            img = finite(g)
            T, H = img.shape
            self.image.setImage(np.nan_to_num(img, nan=0.5), levels=(0.0, 1.0), autoLevels=False)
            self.image.setRect(QRectF(0.5, -0.5, T, H))
            open_share = float(np.nanmean(img > 0.9)) * 100
            notes.append(f"{self.gates_when}: {open_share:.0f}% of unit-steps open "
                         "(> 0.9).")
            if rerange:
                set_range(self.top, x=(0.5, T + 0.5), sticky=False)
                set_range(self.top, y=(-0.5, H - 0.5), sticky=False)
        else:
            self.image.clear()
        if len(mean_t):
            text = f"Since step {int(steps[0])}: mean {fmt(mean_t[0], 2)} → {fmt(mean_t[-1], 2)}"
            if len(plog):
                text += f", 90th pct {fmt(plog[0, 2], 2)} → {fmt(plog[-1, 2], 2)}"
            notes.append(text + ".")
        caption(self, " ".join(notes) or self.empty_note("Waiting for the gates…"),
                f"Top: the {SYMBOLS[self.kind][1]} of each hidden unit (rows) at each time step "
                f"(columns), mean over {GATE_BATCH} training sequences; "
                "1 keeps the memory, and its gradient, unchanged; 0 forgets it. Bottom: the "
                "mean over time steps and units at every probed training step, and the 10th "
                "and 90th percentiles over batch × units (averaged over time steps, sampled "
                "while training) — a rising curve is training opening the gates; a rising 90th "
                "percentile alone means a few units opened.")
        self._table_fn = lambda: (["step", f"mean_{s}_t"] + [f"{s}_t_{i + 1}" for i in range(mat.shape[1])],
                                  np.column_stack([steps, mean_t, mat]).tolist() if len(mat) else [])
        if rerange and len(steps):
            s0, s1 = float(steps[0]), max(float(steps[-1]), float(steps[0]) + 10)
            self.fit_steps(self.bottom, s0 - 0.02 * (s1 - s0), s1)
            set_range(self.bottom, y=(0.0, 1.02), sticky=False)

    def _draw_gain(self, rerange):
        j = self.jac_data
        if j is None:
            self.jac.setData([], [])
            self.mean.setData([], [])
            self.rho_curve.setData([], [])
            caption(self, self.empty_note("Waiting for the step Jacobians…"))
            self._table_fn = None
            return
        t = np.arange(2, len(j) + 2, dtype=np.float64)
        self.jac.setData(*finite_xy(t, j))
        rho = self.rho
        self.top_rho.setPos(rho if math.isfinite(rho) else 1.0)
        log = np.array(self.gain_log, dtype=np.float64).reshape(-1, 3)
        self.mean.setData(*finite_xy(log[:, 0], log[:, 1]))
        self.rho_curve.setData(*finite_xy(log[:, 0], log[:, 2]))
        gain = float(np.exp(np.mean(np.log(np.maximum(j, 1e-300)))))   # the net shown now
        caption(self, f"{self.gates_when}: gain {fmt(gain, 3)} per step (geometric mean) vs "
                      f"ρ = {rho_text(rho)}.",
                "Top: the rms norm (Frobenius norm / √H) of the step Jacobian ∂hₜ/∂hₜ₋₁ = "
                "diag(φ′(aₜ))·W_hh at the states a batch of training sequences visits — the "
                "factor by which a typical gradient direction changes per step back. It "
                "includes φ′, so a tanh RNN at ρ ≥ 1 still loses gradient at every step. "
                "Bottom: its geometric mean over t, and ρ, sampled while training.")
        self._table_fn = lambda: (["t", "rms_step_jacobian"], np.column_stack([t, j]).tolist())
        if rerange:
            yr = span(np.concatenate([j, [1.0, rho if math.isfinite(rho) else 1.0]]), pad=0.08)
            if yr:
                set_range(self.top, y=(min(0.0, yr[0]), yr[1]), sticky=False)
            set_range(self.top, x=(1.5, len(j) + 1.5), sticky=False)
            if len(log):
                s0, s1 = float(log[0, 0]), max(float(log[-1, 0]), float(log[0, 0]) + 10)
                self.fit_steps(self.bottom, s0 - 0.02 * (s1 - s0), s1)
                yb = span(np.concatenate([log[:, 1:].ravel(), [1.0]]), pad=0.1)
                if yb:
                    set_range(self.bottom, y=(min(0.0, yb[0]), yb[1]))


def _logged(log: list[tuple], step: int, rolled: int | None, values: tuple) -> list[tuple]:
    """`log` (rows (step, *values), by step) with this snapshot's row: at `step`, replacing any
    rows from there on (a new run of steps after a rebuild or a restore), or for a net rolled
    back to step `rolled`, at that step where it has none yet (the rows after it stay: they
    are the steps the run went through)."""
    if rolled is None:
        return [r for r in log if r[0] < step] + [(step, *values)]
    if any(r[0] == rolled for r in log):
        return log
    return sorted([*log, (rolled, *values)], key=lambda r: r[0])
