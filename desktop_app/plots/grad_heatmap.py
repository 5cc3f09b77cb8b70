"""Plot 2: gradient flow over time, a layer × step heatmap of log10 ‖∂L/∂h_l‖.

The colour scale follows the recent window (its 2nd to 98th percentile, at least two decades),
so healthy gradients never look vanished next to an old spike.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from desktop_app.plots.base import PlotPanel, new_plot, set_range, style_colorbar, vline
from desktop_app.plots.clean import log10_safe
from desktop_app.theme import HEATMAP_CMAP

WINDOW = 400          # probed steps shown
MIN_DECADES = 2.0     # narrowest colour range


def window_levels(img: np.ndarray) -> tuple[float, float]:
    v = img[np.isfinite(img)]
    if v.size == 0:
        return -1.0, 1.0
    lo, hi = np.percentile(v, [2, 98])
    if hi - lo < MIN_DECADES:
        mid = 0.5 * (lo + hi)
        lo, hi = mid - MIN_DECADES / 2, mid + MIN_DECADES / 2
    return float(lo), float(hi)


class GradHeatmapPlot(PlotPanel):
    key = "grad_heatmap"
    title = "Gradient flow over time"

    def __init__(self, theme, parent=None):
        super().__init__(theme, parent)
        self.plot = new_plot(self.view, grid=False)
        self.plot.setLabel("bottom", "training step")
        self.plot.setLabel("left", "hidden layer l")
        self.image = pg.ImageItem(axisOrder="col-major")
        self.plot.addItem(self.image)
        self.cmap = pg.colormap.get(HEATMAP_CMAP)
        self.bar = pg.ColorBarItem(values=(-1, 1), colorMap=self.cmap, interactive=False,
                                   label="log10 ‖∂L/∂hₗ‖", width=14)
        self.bar.setImageItem(self.image, insert_in=self.plot)
        self.div_line = None
        self.div_step = None

    def plot_items(self):
        return [self.plot]

    def apply_theme(self, theme):
        super().apply_theme(theme)
        style_colorbar(self.bar, theme, "log10 ‖∂L/∂hₗ‖")

    def new_run(self, info, history):
        super().new_run(info, history)
        self.image.clear()
        self.mark_divergence(None)

    def mark_divergence(self, step):
        if self.div_line is not None:
            self.plot.removeItem(self.div_line)
            self.div_line = None
        self.div_step = step
        if step is not None:
            self.div_line = vline(self.theme, f"diverged (step {step})")
            self.div_line.setPos(step)
            self.plot.addItem(self.div_line)
        self.dirty = True

    def draw(self, history, rerange):
        mat = history.layer_matrix("grad_h")[-WINDOW:]
        steps = history.probe_steps("grad_h")[-WINDOW:]
        if len(mat) == 0:
            self.image.clear()
            self._table_fn = None
            self.set_note(self.empty_note())
            return
        img = log10_safe(mat)                     # (steps, layers): x = step, y = layer
        lo, hi = window_levels(img)
        img = np.where(np.isfinite(img), img, lo)  # zero/NaN gradients drawn at the bottom colour
        layers = img.shape[1]
        s0, s1 = float(steps[0]), float(steps[-1])
        dx = (s1 - s0) / max(len(steps) - 1, 1) if len(steps) > 1 else 1.0
        self.image.setImage(img, levels=(lo, hi), autoLevels=False)
        self.image.setRect(QRectF(s0 - dx / 2, 0.5, dx * len(steps), layers))
        self.bar.setLevels((lo, hi))
        self.set_note(f"Colours scaled to the last {len(steps)} probed steps "
                      f"(10^{lo:.1f} to 10^{hi:.1f}).")
        if rerange:
            set_range(self.plot, x=(s0 - dx / 2, s0 + dx * (max(len(steps), 20) - 0.5)), sticky=False)
            set_range(self.plot, y=(0.5, layers + 0.5))
        self._table_fn = lambda: (["step"] + [f"log10_grad_h_{i + 1}" for i in range(layers)],
                       np.column_stack([steps, log10_safe(mat)]).tolist())

