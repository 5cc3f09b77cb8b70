"""The Deep Network lab: depth, width, activation, initialization and remedies against
vanishing/exploding gradients, with five live plots and the preset's explanation."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from core.config import DATASETS_1D, DATASETS_2D, ExperimentConfig
from desktop_app.labs.base import Lab, plots_grid
from desktop_app.labs.shared_controls import (
    AUGMENT_NOISE,
    CLIP_NORM,
    DATA_NOISE,
    DEVICE,
    EARLY_STOP,
    MLP_INIT,
    MLP_OPTIMIZER,
    SEED,
    TRAIN_EXAMPLES,
    mlp_network,
)
from desktop_app.plots.activations import ActivationsPlot
from desktop_app.plots.boundary_task import compute_boundary, compute_input_gradient
from desktop_app.plots.decision_boundary import DecisionBoundaryPlot
from desktop_app.plots.grad_heatmap import GradHeatmapPlot
from desktop_app.plots.grad_per_layer import GradPerLayerPlot
from desktop_app.plots.loss_curves import LossCurvesPlot
from desktop_app.widgets.controls_panel import Control, ControlsPanel
from desktop_app.workers.messages import Task

DATASET_CHOICES = tuple((d, d) for d in DATASETS_2D if d != "csv") + \
    tuple((d, f"{d} (1-D regression)") for d in DATASETS_1D) + (("csv", "CSV file…"),)

SECTIONS = [
    ("Network", [
        *mlp_network(max_depth=100, max_width=1024),
        Control("model.dropout", "Dropout p", "float", 0.0, 0.9),
    ]),
    ("Initialization", [
        *MLP_INIT,
        Control("init.bias_std", "Bias std σ_b", "float", 0.0, 2.0),
    ]),
    ("Optimizer", [
        *MLP_OPTIMIZER,
        Control("optim.l1", "L1 λ₁", "log", 1e-6, 1.0, zero_at_min=True),
        CLIP_NORM,
    ]),
    ("Data and run", [
        Control("data.name", "Dataset", "choice", choices=DATASET_CHOICES),
        DATA_NOISE,
        TRAIN_EXAMPLES,
        AUGMENT_NOISE,
        EARLY_STOP,
        SEED,
        DEVICE,
    ]),
]

LESSON_TEXT = (
    "<p>Each hidden layer multiplies the backpropagated gradient ∂L/∂h by its weights and by "
    "φ′. Over many layers that product shrinks (vanishing) or grows (exploding) "
    "geometrically — unless the initialization keeps it near 1 per layer.</p>"
    "<p><b>Try:</b> raise <i>Depth</i> to 30 with sigmoid and watch the left plot fall "
    "away towards the input; switch to tanh with xavier_normal, or relu with he_normal, and it "
    "flattens. Push <i>Weight scale σ_w</i> above 1.5 to make it explode. The dashed line "
    "is the mean-field prediction: √χ per layer, with χ = σ_w² E[φ′(z)²].</p>"
    "<p>A panel title with ▾ is a menu of views: the activations panel shows the slope "
    "φ′(z) per layer (the sigmoid's is at most 1/4), the decision-boundary panel the input "
    "gradient ∂y/∂x₁ along a line, which deep plain ReLU nets shatter into noise.</p>"
    "<p>Presets (menu <i>Presets</i>) set up each effect with an explanation.</p>")


class DeepLab(Lab):
    name = "deep"
    title = "Deep network"
    lesson_title = "Why deep networks are hard to train"
    lesson_text = LESSON_TEXT

    def build_controls(self) -> QWidget:
        self.controls_panel = ControlsPanel(self.state, SECTIONS)
        self.controls_panel.setMinimumWidth(300)
        return self.controls_panel

    def build_plots(self) -> QWidget:
        t = self.theme
        self.grad = GradPerLayerPlot(t)
        self.heatmap = GradHeatmapPlot(t)
        self.boundary = DecisionBoundaryPlot(t)
        self.boundary.view_changed.connect(self._boundary_view_changed)
        self.activations = ActivationsPlot(t)
        self.loss = LossCurvesPlot(t)
        return plots_grid([[self.grad, self.heatmap, self.boundary],
                           [self.activations, self.loss, self.lesson]])

    def panels(self) -> list:
        return [self.grad, self.heatmap, self.boundary, self.activations, self.loss]

    def tasks(self) -> list:
        if self.boundary.shows_gradient:     # only the shown view is computed
            return [Task("input_gradient", compute_input_gradient, min_interval=0.3,
                         max_share=0.1)]
        return [Task("boundary", compute_boundary, min_interval=0.3, max_share=0.15)]

    def set_preset(self, preset) -> None:
        """A preset also chooses what the decision-boundary panel shows (its "view")."""
        super().set_preset(preset)
        if preset is not None:
            box = self.boundary.mode_box
            box.setCurrentIndex(box.findData(preset.view.get("boundary_view", "boundary")))

    def _boundary_view_changed(self) -> None:
        if self.isVisible():
            self.controller.set_tasks(self.tasks())   # runs the new view's task at once

    def accepts(self, cfg: ExperimentConfig) -> bool:
        return cfg.model.kind == "mlp"

    def on_task(self, name, payload) -> None:
        if name == "boundary":
            self.boundary.set_result(payload)
        elif name == "input_gradient":
            self.boundary.set_gradient(payload)

    def set_config(self, cfg: ExperimentConfig, keys) -> None:
        """The patience and the augmentation noise change live: the loss plot's caption says
        whether early stopping ended the run, its key whether the batch loss is on noisy copies."""
        self.loss.set_patience(cfg.train.early_stop)
        self.loss.set_augment(cfg.data.augment_noise)

    def start_run(self, info, history) -> None:
        self.offer_devices(info)
        super().start_run(info, history)
