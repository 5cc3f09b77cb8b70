"""A heatmap panel over the last probed training steps: one column per probed step (x), one row
per layer or time step (y), log10 values coloured with a colour bar.

The colour scale follows the window shown (its 2nd to 98th percentile, at least two decades),
so healthy gradients never look vanished next to an old spike. The deep lab's layer × step
heatmap and the recurrent lab's time × step heatmap are both this panel.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from desktop_app.plots.base import PlotPanel, layer_ticks, new_plot, set_range, style_colorbar
from desktop_app.plots.log_axis import decade_ticks
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


class StepHeatmapPanel(PlotPanel):
    """Subclasses name the rows (`rows_label`) and the colour bar (`bar_label`), and in `draw`
    pass the image to `show_image` (or call `show_empty`)."""

    rows_label = "row"
    bar_label = "value"

    def __init__(self, theme, parent=None):
        super().__init__(theme, parent)
        self.plot = new_plot(self.view, grid=False)
        self.fit_label(self.plot, "bottom", "training step", "step")
        self.fit_label(self.plot, "left", self.rows_label, self.rows_label.split()[-1])
        self.image = pg.ImageItem(axisOrder="col-major")
        self.plot.addItem(self.image)
        self.cmap = pg.colormap.get(HEATMAP_CMAP)
        self.bar = pg.ColorBarItem(values=(-1, 1), colorMap=self.cmap, interactive=False,
                                   label=self.bar_label, width=14)
        self.bar.setImageItem(self.image, insert_in=self.plot)
        decade_ticks(self.bar.getAxis("right"))      # the image is log10: label 10ⁿ

    def plot_items(self):
        return [self.plot]

    def apply_theme(self, theme):
        super().apply_theme(theme)
        style_colorbar(self.bar, theme, self.bar_label)

    def new_run(self, info, history):
        super().new_run(info, history)
        self.image.clear()
        self.mark_divergence(None)

    def mark_divergence(self, step):
        self.place_divergence_lines(step, [self.plot])

    def show_empty(self, note: str) -> None:
        self.image.clear()
        self._table_fn = None
        self.set_note(note)

    def show_image(self, img: np.ndarray, steps: np.ndarray, rerange: bool,
                   blank: np.ndarray | None = None) -> tuple[float, float]:
        """Draw `img` (probed steps × rows, log10; NaN in the bottom colour) over `steps` with
        the window's colour levels, which it returns. Cells where `blank` is true are left
        transparent (the plot's background shows), so they cannot be read as a colour."""
        lo, hi = window_levels(img)
        shown = np.where(np.isfinite(img), img, lo)
        if blank is not None:
            shown[blank] = np.nan             # pyqtgraph draws NaN transparent
        rows = img.shape[1]
        s0, s1 = float(steps[0]), float(steps[-1])
        dx = (s1 - s0) / max(len(steps) - 1, 1) if len(steps) > 1 else 1.0
        self.image.setImage(shown, levels=(lo, hi), autoLevels=False)
        self.image.setRect(QRectF(s0 - dx / 2, 0.5, dx * len(steps), rows))
        self.bar.setLevels((lo, hi))
        if rerange:
            set_range(self.plot, x=(s0 - dx / 2, s0 + dx * (max(len(steps), 20) - 0.5)), sticky=False)
            set_range(self.plot, y=(0.5, rows + 0.5))
            layer_ticks(self.plot.getAxis("left"), rows)
        return lo, hi
