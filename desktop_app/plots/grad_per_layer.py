"""Plot 1: gradient magnitude per layer at the current step, with the mean-field prediction.

Modes: ‖∂L/∂h_l‖ (with mean-field overlay and the profile at initialization), ‖∂L/∂W_l‖, the
update ratio ‖ΔW_l‖/‖W_l‖ (with the 1e-3 rule-of-thumb line), and ‖∂L/∂h_l‖ over steps for a
few layers (one colour per layer).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from desktop_app.plots.base import ModePanel, layer_ticks, new_plot, set_range
from desktop_app.plots.clean import finite_xy, fmt, positive, span
from desktop_app.plots.rnn_key import KeyRow
from desktop_app.theme import OKABE_ITO, series_colors

# (title, left axis titles longest first: PlotPanel.fit_label shows the longest that fits)
# The titles' short forms, for narrow panels (a projector at 1024 × 768): the symbol stays.
# The x axis says "hidden layer l" (or "training step"). Shorter and shorter, the first that fits.
SHORT = {"grad_h": ("‖∂L/∂hₗ‖",), "grad_w": ("‖∂L/∂Wₗ‖",), "update_ratio": ("‖ΔWₗ‖/‖Wₗ‖",),
         "over_time": ("‖∂L/∂hₗ‖ over steps", "‖∂L/∂hₗ‖ vs step")}
MODES = {
    "grad_h": ("Gradient ‖∂L/∂hₗ‖ per layer",
               ("‖∂L/∂h<sub>l</sub>‖ (log scale)", "‖∂L/∂h<sub>l</sub>‖ (log)", "‖∂L/∂h<sub>l</sub>‖")),
    "grad_w": ("Weight gradient ‖∂L/∂Wₗ‖ per layer",
               ("‖∂L/∂W<sub>l</sub>‖ (log scale)", "‖∂L/∂W<sub>l</sub>‖ (log)", "‖∂L/∂W<sub>l</sub>‖")),
    "update_ratio": ("Update ratio ‖ΔWₗ‖/‖Wₗ‖ per layer",
                     ("‖ΔW<sub>l</sub>‖ / ‖W<sub>l</sub>‖ (log scale)",
                      "‖ΔW<sub>l</sub>‖/‖W<sub>l</sub>‖ (log)", "‖ΔW<sub>l</sub>‖/‖W<sub>l</sub>‖")),
    "over_time": ("Gradient ‖∂L/∂hₗ‖ over steps",
                  ("‖∂L/∂h<sub>l</sub>‖ (log scale)", "‖∂L/∂h<sub>l</sub>‖ (log)", "‖∂L/∂h<sub>l</sub>‖")),
}
MAX_LINES = 7


def pick_layers(n: int, k: int = MAX_LINES) -> list[int]:
    """Up to k layer indices spread from the first to the last."""
    if n <= k:
        return list(range(n))
    return sorted({int(round(i * (n - 1) / (k - 1))) for i in range(k)})


class GradPerLayerPlot(ModePanel):
    key = "grad_per_layer"
    title = "Gradient per layer"

    def __init__(self, theme, parent=None):
        super().__init__(theme, parent)
        self.add_mode_box(
            [(label, key, *SHORT[key]) for key, (label, _) in MODES.items()],
            "‖∂L/∂hₗ‖: gradient reaching layer l's output (backprop's ∂L/∂X^l).\n"
            "‖∂L/∂Wₗ‖: gradient of layer l's weights.\n"
            "Update ratio: how much a step changes Wₗ relative to its size (≈10⁻³ is healthy).\n"
            "Over steps: ‖∂L/∂hₗ‖ of a few layers through training.")
        self.plot = new_plot(self.view, log_y=True)
        self.key_row = KeyRow(self)     # above the plot: a legend inside covered the curves
        self.initial = self.plot.plot([], [], name="at initialization")
        self.meanfield = self.plot.plot([], [], name="mean-field prediction")
        self.measured = self.plot.plot([], [], name="measured")
        # The label starts at the left end (its centre there put "1" outside the view: "0⁻³").
        self.ref = pg.InfiniteLine(pos=-3, angle=0, movable=False, label="10⁻³",
                                   labelOpts={"position": 0.02, "anchors": [(0, 1), (0, 0)]})
        self.ref.setZValue(-5)
        self.plot.addItem(self.ref)
        self.lines: list[pg.PlotDataItem] = []
        self.layer_names: list[str] = []
        self.meanfield_applies = True
        self.watch_growth()
        self._style()
        self._mode_changed()

    def plot_items(self):
        return [self.plot]

    def apply_theme(self, theme):
        super().apply_theme(theme)
        self._style()

    def _style(self) -> None:
        t = self.theme
        w, s = t.pen_width, t.symbol_size
        self.measured.setPen(pg.mkPen(OKABE_ITO[0], width=w))
        self.measured.setSymbol("o")
        self.measured.setSymbolSize(s)
        self.measured.setSymbolBrush(OKABE_ITO[0])
        self.measured.setSymbolPen(None)
        self.meanfield.setPen(pg.mkPen(OKABE_ITO[1], width=w, style=Qt.DashLine))
        self.initial.setPen(pg.mkPen(t.muted, width=max(1, w - 1), style=Qt.DotLine))
        self.ref.setPen(pg.mkPen(OKABE_ITO[2], width=1, style=Qt.DashLine))
        for line, color in zip(self.lines, series_colors(len(self.lines), t.dark), strict=True):
            line.setPen(pg.mkPen(color, width=1))
        self.ref.label.setColor(OKABE_ITO[2])
        self._key()

    def _mode_changed(self) -> None:
        mode = self.mode
        # Fitted to the axis: set whole, a short plot (under the divergence banner at
        # 1024 × 768) cut it at both ends ("‖ΔWₗ‖ / ‖Wₗ‖ (log sca").
        self.fit_label(self.plot, "left", *MODES[mode][1])
        if mode == "over_time":
            self.fit_label(self.plot, "bottom", "training step", "step")
            self.plot.getAxis("bottom").setTickSpacing()          # automatic again
        else:
            self.fit_label(self.plot, "bottom", "hidden layer l (input → output)", "hidden layer l", "layer")
            layer_ticks(self.plot.getAxis("bottom"), len(self.layer_names))
        self.ref.setVisible(mode == "update_ratio")
        self.mark_divergence(self.div_step)   # the step marker belongs to the over-steps view
        for item in (self.initial, self.meanfield, self.measured):
            item.setVisible(mode != "over_time")
        for line in self.lines:
            line.setVisible(mode == "over_time")
        self._key()
        self._restyle_axes()
        self.invalidate()

    def _key(self) -> None:
        t = self.theme
        if self.mode == "over_time":
            colors = series_colors(len(self.lines), t.dark)
            entries = [(c, "solid", self.layer_names[line.layer])
                       for c, line in zip(colors, self.lines, strict=True)]
        else:
            entries = [(t.muted, "dot", "at the start")]
            if self.mode == "grad_h" and self.meanfield_applies:
                entries.append((OKABE_ITO[1], "dash", "mean-field prediction"))
            entries.append((OKABE_ITO[0], "line_point", "now (measured)"))
        self.key_row.set(entries, t)

    def _restyle_axes(self) -> None:
        from desktop_app.theme import style_plot_item

        style_plot_item(self.plot, self.theme)

    def new_run(self, info, history) -> None:
        super().new_run(info, history)
        self.layer_names = list(info.layer_names)
        m = info.config.model        # the theory's recursion: a plain net (no legend entry else)
        self.meanfield_applies = m.skip == "none" and m.norm == "none" and m.dropout == 0
        for line in self.lines:
            self.plot.removeItem(line)
        self.lines = []
        layers = pick_layers(len(self.layer_names))
        for color, l in zip(series_colors(len(layers), self.theme.dark), layers, strict=True):
            line = self.plot.plot([], [], pen=pg.mkPen(color, width=1))
            line.setClipToView(True)
            line.setDownsampling(auto=True, method="peak")
            line.layer = l
            self.lines.append(line)
        self._mode_changed()
        self.mark_divergence(None)

    def mark_divergence(self, step):
        self.place_divergence_lines(step, [self.plot] if self.mode == "over_time" else [])

    def draw(self, history, rerange):
        if self.mode == "over_time":
            self._draw_over_time(history, rerange)
        else:
            self._draw_profile(history, rerange)

    def _draw_profile(self, history, rerange):
        field = self.mode
        mat = history.layer_matrix(field)
        steps = history.probe_steps(field)
        notes = []
        if len(mat) == 0:
            for item in (self.measured, self.meanfield, self.initial):
                item.setData([], [])
            self.set_note(self.empty_note("Waiting for the first training step."
                                          if field == "update_ratio" else ""))
            self._table_fn = None
            return
        x = np.arange(1, mat.shape[1] + 1, dtype=np.float64)
        y = positive(mat[-1])
        step = int(steps[-1])
        self.measured.setData(*finite_xy(x, y))
        y0 = positive(mat[0]) if len(mat) > 1 else np.full_like(y, np.nan)
        self.initial.setData(*finite_xy(x, y0))
        mf = np.full_like(y, np.nan)
        if field == "grad_h":
            mfm = history.layer_matrix("meanfield_grad_h")
            mfs = history.probe_steps("meanfield_grad_h")
            if len(mfm) and mfs[-1] == step:
                mf = positive(mfm[-1])
                with np.errstate(invalid="ignore", divide="ignore"):
                    off = np.nanmax(np.abs(np.log10(y / mf)), initial=0.0)
                if step > int(steps[0]) and np.isfinite(off) and off > 1:
                    notes.append(f"Measured and predicted differ by up to {fmt(10 ** off, 2)}×: "
                                 "mean-field theory describes random weights, and training has "
                                 "given these structure.")
            else:
                notes.append("Mean-field prediction not shown: it holds for plain networks "
                             "only (no skip connections, normalisation or dropout).")
        self.meanfield.setData(*finite_xy(x, mf))
        zero = int(np.sum(np.asarray(mat[-1]) == 0))
        if zero:
            layers = "1 layer has" if zero == 1 else f"{zero} layers have"
            notes.append(f"{layers} exactly zero gradient (not drawable on a log axis).")
        notes.insert(0, f"Step {step} (dotted: step {int(steps[0])}).")
        if self.div_step is not None:
            notes.append(f"The run diverged at step {self.div_step}; showing the last finite "
                         f"measurement (step {step}).")
        self.set_note(" ".join(notes))
        names = self.layer_names if len(self.layer_names) == len(x) else [f"h{i}" for i in x]
        self._table_fn = lambda: (["layer", "name", f"{field}_step_{step}", f"{field}_step_{int(steps[0])}",
                        "meanfield_grad_h"],
                       [[int(i), n, a, b, c] for i, n, a, b, c in zip(x, names, y, y0, mf,
                                                                      strict=True)])
        if rerange:
            ys = np.concatenate([y, y0, mf] + ([np.array([1e-3])] if field == "update_ratio" else []))
            yr = span(ys, log=True, pad=0.08)
            if yr:
                set_range(self.plot, y=yr)
            set_range(self.plot, x=(0.5, len(x) + 0.5))

    def _draw_over_time(self, history, rerange):
        mat = history.layer_matrix("grad_h")
        steps = history.probe_steps("grad_h").astype(np.float64)
        header, cols = ["step"], [steps]
        for line in self.lines:
            if len(mat) and line.layer < mat.shape[1]:
                y = positive(mat[:, line.layer])
                line.setData(*finite_xy(steps, y))
                header.append(self.layer_names[line.layer])
                cols.append(y)
            else:
                line.setData([], [])
        self.set_note("")
        self._table_fn = lambda: (header, np.column_stack(cols).tolist() if len(steps) else [])
        if rerange and len(steps):
            cols_l = [line.layer for line in self.lines if line.layer < mat.shape[1]]
            yr = span(mat[-2000:, cols_l], log=True, pad=0.08)
            if yr:
                set_range(self.plot, y=yr)
            s0, s1 = float(steps[0]), max(float(steps[-1]), float(steps[0]) + 10)
            self.fit_steps(self.plot, s0, s1)

