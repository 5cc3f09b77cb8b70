"""The activations panel's slope view: mean |φ′(z)| per layer now and at the start, with the
largest slope φ can have (the sigmoid's 1/4 is why deep sigmoid nets vanish)."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pyqtgraph as pg

from core.analysis.meanfield import ACTIVATIONS, dphi
from core.numfmt import num
from desktop_app.plots.clean import finite_xy
from desktop_app.theme import OKABE_ITO

SAMPLE = np.linspace(-12.0, 12.0, 24001)


@lru_cache(maxsize=16)
def largest_slope(activation: str) -> float:
    """max |φ′(z)| over z (sampled finely; 1 for maxout, whose winner passes slope 1)."""
    if activation == "maxout" or activation not in ACTIVATIONS:
        return 1.0
    return float(np.max(np.abs(dphi(activation, SAMPLE))))


def slope_text(value: float) -> str:
    """1/4 for the sigmoid's 0.25, else the number."""
    return "1/4" if abs(value - 0.25) < 1e-9 else num(value, 3)


class SlopeCurves:
    """Items on the activations panel's top plot, shown only in the slope view."""

    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        self.start = plot.plot([], [])
        self.now = plot.plot([], [])
        # Its value is in the key, not on the line: a label above the line ran past the top
        # of the plot (cut in half at 1920 × 1080 in presentation mode).
        self.ref = pg.InfiniteLine(pos=1.0, angle=0, movable=False)
        plot.addItem(self.ref)
        self.activation = "tanh"
        self.set_visible(False)

    def apply_theme(self, theme) -> None:
        w, s = theme.pen_width, theme.symbol_size
        self.now.setPen(pg.mkPen(OKABE_ITO[0], width=w))
        self.now.setSymbol("o")
        self.now.setSymbolSize(s)
        self.now.setSymbolBrush(OKABE_ITO[0])
        self.now.setSymbolPen(None)
        self.start.setPen(pg.mkPen(theme.muted, width=max(1, w - 1), style=pg.QtCore.Qt.DotLine))
        self.ref.setPen(pg.mkPen(theme.muted, width=1, style=pg.QtCore.Qt.DashLine))

    def key(self, theme) -> list:
        return [(theme.muted, "dot", "at the start"), (OKABE_ITO[0], "line_point", "now"),
                (theme.muted, "dash", f"largest φ′ = {slope_text(largest_slope(self.activation))}")]

    def set_activation(self, activation: str) -> None:
        self.activation = activation
        self.ref.setValue(largest_slope(activation))

    def set_visible(self, on: bool) -> None:
        for item in (self.start, self.now, self.ref):
            item.setVisible(on)

    def clear(self) -> None:
        self.now.setData([], [])
        self.start.setData([], [])

    def set_data(self, x: np.ndarray, now: np.ndarray, start: np.ndarray) -> None:
        self.now.setData(*finite_xy(x, now))
        self.start.setData(*finite_xy(x, start))

    def y_range(self, now: np.ndarray, start: np.ndarray) -> tuple[float, float]:
        values = np.concatenate([now, start, [largest_slope(self.activation)]])
        top = float(np.nanmax(np.where(np.isfinite(values), values, np.nan)))
        return 0.0, 1.1 * top if math.isfinite(top) and top > 0 else 1.0

    def note(self, now: np.ndarray, step: int, first: int) -> str:
        """The caption: the product of the layers' mean slopes, what φ′ alone does to ∂L/∂h."""
        ok = now[np.isfinite(now)]
        text = f"Step {step} (dotted: step {first})."
        if ok.size:
            with np.errstate(divide="ignore"):
                log = float(np.sum(np.log10(np.maximum(ok, 1e-300))))
            text += (f" Mean slope {num(ok.min(), 2)}–{num(ok.max(), 2)}; their product over "
                     f"the {ok.size} layers is {num(10.0 ** log, 2) if log > -300 else '< 10⁻³⁰⁰'}.")
        return text
