"""The Deep Network lab: depth, width, activation, initialization and remedies against
vanishing/exploding gradients, with five live plots and the preset's explanation."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QWidget

from core.config import ACTIVATIONS, DATASETS_1D, DATASETS_2D, INIT_SCHEMES, ExperimentConfig
from desktop_app.labs.base import Lab
from desktop_app.plots.activations import ActivationsPlot
from desktop_app.plots.boundary_task import compute_boundary
from desktop_app.plots.decision_boundary import DecisionBoundaryPlot
from desktop_app.plots.grad_heatmap import GradHeatmapPlot
from desktop_app.plots.grad_per_layer import GradPerLayerPlot
from desktop_app.plots.loss_curves import LossCurvesPlot
from desktop_app.widgets.controls_panel import Control, ControlsPanel
from desktop_app.widgets.lesson_card import LessonCard
from desktop_app.workers.messages import Task

DATASET_CHOICES = tuple((d, d) for d in DATASETS_2D if d != "csv") + \
    tuple((d, f"{d} (1-D regression)") for d in DATASETS_1D) + (("csv", "CSV file…"),)

SECTIONS = [
    ("Network", [
        Control("model.depth", "Depth L", "int", 1, 100),
        Control("model.width", "Width (units)", "log", 2, 1024),
        Control("model.activation", "Activation φ", "choice",
                choices=tuple((a, a) for a in ACTIVATIONS)),
        Control("model.skip", "Skip connections", "choice"),
        Control("model.norm", "Normalisation", "choice"),
        Control("model.dropout", "Dropout p", "float", 0.0, 0.9),
    ]),
    ("Initialization", [
        Control("init.scheme", "Scheme", "choice", choices=tuple((s, s) for s in INIT_SCHEMES)),
        Control("init.scale", "Weight scale σ_w", "float", 0.0, 4.0),
        Control("init.bias_std", "Bias std σ_b", "float", 0.0, 2.0),
    ]),
    ("Optimizer", [
        Control("optim.name", "Optimizer", "choice"),
        Control("optim.lr", "Learning rate η", "log", 1e-5, 10.0),
        Control("optim.momentum", "Momentum β", "float", 0.0, 0.999, decimals=3),
        Control("optim.batch_size", "Batch size", "log", 1, 4096),
        Control("optim.weight_decay", "L2 λ₂", "log", 1e-6, 1.0, zero_at_min=True),
        Control("optim.l1", "L1 λ₁", "log", 1e-6, 1.0, zero_at_min=True),
        Control("optim.clip_norm", "Clip ‖g‖ at", "log", 0.01, 1000.0, zero_at_min=True),
    ]),
    ("Data and run", [
        Control("data.name", "Dataset", "choice", choices=DATASET_CHOICES),
        Control("data.noise", "Noise σ", "float", 0.0, 1.0),
        Control("data.n_train", "Train examples", "log", 8, 20000),
        Control("seed", "Seed", "spin"),
        Control("device", "Device", "choice", choices=(("auto", "auto"), ("cpu", "cpu"))),
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
        self.activations = ActivationsPlot(t)
        self.loss = LossCurvesPlot(t)
        self.lesson = LessonCard(t, self.lesson_title, self.lesson_text)
        w = QWidget()
        grid = QGridLayout(w)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        grid.addWidget(self.grad, 0, 0)
        grid.addWidget(self.heatmap, 0, 1)
        grid.addWidget(self.boundary, 0, 2)
        grid.addWidget(self.activations, 1, 0)
        grid.addWidget(self.loss, 1, 1)
        grid.addWidget(self.lesson, 1, 2)
        for i in range(3):
            grid.setColumnStretch(i, 1)
        for i in range(2):
            grid.setRowStretch(i, 1)
        return w

    def panels(self) -> list:
        return [self.grad, self.heatmap, self.boundary, self.activations, self.loss]

    def tasks(self) -> list:
        return [Task("boundary", compute_boundary, min_interval=0.3, max_share=0.15)]

    def accepts(self, cfg: ExperimentConfig) -> bool:
        return cfg.model.kind == "mlp"

    def on_task(self, name, payload) -> None:
        if name == "boundary":
            self.boundary.set_result(payload)

    def set_preset(self, preset) -> None:
        self.lesson.set_preset(preset)

    def start_run(self, info, history) -> None:
        devices = ["auto", *info.devices]
        self.controls_panel.set_choices("device", [(d, d) for d in devices])
        super().start_run(info, history)

    def apply_theme(self, theme) -> None:
        super().apply_theme(theme)
        self.lesson.apply_theme(theme)
