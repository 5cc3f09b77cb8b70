"""One line per choice of a config key (activation formulas, init schemes), for tooltips.

Torch-free, so the GUI process can show them without loading torch.
"""

from __future__ import annotations

ACTIVATION_FORMULAS = {
    "sigmoid": "σ(x) = 1/(1+e^−x), σ' ≤ 1/4",
    "tanh": "tanh(x), tanh'(0) = 1",
    "relu": "max(0, x)",
    "leaky_relu": "max(0.01x, x)",
    "prelu": "max(ax, x), slope a learned (starts at 0.25)",
    "elu": "x if x > 0 else e^x − 1",
    "selu": "λ·elu_α(x), self-normalising (Klambauer et al. 2017)",
    "gelu": "x·Φ(x)",
    "silu": "x·σ(x)",
    "softplus": "log(1 + e^x)",
    "maxout": "max over k linear pieces (Goodfellow et al. 2013)",
    "linear": "identity: the net is a product of matrices",
}

INIT_DESCRIPTIONS = {
    "zeros": "all weights 0: every unit computes the same thing (symmetry is never broken)",
    "normal": "W ~ N(0, σ_w²/fan_in): σ_w is the mean-field weight scale",
    "uniform": "W ~ U(−σ_w/√fan_in, σ_w/√fan_in): the heuristic Glorot & Bengio 2010 criticised",
    "xavier_normal": "W ~ N(0, 2σ_w²/(fan_in+fan_out)): Glorot & Bengio 2010, for tanh",
    "xavier_uniform": "W ~ U(±σ_w√(6/(fan_in+fan_out))): Glorot & Bengio 2010",
    "he_normal": "W ~ N(0, 2σ_w²/fan_in): He et al. 2015, keeps ReLU gradients flat",
    "he_uniform": "W ~ U(±σ_w√(6/fan_in)): He et al. 2015",
    "lecun_normal": "W ~ N(0, σ_w²/fan_in): LeCun et al. 1998, for SELU",
    "orthogonal": "σ_w·Q, Q orthogonal: every singular value is σ_w (Saxe et al. 2014)",
    "identity": "σ_w·I: the IRNN of Le et al. 2015",
    "lsuv": "orthogonal, then each layer rescaled until its output variance is 1 on a batch "
            "(Mishkin & Matas 2015)",
}

CHOICE_HELP = {"model.activation": ACTIVATION_FORMULAS, "init.scheme": INIT_DESCRIPTIONS}


def choice_help(key: str, value: str) -> str | None:
    """The one-line explanation of `value` for the dotted `key`, where there is one."""
    return CHOICE_HELP.get(key, {}).get(value)
