"""‖∂L/∂h_t‖ against the time step t on a log axis, with the linear-RNN prediction ρ₀ᵀ⁻ᵗ.

Backpropagation through time multiplies the gradient by the step Jacobian diag(φ'(a_t))·W_hh
once per step back. For a linear RNN with W_hh = ρ·orthogonal that is exactly ρ per step, so
the gradient lies on ρᵀ⁻ᵗ: a straight line on the log axis with slope log ρ. tanh' < 1 makes
a tanh RNN fall faster; gates replace the W_hh path by the memory gate, so the line does not
apply to LSTM/GRU.

The line is the theory the lessons state, for the network as initialized: slope ρ₀ = ρ(W_hh) at
step 0, through the gradient shown at the last step before the loss reads h_t. Drawn with the
trained ρ it followed Adam (rnn_vanishing: 1.04, rnn_long_delay: 1.27, reaching 10³ and
squeezing the data) and no longer showed the ρ = 0.9 line the lesson talks about. It goes
through the shown curve, not the step-0 one: the step-0 probe reads the first PROBE_LIMIT
training examples, a step its own batch, so their scales differ (rnn_exploding's step 1, with
the weights of step 0, sat 4× above a line through step 0's curve while the note said "exact").
The note gives the current ρ beside the measured factor per step back.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from desktop_app.plots.base import PlotPanel, new_plot, set_range
from desktop_app.plots.clean import finite_xy, fmt, positive, span
from desktop_app.plots.numfmt import num, sci, sub
from desktop_app.plots.rnn_key import KeyRow, caption
from desktop_app.plots.rnn_spectrum import rho_text
from desktop_app.theme import OKABE_ITO

MEASURED = OKABE_ITO[0]
PREDICTION = OKABE_ITO[1]
LINE = "ρ₀ᵀ⁻ᵗ"                 # the prediction, as the key and the notes write it
NBSP = "\u00a0"


def ratio_text(r: float) -> str:
    """A gradient ratio: 0.0123 → '0.0123', 1e-5 → '1.0 × 10⁻⁵' (plain from 0.01 to 999)."""
    if not (r > 0 and math.isfinite(r)):
        return "—"
    return num(r, 3, plain=(1e-2, 1e3)) if 1e-2 <= r < 1e3 else sci(r, 2)


class RnnGradTimePlot(PlotPanel):
    key = "rnn_grad_through_time"
    title = "Gradient through time"
    short_title = "‖∂L/∂hₜ‖ vs t"

    def __init__(self, theme, parent=None):
        super().__init__(theme, parent)
        self.key_row = KeyRow(self)
        self.plot = new_plot(self.view, 0, 0, log_y=True)
        self.fit_label(self.plot, "bottom", "time step t (1 … T)", "time step t", "t")
        self.plot.setLabel("left", "‖∂L/∂h<sub>t</sub>‖")
        self.initial = self.plot.plot([], [])
        self.prediction = self.plot.plot([], [])
        self.measured = self.plot.plot([], [])
        # Dashes on top: where the measurement lies right on the line (rnn_exploding), the
        # line must still be seen.
        self.prediction.setZValue(self.measured.zValue() + 1)
        self.kind = "rnn"
        self.activation = "tanh"
        self.scheme = ""
        self.loss_steps = 1
        self.rho_init = math.nan     # init.spectral_radius (0: the scheme's own) of the run
        self.rho0 = math.nan         # ρ(W_hh) at step 0: the line's slope
        self.rho = math.nan          # ρ of the W_hh the shown gradients went through
        self.rho_source = ""
        self.radii: dict[int, float] = {}    # ρ(W_hh) after k updates, as measured: {k: ρ}
        self.ratio = math.nan        # ‖∂L/∂h₁‖ / ‖∂L/∂h_a‖ as drawn last
        self._style()
        self._legend()

    def plot_items(self):
        return [self.plot]

    def apply_theme(self, theme):
        super().apply_theme(theme)
        self._style()
        self._legend()

    def _style(self) -> None:
        t = self.theme
        self.measured.setPen(pg.mkPen(MEASURED, width=t.pen_width))
        self.measured.setSymbolBrush(MEASURED)
        self.measured.setSymbolPen(None)
        self.prediction.setPen(pg.mkPen(PREDICTION, width=t.pen_width, style=Qt.DashLine))
        self.initial.setPen(pg.mkPen(t.muted, width=max(1, t.pen_width - 1), style=Qt.DotLine))

    @property
    def predicts(self) -> bool:
        """The ρ₀ᵀ⁻ᵗ line is the vanilla RNN's (exact when linear and orthogonal)."""
        return self.kind == "rnn"

    def _legend(self) -> None:
        t = self.theme
        entries = [(MEASURED, "line_point", "now"), (t.muted, "dot", "at step 0")]
        if self.predicts:
            entries.append((PREDICTION, "dash", f"{LINE}: linear theory, step 0"))
        self.key_row.set(entries, t)

    def add_radius(self, step: int, rho: float) -> None:
        """ρ of W_hh after `step` updates (from the spectrum task or the preview)."""
        if math.isfinite(rho) and self.radii.get(step) != rho:
            self.radii[int(step)] = float(rho)
            self.dirty = True

    def radius_for(self, step: int) -> tuple[float, int | None]:
        """(ρ, k) for the gradients of record `step`: they are measured in that step's backward
        pass, before its update, so with W_hh after step − 1 updates. The nearest measured k."""
        if not self.radii:
            return math.nan, None
        want = max(step - 1, 0)
        k = min(self.radii, key=lambda s: (abs(s - want), s))
        return self.radii[k], k

    def initial_radius(self) -> float:
        """ρ(W_hh) at step 0: measured (the step-0 spectrum or the preview), else the radius the
        configuration sets (init.spectral_radius rescales W_hh to exactly that), else NaN."""
        if 0 in self.radii:
            return self.radii[0]
        return self.rho_init if self.rho_init > 0 else math.nan

    def new_run(self, info, history) -> None:
        super().new_run(info, history)
        cfg = info.config
        self.kind = cfg.model.kind
        self.activation = cfg.model.activation
        self.scheme = cfg.init.scheme
        self.rho_init = float(cfg.init.spectral_radius)
        self.loss_steps = int(getattr(info.dataset, "loss_steps", 1) or 1)
        self.rho, self.rho0, self.rho_source = math.nan, math.nan, ""
        self.radii = {}
        self.prediction.setVisible(self.predicts)
        self._legend()
        self.invalidate()

    def _applies(self, updates: int = 0) -> tuple[str, str]:
        """When (and why not) the prediction holds: (short, detail) for the note. `updates`:
        how many optimizer steps the shown gradients' W_hh has had."""
        if self.kind != "rnn":
            gate = "forget gate fₜ" if self.kind == "lstm" else "update gate zₜ"
            return (f"No {LINE} line: gates change it.",
                    f"The {LINE} line is the vanilla linear RNN's. In an {self.kind.upper()} "
                    f"the {gate} sets how much gradient each step keeps (the memory path "
                    "bypasses W_hh and tanh′), so the prediction does not apply.")
        if self.activation == "linear":
            if self.scheme == "orthogonal" and updates == 0:
                return ("Linear RNN, orthogonal W_hh: the line is exact.",
                        "∂L/∂hₜ₋₁ = W_hhᵀ ∂L/∂hₜ and ‖ρQᵀv‖ = ρ‖v‖: exactly ρ per step.")
            if self.scheme == "orthogonal":
                return ("Linear RNN: the line is exact for step 0 (dotted).",
                        "At initialization ρ₀Q scales every vector by exactly ρ₀, so the step-0 "
                        f"gradient lies on the line. After {updates} updates W_hh is no longer "
                        "orthogonal: its singular values spread around ρ, so the factor per "
                        "step back depends on the gradient's direction and tends to ρ only far "
                        "back.")
            return ("Linear RNN: the line holds far back.",
                    "For a non-normal W (Gaussian) the first steps back change the gradient by the "
                    "rms singular value; the factor tends to ρ only far back.")
        if self.activation == "tanh":
            return ("tanh′ < 1: it falls faster than the line." if updates == 0 else
                    "tanh′ < 1: at step 0 (dotted) it falls faster than the line.",
                    "The prediction does not hold for tanh: each step also multiplies by "
                    f"tanh′(aₜ) < 1, so the gradient falls faster than {LINE}.")
        return ("ReLU: the line does not hold.",
                "The prediction does not hold for ReLU: φ′ is 0 or 1 per unit, so the factor "
                "depends on how many units are active.")

    def draw(self, history, rerange):
        mat = history.layer_matrix("grad_t")
        steps = history.probe_steps("grad_t")
        if len(mat) == 0:
            for item in (self.measured, self.initial, self.prediction):
                item.setData([], [])
            caption(self, self.empty_note("A recurrent net's ‖∂L/∂hₜ‖ appears after the first "
                                          "probe."))
            self._table_fn = None
            return
        # The last row with a finite gradient (a diverged step may hold Inf/NaN).
        last = len(mat) - 1
        while last > 0 and not np.all(np.isfinite(mat[last])):
            last -= 1
        g = np.asarray(mat[last], dtype=np.float64)
        step = int(steps[last])
        T = len(g)
        t = np.arange(1, T + 1, dtype=np.float64)
        y = positive(g)
        self.measured.setData(*finite_xy(t, y))
        sym = "o" if T <= 80 else None
        self.measured.setSymbol(sym)
        self.measured.setSymbolSize(max(self.theme.symbol_size - 2, 3))
        g0 = np.asarray(mat[0], dtype=np.float64)            # the first probe: step 0
        y0 = positive(g0) if len(mat) > 1 else np.full(T, np.nan)
        self.initial.setData(*finite_xy(t, y0))
        # The line: slope ρ₀ (the theory as initialized), through the shown gradient at t = a.
        pred = np.full(T, np.nan)
        self.rho0 = self.initial_radius()
        self.rho, k = self.radius_for(step)
        self.rho_source = f"W_hh at step {k}" if k is not None else ""
        if self.predicts and math.isfinite(self.rho0):
            from core.analysis.recurrent_series import linear_prediction

            pred = positive(linear_prediction(g, self.rho0, self.loss_steps))
        self.prediction.setData(*finite_xy(t, pred))
        a = T - max(self.loss_steps, 1)          # last step before the loss reads h_t directly
        ratio = g[0] / g[a] if a >= 0 and g[a] > 0 else math.nan
        self.ratio = ratio
        updates = max(step - 1, 0)
        # No-break spaces: "5.2 ×" at a line's end and "10⁻³" on the next read as two numbers.
        short = [f"Step {step}: ‖∂L/∂h₁‖/‖∂L/∂h{sub(a + 1)}‖ = "
                 f"{ratio_text(ratio).replace(' ', NBSP)}"]
        detail = [f"Step {step}: the first input gets {ratio_text(ratio)} of the gradient at "
                  f"t = {a + 1}, the last step before the loss reads hₜ."]
        if a >= 1 and g[0] > 0 and g[a] > 0 and math.isfinite(ratio):
            factor = ratio ** (1.0 / a)
            short[0] += f"; ×{fmt(factor, 3)} per step back"
            detail.append(f"Geometric-mean factor per step back: {fmt(factor, 3)}.")
        if math.isfinite(self.rho) and updates > 0 and k != 0:
            short[0] += f", ρ = {rho_text(self.rho)} now"
            if self.predicts and math.isfinite(self.rho0):
                short[0] += f" (ρ₀ = {rho_text(self.rho0)})"
            detail.append(f"ρ = {rho_text(self.rho)} now ({self.rho_source}; the gradients of "
                          f"step {step} go through the W_hh of {updates} updates).")
        elif math.isfinite(self.rho0):
            short[0] += f", ρ = {rho_text(self.rho0)}"
        short[0] += "."
        if self.predicts and math.isfinite(self.rho0):
            detail.append(f"Dashed: {LINE} with ρ₀ = {rho_text(self.rho0)}, the spectral radius "
                          f"of W_hh at step 0, through this gradient at t = {a + 1}: the "
                          "linear-RNN theory for the network as initialized. Its slope does "
                          "not follow training, so it stays the line the lesson describes; "
                          "compare the measured factor per step back with the current ρ.")
        s, d = self._applies(updates)
        short.append(s)
        detail.append(d)
        if self.div_step is not None:       # first: a cut caption must keep it
            short.insert(0, f"Run diverged at step {self.div_step}; showing step {step}.")
            detail.append(f"The run diverged at step {self.div_step}; showing the last finite "
                          f"gradients (step {step}).")
        caption(self, " ".join(short), " ".join(detail))
        self._table_fn = lambda: (["t", f"grad_t_step_{step}", "grad_t_step_0",
                                   "linear_prediction_rho0_pow_T_minus_t"],
                                  np.column_stack([t, g, y0, pred]).tolist())
        if rerange:
            yr = span(np.concatenate([y, y0, pred]), log=True, pad=0.06)
            if yr:
                set_range(self.plot, y=yr)
            set_range(self.plot, x=(0.5, T + 0.5))
