"""log10 ‖∂L/∂h_t‖ as a heatmap over training steps (x) and time steps t (y).

Each column is one probed training step's gradient-through-time profile. Vanishing gradients
show as a dark band at small t that never brightens; an LSTM with an open forget gate is bright
all the way down. "Relative to t = T" divides every column by the gradient at the step the loss
reads, so the profile stays visible while the overall loss scale changes.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from desktop_app.plots.base import PlotPanel, new_plot, option_box, set_range, style_colorbar, vline
from desktop_app.plots.grad_heatmap import window_levels
from desktop_app.theme import HEATMAP_CMAP

WINDOW = 400          # probed steps shown
LABELS = {"abs": "log10 ‖∂L/∂hₜ‖", "rel": "log10 of ‖∂L/∂hₜ‖ / ‖∂L/∂h_T‖"}


class RnnGradHeatmapPlot(PlotPanel):
    key = "rnn_grad_heatmap"
    title = "Time × training step"

    def __init__(self, theme, parent=None):
        super().__init__(theme, parent)
        self.mode_box = option_box([("‖∂L/∂hₜ‖", "abs"), ("÷ ‖∂L/∂h_T‖", "rel")],
                                   "Colour: log10 of the gradient reaching each time step, or of "
                                   "its ratio to the gradient at the step the loss reads")
        self.mode_box.currentIndexChanged.connect(self._mode_changed)
        self.tools.insertWidget(1, self.mode_box)
        self.plot = new_plot(self.view, grid=False)
        self.plot.setLabel("bottom", "training step")
        self.plot.setLabel("left", "time step t")
        self.image = pg.ImageItem(axisOrder="col-major")
        self.plot.addItem(self.image)
        self.cmap = pg.colormap.get(HEATMAP_CMAP)
        self.bar = pg.ColorBarItem(values=(-1, 1), colorMap=self.cmap, interactive=False,
                                   label=LABELS["abs"], width=14)
        self.bar.setImageItem(self.image, insert_in=self.plot)
        self.loss_steps = 1
        self.div_line = None
        self.div_step = None

    @property
    def mode(self) -> str:
        return self.mode_box.currentData()

    def plot_items(self):
        return [self.plot]

    def apply_theme(self, theme):
        super().apply_theme(theme)
        style_colorbar(self.bar, theme, LABELS[self.mode])

    def _mode_changed(self) -> None:
        style_colorbar(self.bar, self.theme, LABELS[self.mode])
        self.dirty = True
        self._ranged_at = 0.0

    def new_run(self, info, history):
        super().new_run(info, history)
        self.loss_steps = int(getattr(info.dataset, "loss_steps", 1) or 1)
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
        from core.analysis.recurrent_series import grad_t_heatmap

        steps, img = grad_t_heatmap(history)          # (P,), (P, T) log10
        steps, img = steps[-WINDOW:], img[-WINDOW:]
        if len(img) == 0:
            self.image.clear()
            self.set_note(self.empty_note(""))
            self._table_fn = None
            return
        img = np.array(img, dtype=np.float64)
        img[~np.isfinite(img)] = np.nan
        T = img.shape[1]
        if self.mode == "rel":
            a = T - max(self.loss_steps, 1)
            img = img - img[:, a:a + 1]
        lo, hi = window_levels(img)
        shown = np.where(np.isfinite(img), img, lo)     # NaN (diverged) drawn at the bottom colour
        s0, s1 = float(steps[0]), float(steps[-1])
        dx = (s1 - s0) / max(len(steps) - 1, 1) if len(steps) > 1 else 1.0
        self.image.setImage(shown, levels=(lo, hi), autoLevels=False)
        self.image.setRect(QRectF(s0 - dx / 2, 0.5, dx * len(steps), T))
        self.bar.setLevels((lo, hi))
        self.set_note(f"Last {len(steps)} probed steps; 10^{lo:.1f} (dark) to 10^{hi:.1f} "
                      "(bright); bottom rows: early inputs.")
        if rerange:
            set_range(self.plot, x=(s0 - dx / 2, s0 + dx * (max(len(steps), 20) - 0.5)), sticky=False)
            set_range(self.plot, y=(0.5, T + 0.5))
        field = "log10_grad_t" if self.mode == "abs" else "log10_rel_grad_t"
        self._table_fn = lambda: (["step"] + [f"{field}_{i + 1}" for i in range(T)],
                                  np.column_stack([steps, img]).tolist())

