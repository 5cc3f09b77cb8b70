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


def test_maxout_with_heavy_dropout_blames_dropout_not_the_initial_weights():
    """QA: maxout with dropout 0.9 overflowed and was blamed on 'initial weights too large
    (σ_w = 1)'. Inverted dropout scales the kept units by 1/(1−p) = 10: E[h²] grows 10× per
    layer, the activations' size √10 ≈ 3.16× (10⁵ over 10 layers), with He's own scale."""
    from core.training.trainer import Trainer

    cfg = ExperimentConfig().with_values({
        "data.name": "moons", "model.depth": 10, "model.width": 64,
        "model.activation": "maxout", "model.dropout": 0.9, "init.scheme": "he_normal",
        "init.scale": 1.0, "optim.lr": 0.1})
    tr = Trainer(cfg, device="cpu")
    list(tr.steps(5))
    d = tr.diverged
    assert d is not None and d.where in ("forward", "loss") and d.step <= 2
    assert "dropout p = 0.9" in d.cause and "1/(1−p) = 10" in d.cause and "3.16" in d.cause
    assert "initial weights are too large" not in d.cause
    assert "model.dropout" in d.advice and "init.scale" not in d.advice
    assert not E_NOTATION.search(_text(d))


def _early(**values):
    cfg = ExperimentConfig().with_values(values)
    return diagnose(cfg, 1, "forward", 2, "h3", [])


def test_dropout_is_named_once_its_scaling_alone_grows_the_signal_more_than_tenfold():
    # (1−p)^(−depth/2): p = 0.5 → 2^3 = 8 over 6 layers, 2^3.5 ≈ 11.3 over 7
    assert "dropout" not in _early(**{"model.dropout": 0.5, "model.depth": 6}).cause
    d = _early(**{"model.dropout": 0.5, "model.depth": 7})
    assert "dropout p = 0.5" in d.cause and "11.3 over the 7 layers" in d.cause
    assert "lower model.dropout to 0.48 or less" in d.advice      # 1 − 10^(−2/7) = 0.480
    # p = 0.1 needs 44 layers to reach a decade: a light dropout is not blamed in a normal net
    assert "dropout" not in _early(**{"model.dropout": 0.1, "model.depth": 43}).cause
    assert "dropout" in _early(**{"model.dropout": 0.1, "model.depth": 44}).cause
    # batch norm renormalises the next layer's input: dropout's scale cannot pile up
    assert "dropout" not in _early(**{"model.dropout": 0.9, "model.depth": 30,
                                      "model.norm": "batch"}).cause


def test_the_advised_dropout_is_where_it_stops_mattering():
    from core.training.divergence import dropout_growth

    for depth in (3, 7, 10, 30, 64):
        d = _early(**{"model.dropout": 0.9, "model.depth": depth})
        advised = float(d.advice.split("model.dropout to ")[1].split()[0])
        cfg = ExperimentConfig().with_values({"model.dropout": advised, "model.depth": depth})
        assert dropout_growth(cfg) is None, (depth, advised)
        cfg = cfg.with_value("model.dropout", advised + 0.02)
        assert dropout_growth(cfg) is not None, (depth, advised)


def test_large_weights_keep_the_blame_and_dropout_is_added_to_it():
    plain = _early(**{"init.scale": 5.0, "model.depth": 30})
    assert "initial weights are too large" in plain.cause and "ropout" not in plain.cause
    both = _early(**{"init.scale": 5.0, "model.depth": 30, "model.dropout": 0.5})
    assert "initial weights are too large" in both.cause and "Dropout p = 0.5 adds" in both.cause
    assert "model.dropout" in both.advice and "init.scale" in both.advice
    back = diagnose(ExperimentConfig().with_values({"model.dropout": 0.5, "model.depth": 30}),
                    2, "backward", 1, "h2", [])
    assert "/√(1−p)" in back.cause and "Dropout p = 0.5 is part of it" in back.cause
    late = diagnose(ExperimentConfig().with_values({"model.dropout": 0.5, "model.depth": 30}),
                    50, "loss", None, None, [1.0] * 10)
    assert "learning rate" in late.cause and "Dropout p = 0.5 makes the steps larger" in late.cause
    assert not any(E_NOTATION.search(_text(x)) for x in (both, back, late))
