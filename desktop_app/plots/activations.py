"""Plot 3: activations per layer at the current step.

Top: percentile bands (1–99, 10–90, 25–75 and the median) of φ's output or input per layer, or
the mean slope |φ′(z)| per layer (the factor φ′ by which backprop scales ∂L/∂h in each layer).
Bottom: % of units saturated (in the flat tails of sigmoid/tanh) and % dead (ReLU units off for
the whole batch) per layer.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from desktop_app.plots.base import (
    Band,
    PlotPanel,
    layer_ticks,
    new_plot,
    set_range,
    share_left_width,
)
from desktop_app.plots.clean import finite, finite_xy, fmt, span
from desktop_app.plots.rnn_key import KeyRow
from desktop_app.plots.slope_curves import SlopeCurves
from desktop_app.plots.symlog import SymLogAxis, to_symlog
from desktop_app.theme import OKABE_ITO

# (lower, upper index into PERCENTILES = 1, 10, 25, 50, 75, 90, 99; fill alpha)
BANDS = ((0, 6, 50), (1, 5, 80), (2, 4, 120))
DARK_ALPHAS = (100, 130, 170)


# Layers whose largest values differ by more than this get the signed log axis.
SYMLOG_SPAN = 1e3

DEFINITIONS = ("Percentiles over the batch and the units of each layer. Saturated: |tanh| > 0.97, "
               "or sigmoid outside 0.03–0.97 (its slope is then below 0.03). Dead: a unit that "
               "outputs 0 for every example of the batch (no gradient reaches its weights).")
SLOPE_DEFINITIONS = (
    "Mean of |φ′(z)| over the batch and the units of each layer. Backpropagation multiplies "
    "∂L/∂h by φ′(z) in every layer (∂L/∂z = φ′(z) ⊙ ∂L/∂h), so a mean slope below 1 shrinks the "
    "gradient layer after layer unless the weights make up for it. The sigmoid's slope is at "
    "most 1/4, so 20 sigmoid layers shrink it by up to 4²⁰ ≈ 10¹² from φ′ alone; a saturated "
    "tanh or sigmoid unit has a slope near 0; a ReLU's mean slope is the share of active units.")



class ActivationsPlot(PlotPanel):
    key = "activations"
    title = "Activations per layer"

    def __init__(self, theme, parent=None):
        super().__init__(theme, parent)
        self.which = self.title_box(
            [("Activations h = φ(z)", "act_pct", "Activations"),
             ("Pre-activations z = Wh + b", "pre_pct", "Pre-activations", "Pre-act. z"),
             ("Slope |φ′(z)| per layer", "fprime_mean", "Slope |φ′(z)|")],
            "Distribution over the batch and units of each layer: the output of the "
            "activation φ, or its input (the pre-activation z); or the mean slope |φ′(z)|, "
            "the factor by which backprop scales the gradient in each layer")
        self.which.currentIndexChanged.connect(self._which_changed)
        # One key above both plots: a legend inside covered the bands, and a key line between
        # the plots (a pyqtgraph label) kept its text's width and cut the plots in a narrow panel.
        self.top_key = KeyRow(self)
        self.shows = (True, True)       # whether % saturated / % dead have data (the key's rows)
        self._swatches: list[str] = []
        self.top = new_plot(self.view, 0, 0, grid=False,
                            axisItems={"left": SymLogAxis("left")})
        self.symlog: float | None = None    # the unit c of the signed log axis, when on
        self.bottom = new_plot(self.view, 1, 0, grid=False)
        self.bottom.setXLink(self.top)
        share_left_width(self.top, self.bottom)    # the layers line up (see there)
        self.view.ci.layout.setRowStretchFactor(0, 3)
        self.view.ci.layout.setRowStretchFactor(1, 2)
        self.top.setLabel("left", "φ(z)")
        self.bottom.setLabel("left", "% of units")
        self.bottom.getAxis("left").setTickSpacing(50, 25)   # 0, 50, 100: readable when short
        self.fit_label(self.bottom, "bottom", "hidden layer l (input → output)", "hidden layer l", "layer")
        self.fills = []
        for _ in BANDS:
            fill = Band()
            self.top.addItem(fill)
            self.fills.append(fill)
        self.median = self.top.plot([], [])
        self.slope = SlopeCurves(self.top)
        self.saturated = self.bottom.plot([], [])
        self.dead = self.bottom.plot([], [])
        self._style()

    def plot_items(self):
        return [self.top, self.bottom]

    def apply_theme(self, theme):
        super().apply_theme(theme)
        self._style()

    def _style(self) -> None:
        t = self.theme
        # Sky blue and stronger fills on a dark background (the outer band was dark slate on
        # near black), blue on a light one.
        color = pg.mkColor(OKABE_ITO[5] if t.dark else OKABE_ITO[0])
        alphas = DARK_ALPHAS if t.dark else [a for _, _, a in BANDS]
        bg = pg.mkColor(t.bg)
        shown = 0.0                 # the bands nest: a band's area is covered by the ones below
        swatches = []
        for fill, alpha in zip(self.fills, alphas, strict=True):
            c = pg.mkColor(color)
            c.setAlpha(alpha)
            fill.setBrush(pg.mkBrush(c))
            # The key shows the colour the band's area has on the plot: every band up to it
            # composited over the background, as an opaque colour.
            shown = 1 - (1 - shown) * (1 - c.alphaF())
            mix = [round(b * (1 - shown) + f * shown) for b, f in
                   zip(bg.getRgb()[:3], color.getRgb()[:3], strict=True)]
            swatches.append(pg.mkColor(*mix).name())
        self._swatches = swatches
        self._key()
        self.median.setPen(pg.mkPen(t.ink, width=t.pen_width))
        self.slope.apply_theme(t)
        for item, color, sym in ((self.saturated, OKABE_ITO[1], "t"), (self.dead, OKABE_ITO[3], "s")):
            item.setPen(pg.mkPen(color, width=t.pen_width))
            item.setSymbol(sym)
            item.setSymbolBrush(color)
            item.setSymbolPen(None)
            item.setSymbolSize(t.symbol_size)

    def _key(self) -> None:
        """Bands, median, and the saturated / dead markers where this activation has them
        (saturation: sigmoid and tanh; dead units: the ReLU family)."""
        t = self.theme
        if self.which.currentData() == "fprime_mean":
            entries = self.slope.key(t)
        else:
            names = ("1–99th", "10–90th", "25–75th percentile")
            entries = [(c, "square", n) for c, n in zip(self._swatches, names, strict=True)]
            entries.append((t.ink, "solid", "median"))
        if self.shows[0]:
            entries.append((OKABE_ITO[1], "▼", "% saturated"))
        if self.shows[1]:
            entries.append((OKABE_ITO[3], "square", "% dead"))
        self.top_key.set(entries, t)

    def new_run(self, info, history) -> None:
        super().new_run(info, history)
        self.slope.set_activation(info.config.model.activation
                                  if info.config.model.kind == "mlp" else "tanh")
        self._key()                     # the key gives the largest slope

    def _which_changed(self) -> None:
        field = self.which.currentData()
        slope = field == "fprime_mean"
        # Longest first (fit_label): "mean |φ′(z)|" ran into the plot below in a short panel.
        names = {"act_pct": ("φ(z)",), "pre_pct": ("z",),
                 "fprime_mean": ("mean |φ′(z)|", "|φ′(z)|", "|φ′|")}[field]
        if slope and self.symlog is not None:   # the slope has its own linear axis
            self.symlog = None
            self.top.getAxis("left").set_scale(None)
        self.fit_label(self.top, "left", *names)    # the note says when the axis is a signed log
        for item in (*self.fills, self.median):
            item.setVisible(not slope)
        self.slope.set_visible(slope)
        self._key()
        from desktop_app.theme import style_plot_item

        style_plot_item(self.top, self.theme)
        self.invalidate()

    def draw(self, history, rerange):
        field = self.which.currentData()
        if field == "fprime_mean":
            return self._draw_slope(history, rerange)
        pct = history.layer_matrix(field)
        if len(pct) == 0:
            for c in (self.median, self.saturated, self.dead):
                c.setData([], [])
            for f in self.fills:
                f.set_data(np.empty(0), np.empty(0), np.empty(0))
            self._table_fn = None
            self.set_note(self.empty_note())
            return
        raw = finite(pct[-1])                     # (layers, 7)
        p = self._scaled(raw)
        x = np.arange(1, p.shape[0] + 1, dtype=np.float64)
        if rerange:
            for plot in (self.top, self.bottom):
                layer_ticks(plot.getAxis("bottom"), len(x))
        for fill, (lo, hi, _) in zip(self.fills, BANDS, strict=True):
            fill.set_data(x, p[:, lo], p[:, hi])
        self.median.setData(*finite_xy(x, p[:, 3]))
        sat, dead = self._bottom(history, x)
        step = int(history.probe_steps(field)[-1])
        note = f"Step {step}."
        if self.symlog is not None:
            note += f" Signed log axis: the values span many decades (linear within ±{fmt(self.symlog, 2)})."
        self.set_note(note, DEFINITIONS)
        self._table_fn = lambda: (["layer", "p1", "p10", "p25", "p50", "p75", "p90", "p99",
                        "pct_saturated", "pct_dead"],
                       np.column_stack([x, raw, sat, dead]).tolist())
        if rerange:
            yr = span(p[:, [0, 6]], pad=0.05)
            if yr:
                set_range(self.top, y=yr)
            set_range(self.top, x=(0.5, len(x) + 0.5))
            set_range(self.bottom, y=(-3, 103))

    def _draw_slope(self, history, rerange) -> None:
        m = history.layer_matrix("fprime_mean")
        if len(m) == 0:
            self.slope.clear()
            self.saturated.setData([], [])
            self.dead.setData([], [])
            self._table_fn = None
            self.set_note(self.empty_note())
            return
        now, start = finite(m[-1]), finite(m[0])
        x = np.arange(1, len(now) + 1, dtype=np.float64)
        if rerange:
            for plot in (self.top, self.bottom):
                layer_ticks(plot.getAxis("bottom"), len(x))
        self.slope.set_data(x, now, start)
        sat, dead = self._bottom(history, x)
        steps = history.probe_steps("fprime_mean")
        self.set_note(self.slope.note(now, int(steps[-1]), int(steps[0])), SLOPE_DEFINITIONS)
        self._table_fn = lambda: (["layer", "mean_abs_fprime", "mean_abs_fprime_start",
                                   "pct_saturated", "pct_dead"],
                                  np.column_stack([x, now, start, sat, dead]).tolist())
        if rerange:
            set_range(self.top, y=self.slope.y_range(now, start))
            set_range(self.top, x=(0.5, len(x) + 0.5))
            set_range(self.bottom, y=(-3, 103))

    def _bottom(self, history, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """% saturated and % dead per layer, drawn, and listed in the key where they exist."""
        sat = self._last(history, "saturated", len(x))
        dead = self._last(history, "dead", len(x))
        shows = (bool(np.isfinite(sat).any()), bool(np.isfinite(dead).any()))
        if shows != self.shows:
            self.shows = shows
            self._key()
        self.saturated.setData(*finite_xy(x, sat))
        self.dead.setData(*finite_xy(x, dead))
        return sat, dead

    def _scaled(self, p: np.ndarray) -> np.ndarray:
        """p as plotted: unchanged, or on the signed log axis when the layers' sizes span more
        than SYMLOG_SPAN (exploding activations); switches the axis to match."""
        size = np.max(np.where(np.isfinite(p), np.abs(p), 0.0), axis=1) if p.size else p
        size = size[np.isfinite(size) & (size > 0)]
        c = None
        if size.size and size.max() > SYMLOG_SPAN * max(size.min(), 1e-30):
            c = float(10.0 ** np.floor(np.log10(size.min())))   # the smallest layer's decade
        if c != self.symlog:
            self.symlog = c
            self.top.getAxis("left").set_scale(c)
            self._which_changed()
        return p if c is None else to_symlog(p, c)

    @staticmethod
    def _last(history, field, n):
        m = history.layer_matrix(field)
        if len(m) == 0 or m.shape[1] != n:
            return np.full(n, np.nan)
        return 100.0 * finite(m[-1])

