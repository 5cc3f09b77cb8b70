"""Controls that more than one lab shows, defined once so that their labels and ranges agree.

A lab's sections combine these with its own (a range or a choice list of its own stays in the
lab). The Device control offers "auto" and "cpu" until a run reports the machine's devices
(Lab.offer_devices).
"""

from __future__ import annotations

from core.config import ACTIVATIONS, INIT_SCHEMES
from desktop_app.widgets.controls_panel import Control

# ---- every lab ---------------------------------------------------------------------------------
INIT_SCALE = Control("init.scale", "Weight scale σ_w", "float", 0.0, 4.0)
LEARNING_RATE = Control("optim.lr", "Learning rate η", "log", 1e-5, 10.0)
CLIP_NORM = Control("optim.clip_norm", "Clip ‖g‖ at", "log", 0.01, 1000.0, zero_at_min=True)
SEED = Control("seed", "Seed", "spin")
DEVICE = Control("device", "Device", "choice", choices=(("auto", "auto"), ("cpu", "cpu")))


# ---- the labs that train an MLP (deep network, landscape) --------------------------------------
def mlp_network(max_depth: int, max_width: int) -> list[Control]:
    """Depth, width, activation, skip connections and normalisation."""
    return [
        Control("model.depth", "Depth L", "int", 1, max_depth),
        Control("model.width", "Width (units)", "log", 2, max_width),
        Control("model.activation", "Activation φ", "choice",
                choices=tuple((a, a) for a in ACTIVATIONS)),
        Control("model.skip", "Skip connections", "choice"),
        Control("model.norm", "Normalisation", "choice"),
    ]


MLP_INIT = [
    Control("init.scheme", "Scheme", "choice", choices=tuple((s, s) for s in INIT_SCHEMES)),
    INIT_SCALE,
]
MLP_OPTIMIZER = [
    Control("optim.name", "Optimizer", "choice"),
    LEARNING_RATE,
    Control("optim.momentum", "Momentum β", "float", 0.0, 0.999, decimals=3),
    Control("optim.batch_size", "Batch size", "log", 1, 4096),
    Control("optim.weight_decay", "L2 λ₂", "log", 1e-6, 1.0, zero_at_min=True),
]
DATA_NOISE = Control("data.noise", "Noise σ", "float", 0.0, 1.0)
TRAIN_EXAMPLES = Control("data.n_train", "Train examples", "log", 8, 20000)
# The overfitting remedies that act on the data and on the run's length (leftmost = off).
AUGMENT_NOISE = Control("data.augment_noise", "Augment noise σₐ", "float", 0.0, 1.0)
EARLY_STOP = Control("train.early_stop", "Early stop patience", "log", 1, 100, zero_at_min=True)
