"""The divergence banner's cause text writes numbers as students read them (no 5e-05)."""

from __future__ import annotations

import re

from core.config import ExperimentConfig
from core.training.divergence import diagnose

E_NOTATION = re.compile(r"\d[eE][+-]?\d")


def _text(d) -> str:
    return f"{d.message} {d.cause} {d.advice}"


def test_small_learning_rate_and_scale_are_not_in_e_notation():
    cfg = ExperimentConfig().with_value("optim.lr", 5e-5).with_value("init.scale", 2e-5)
    late = diagnose(cfg, 50, "loss", None, None, [1.0] * 10)          # the learning-rate cause
    assert "5 × 10⁻⁵" in late.cause and not E_NOTATION.search(_text(late))
    early = diagnose(cfg, 1, "forward", 3, "h4", [])                  # the initial-scale cause
    assert "2 × 10⁻⁵" in early.cause and not E_NOTATION.search(_text(early))


def test_recurrent_cause_names_the_spectral_radius():
    cfg = ExperimentConfig().with_values({"model.kind": "rnn", "data.name": "adding",
                                          "init.spectral_radius": 1.1})
    d = diagnose(cfg, 2, "backward", 0, "hₜ at t = 1", [1.0] * 5)
    assert "ρ = 1.1" in d.cause and "ρᵀ⁻ᵗ" in d.cause and not E_NOTATION.search(_text(d))


def test_recurrent_overflow_before_training_blames_the_radius_through_time_not_layers():
    """A linear RNN with ρ = 10 overflows hₜ within ~40 of its 1000 steps at step 1, before any
    update; clipping is on, so neither gradients nor the (ignored) depth can be the cause."""
    from core.training.trainer import Trainer

    cfg = ExperimentConfig().with_values({
        "model.kind": "rnn", "model.activation": "linear", "data.name": "adding",
        "data.seq_len": 1000, "data.n_train": 16, "data.n_test": 16,
        "init.spectral_radius": 10, "optim.clip_norm": 1})
    tr = Trainer(cfg, device="cpu")
    list(tr.steps(3))
    d = tr.diverged
    assert d is not None and d.step == 1 and d.where == "forward"
    # 10ᵗ passes float32's 3.4e38 near t = 38 (the input adds a little): named as a time step.
    assert d.layer_name.startswith("hₜ at t = ") and 30 <= int(d.layer_name.split()[-1]) <= 45
    assert "ρ = 10" in d.cause and "1000 time steps" in d.cause
    assert "layers" not in d.cause and "gradient" not in d.cause
    assert "init.spectral_radius" in d.advice and not E_NOTATION.search(_text(d))
