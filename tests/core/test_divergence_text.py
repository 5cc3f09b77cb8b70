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
