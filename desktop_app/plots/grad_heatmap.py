"""Plot 2: gradient flow over time, a layer × step heatmap of log10 ‖∂L/∂h_l‖.

The colour scale follows the recent window (see step_heatmap), so healthy gradients never look
vanished next to an old spike.
"""

from __future__ import annotations

import numpy as np

from desktop_app.plots.clean import log10_safe
from desktop_app.plots.numfmt import log_range_text
from desktop_app.plots.step_heatmap import WINDOW, StepHeatmapPanel


class GradHeatmapPlot(StepHeatmapPanel):
    key = "grad_heatmap"
    title = "Gradient flow over time"
    short_title = "Gradient flow"
    rows_label = "hidden layer l"
    bar_label = "‖∂L/∂hₗ‖"

    def draw(self, history, rerange):
        mat = history.layer_matrix("grad_h")[-WINDOW:]
        steps = history.probe_steps("grad_h")[-WINDOW:]
        if len(mat) == 0:
            self.show_empty(self.empty_note())
            return
        zero = np.asarray(mat) == 0             # dead layers: no gradient at all, not "small"
        lo, hi = self.show_image(log10_safe(mat), steps, rerange, blank=zero)  # x step, y layer
        note = (f"Colours scaled to the last {len(steps)} probed steps: "
                f"{log_range_text(lo, hi)}.")
        if zero.any():
            note += " Blank cells: exactly zero gradient (no signal reaches that layer)."
        self.set_note(note)
        layers = mat.shape[1]
        self._table_fn = lambda: (["step"] + [f"log10_grad_h_{i + 1}" for i in range(layers)],
                                  np.column_stack([steps, log10_safe(mat)]).tolist())
