"""The Decision-boundary panel's second view: the input gradient ∂y/∂x₁ along a line through the
data, and how correlated it is between neighbouring inputs (shattered gradients, Balduzzi et al.
2017; computed in the training thread by core/analysis/shattered.py)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from core.analysis.shattered import SHATTERED, SMOOTH
from core.numfmt import num, sci
from desktop_app.plots.base import new_plot, set_range
from desktop_app.plots.clean import finite, span
from desktop_app.theme import OKABE_ITO

DETAIL = (
    "The derivative of the network's output along a line of inputs (x₁ varies, every other "
    "input stays at the data's upper quartile), at the current weights, in eval mode.\n"
    "For classification the output is the logit margin z₁ − z₀ (its sign is the predicted "
    "class); for regression the output itself.\n"
    "r₁ is the correlation of the gradient at neighbouring inputs (lag 1 of its "
    "autocorrelation): near 1 the gradient changes smoothly (brown noise), near 0 it is "
    "unrelated from one input to the next (white noise).\n"
    "Balduzzi et al. 2017: with depth, a plain ReLU net's input gradient shatters towards "
    "white noise, so a small change of input says little about the next; residual "
    "connections keep it correlated. Try depth 50, relu, he_normal, then Skip = residual.")


def verdict(r1: float) -> str:
    """r₁ in words."""
    if not np.isfinite(r1):
        return "not finite"
    if r1 > SMOOTH:
        return "smooth: neighbouring inputs get almost the same gradient"
    if r1 < SHATTERED:
        return "shattered: neighbouring inputs get nearly unrelated gradients (white noise)"
    return "partly shattered"


def y_range(g: np.ndarray) -> tuple[float, float]:
    """The gradient and zero, padded. The least height is a tenth of the largest |value|, not
    span's absolute 10⁻¹²: a vanishing sigmoid net's gradient (~10⁻¹⁷) was a flat line at 0 on
    a ±5 × 10⁻¹³ axis. All zero (or below 10⁻²⁰⁰, near pyqtgraph's subnormal crash): ±1."""
    ok = g[np.isfinite(g)]
    top = float(np.max(np.abs(ok))) if ok.size else 0.0
    if top < 1e-200:
        return -1.0, 1.0
    return span(np.concatenate([ok, [0.0]]), pad=0.08, min_span=0.1 * top)


def r1_text(r1: float) -> str:
    """Two decimals, kept: num's "0.9" for 0.903 read as the very threshold of "smooth"."""
    return f"{r1:.2f}".replace("-", "−") if np.isfinite(r1) else "—"


class ValueAxis(pg.AxisItem):
    """Tick labels as 3 × 10¹¹ where pyqtgraph would print 3e+11 (a residual ReLU net's input
    gradient reaches 10¹¹ at initialization) or 0.0001."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        top = max((abs(v) for v in values), default=0.0)
        if 1e-3 <= top < 1e4 or top == 0.0:
            return super().tickStrings(values, scale, spacing)
        return [sci(v, 2, trim=True) for v in values]


class InputGradientView:
    """A plot of ∂y/∂x₁ against x₁ in its own GraphicsLayoutWidget (the panel shows either it
    or the decision boundary)."""

    def __init__(self, glw: pg.GraphicsLayoutWidget):
        self.glw = glw
        self.plot = new_plot(glw, axisItems={"left": ValueAxis("left")})
        # Titled from the start: style_plot_item styles only titled axes, and a title first
        # set later (fit_label) kept pyqtgraph's small grey default, tiny in presentation mode.
        self.plot.setLabel("bottom", "input x₁")
        self.plot.setLabel("left", "∂y/∂x₁")
        self.zero = pg.InfiniteLine(pos=0.0, angle=0, movable=False)
        self.plot.addItem(self.zero)
        self.curve = self.plot.plot([], [])
        self.result = None            # (step, core Shattering)

    def apply_theme(self, theme) -> None:
        self.curve.setPen(pg.mkPen(OKABE_ITO[0], width=theme.pen_width + 1))
        self.zero.setPen(pg.mkPen(theme.muted, width=1, style=pg.QtCore.Qt.DashLine))

    def labels(self, classification: bool, input_dim: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(bottom titles, left titles), longest first, for PlotPanel.fit_label."""
        if input_dim == 1:
            bottom = ("input x",)
            left = ("∂y/∂x (model output)", "∂y/∂x")
        else:
            at = ""
            if self.result is not None:
                at = f" (x₂ = {num(float(self.result[1].origin[1]), 3)})"
            bottom = (f"input x₁ along the line{at}", f"input x₁{at}", "input x₁")
            left = (("∂(z₁ − z₀)/∂x₁ (logit margin)", "∂(z₁ − z₀)/∂x₁") if classification
                    else ("∂y/∂x₁ (model output)", "∂y/∂x₁"))
        return bottom, left

    def clear(self) -> None:
        self.result = None
        self.curve.setData([], [])

    def draw(self, rerange: bool) -> tuple[str, str] | None:
        """Draw the newest result; the (caption, detail) to show, None before the first."""
        if self.result is None:
            return None
        step, s = self.result
        g = finite(s.grad)
        self.curve.setData(s.t, g)
        if rerange:
            set_range(self.plot, x=(float(s.t[0]), float(s.t[-1])))
            set_range(self.plot, y=y_range(g))
        if not np.all(np.isfinite(s.grad)):
            return (f"Input gradient at step {step} is not finite (Inf/NaN).", DETAIL)
        return (f"r₁ = {r1_text(s.r1)} at step {step}: {verdict(s.r1)}.", DETAIL)

    def table(self) -> tuple[list[str], list[list]]:
        step, s = self.result
        return ["t", *[f"x{i + 1}" for i in range(len(s.origin))], "dy_dt"], np.column_stack(
            [s.t, s.origin[None, :] + s.t[:, None] * s.direction[None, :], s.grad]).tolist()
