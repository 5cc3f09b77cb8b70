"""The recurrent lab's presets: valid, explained, paired fairly, and true at step 0.

The full training claims of each explanation were checked by running the presets (see the
README's Recurrent lab section); here only what is cheap to check at initialization or in a few
steps.
"""

from __future__ import annotations

import numpy as np
import pytest

from core.analysis.recurrent import spectrum
from core.presets import all_presets, load_preset
from core.training.trainer import Trainer

RECURRENT = ("rnn_vanishing", "rnn_orthogonal", "rnn_exploding", "rnn_clipping", "rnn_long_delay",
             "lstm_long_delay", "lstm_closed_gates", "gru_long_delay")


def test_every_recurrent_preset_is_listed_and_explained():
    ours = {p.name: p for p in all_presets() if p.lab == "recurrent"}
    assert set(RECURRENT) <= set(ours)
    for name in RECURRENT:
        p = ours[name]
        assert p.config.model.kind in ("rnn", "lstm", "gru")
        assert len(p.title) > 10 and len(p.explanation) > 200
        assert 1 <= p.steps <= 1000


def _small(name, n=128):
    cfg = load_preset(name).config
    return cfg.with_value("data.n_train", n).with_value("device", "cpu")


def _ratio(tr):
    g = tr.probe().grad_t
    return g[0] / g[-1]


def test_pairs_differ_only_where_they_should():
    base = load_preset("rnn_long_delay").config
    for other in ("lstm_long_delay", "gru_long_delay", "lstm_closed_gates"):
        cfg = load_preset(other).config
        assert (cfg.seed, cfg.data, cfg.optim) == (base.seed, base.data, base.optim)
    exploding, clipping = load_preset("rnn_exploding").config, load_preset("rnn_clipping").config
    assert exploding.with_value("optim.clip_norm", 1.0) == clipping
    vanishing, orthogonal = load_preset("rnn_vanishing").config, load_preset("rnn_orthogonal").config
    assert vanishing.with_value("init.spectral_radius", 1.0) == orthogonal


def test_radius_presets_start_at_their_radius_and_slope():
    for name, rho in (("rnn_vanishing", 0.9), ("rnn_orthogonal", 1.0), ("rnn_exploding", 1.1)):
        tr = Trainer(_small(name))
        assert spectrum(tr.model)["spectral_radius"] == pytest.approx(rho, abs=1e-6)
        r = _ratio(tr)
        T = tr.config.data.seq_len
        if name == "rnn_exploding":           # linear: exactly ρ^(T−1)
            assert r == pytest.approx(1.1 ** (T - 1), rel=1e-4)
        else:                                 # tanh: below ρ^(T−1)
            assert r < rho ** (T - 1)
    # "about 1/20 of the last step's gradient, against 1/1000 at ρ = 0.9"
    vanishing, orthogonal = _ratio(Trainer(_small("rnn_vanishing"))), _ratio(Trainer(_small(
        "rnn_orthogonal")))
    assert 1e-2 < orthogonal < 0.1 and 3e-4 < vanishing < 3e-3


def test_exploding_diverges_and_clipping_holds():
    tr = Trainer(_small("rnn_exploding"))
    recs = list(tr.steps(5))
    assert tr.diverged is not None and tr.diverged.step <= 3
    tr = Trainer(_small("rnn_clipping"))
    recs = list(tr.steps(5))
    assert tr.diverged is None and all(r.clipped for r in recs)
    assert recs[-1].loss < recs[0].loss


def test_gated_presets_start_as_their_text_says():
    open_lstm = Trainer(_small("lstm_long_delay"))
    closed_lstm = Trainer(_small("lstm_closed_gates"))
    rnn = Trainer(_small("rnn_long_delay"))
    assert np.mean(open_lstm.probe().gate_t) > 0.9
    assert 0.4 < np.mean(closed_lstm.probe().gate_t) < 0.6
    assert _ratio(open_lstm) > 0.3
    assert _ratio(closed_lstm) < 1e-4 < _ratio(rnn)


def test_closed_gates_start_mid_grey_as_the_text_says():
    """lstm_closed_gates: "every row starts between 0.46 and 0.55 (10th to 90th percentile
    0.47–0.54)", measured as the gate panel does (64 training sequences, full data set)."""
    import torch

    from core.analysis.recurrent import gate_activity, gate_percentiles

    cfg = load_preset("lstm_closed_gates").config.with_value("device", "cpu")
    tr = Trainer(cfg)
    x = torch.as_tensor(np.ascontiguousarray(tr.dataset.x_train[:64]))
    rows = gate_activity(tr.model, x).mean(axis=0)            # one value per hidden unit
    assert 0.455 <= rows.min() and rows.max() <= 0.555
    p10, p90 = gate_percentiles(tr.model, x, (10.0, 90.0)).mean(axis=0)
    assert round(p10, 2) == 0.47 and round(p90, 2) == 0.54


def test_explanations_write_subscripts_and_superscripts():
    """fₜ, hₜ₋₁, ρ₀ᵀ⁻ᵗ as the plots write them, not f_t, h_(t−1), ρ^(T−t)."""
    import re

    bad = re.compile(r"[A-Za-zσλñ]_(t\b|\(|max\b|0\b|T\b)|\^\(")
    for name in RECURRENT:
        p = load_preset(name)
        for text in (p.title, p.explanation):
            assert not bad.search(text), (name, bad.search(text).group())
