"""log10 ‖∂L/∂h_t‖ as a heatmap over training steps (x) and time steps t (y).

Each column is one probed training step's gradient-through-time profile. Vanishing gradients
show as a dark band at small t that never brightens; an LSTM with an open forget gate is bright
all the way down. "Relative to t = T" divides every column by the gradient at the step the loss
reads, so the profile stays visible while the overall loss scale changes.
"""

from __future__ import annotations

import numpy as np

from desktop_app.plots.base import ModePanel, style_colorbar
from desktop_app.plots.numfmt import log_range_text
from desktop_app.plots.step_heatmap import WINDOW, StepHeatmapPanel

LABELS = {"abs": "‖∂L/∂hₜ‖", "rel": "‖∂L/∂hₜ‖ / ‖∂L/∂h<sub>T</sub>‖"}


class RnnGradHeatmapPlot(ModePanel, StepHeatmapPanel):
    key = "rnn_grad_heatmap"
    title = "Time × training step"
    rows_label = "time step t"
    bar_label = LABELS["abs"]       # follows the mode (see _mode_changed)

    def __init__(self, theme, parent=None):
        super().__init__(theme, parent)
        self.add_mode_box([("Gradient ‖∂L/∂hₜ‖ over training", "abs", "Gradient ‖∂L/∂hₜ‖",
                            "‖∂L/∂hₜ‖"),
                           ("‖∂L/∂hₜ‖ ÷ its value at t = T, over training", "rel",
                            "‖∂L/∂hₜ‖ relative", "‖∂L/∂hₜ‖ rel.")],
                          "Colour: log10 of the gradient reaching each time step, or of "
                          "its ratio to the gradient at the step the loss reads")
        self.loss_steps = 1

    def _mode_changed(self) -> None:
        self.bar_label = LABELS[self.mode]
        style_colorbar(self.bar, self.theme, self.bar_label)
        self.invalidate()

    def new_run(self, info, history):
        super().new_run(info, history)
        self.loss_steps = int(getattr(info.dataset, "loss_steps", 1) or 1)

    def draw(self, history, rerange):
        from core.analysis.recurrent_series import log10_clean

        # The shown window only (core's grad_t_heatmap takes the log of the whole history).
        steps = history.probe_steps("grad_t")[-WINDOW:]
        img = log10_clean(history.layer_matrix("grad_t")[-WINDOW:])   # (P, T), Inf/NaN → NaN
        if len(img) == 0:
            self.show_empty(self.empty_note(""))
            return
        T = img.shape[1]
        if self.mode == "rel":
            a = T - max(self.loss_steps, 1)
            img = img - img[:, a:a + 1]
        lo, hi = self.show_image(img, steps, rerange)   # NaN (diverged) at the bottom colour
        self.set_note(f"Last {len(steps)} probed steps; {log_range_text(lo, hi)}; "
                      "bottom rows: early inputs.")
        field = "log10_grad_t" if self.mode == "abs" else "log10_rel_grad_t"
        self._table_fn = lambda: (["step"] + [f"{field}_{i + 1}" for i in range(T)],
                                  np.column_stack([steps, img]).tolist())
