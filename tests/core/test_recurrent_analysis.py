"""The recurrent lab's analysis API: shapes, edge cases and the small exact facts behind it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.analysis import recurrent as ra
from core.presets import config_from_partial
from core.training.history import History
from core.training.record import StepRecord
from core.training.trainer import Trainer


def _trainer(kind="lstm", seq_len=8, width=6, **init):
    return Trainer(config_from_partial({
        "device": "cpu", "model": {"kind": kind, "width": width},
        "data": {"name": "adding", "seq_len": seq_len, "n_train": 16, "n_test": 8},
        "init": init}))


def test_matrix_spectrum_of_a_known_matrix():
    w = np.array([[0.0, -2.0], [0.5, 0.0]])     # eigenvalues ±i, singular values 2 and 0.5
    s = ra.matrix_spectrum(w)
    assert s["spectral_radius"] == pytest.approx(1.0)
    np.testing.assert_allclose(sorted(s["eigenvalues"]["imag"]), [-1, 1])
    np.testing.assert_allclose(s["eigenvalues"]["real"], 0, atol=1e-12)
    np.testing.assert_allclose(s["singular_values"], [2.0, 0.5])
    with pytest.raises(ValueError, match="square"):
        ra.matrix_spectrum(np.zeros((2, 3)))


def test_rescale_spectrum_equals_recomputing():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((20, 20))
    s = ra.matrix_spectrum(w)
    r = ra.rescale_spectrum(s, 0.7)
    direct = ra.matrix_spectrum(w * 0.7 / s["spectral_radius"])
    assert r["spectral_radius"] == pytest.approx(0.7)
    np.testing.assert_allclose(r["singular_values"], direct["singular_values"], rtol=1e-12)
    np.testing.assert_allclose(np.sort_complex(np.array(r["eigenvalues"]["real"])
                                               + 1j * np.array(r["eigenvalues"]["imag"])),
                               np.sort_complex(np.array(direct["eigenvalues"]["real"])
                                               + 1j * np.array(direct["eigenvalues"]["imag"])),
                               rtol=1e-10, atol=1e-12)
    zero = ra.rescale_spectrum(ra.matrix_spectrum(np.zeros((3, 3))), 2.0)
    assert zero["spectral_radius"] == 0.0


def test_blocks_by_gate_name():
    tr = _trainer("lstm", width=6)
    w = tr.model.cell.weight_hh.detach().double().numpy()
    for i, name in enumerate(ra.GATE_NAMES["lstm"]):
        np.testing.assert_array_equal(ra.recurrent_matrix(tr.model, name), w[6 * i:6 * (i + 1)])
    np.testing.assert_array_equal(ra.recurrent_matrix(tr.model), w[12:18])   # the g block
    with pytest.raises(ValueError, match="blocks"):
        ra.recurrent_matrix(tr.model, "z")
    assert set(ra.spectrum(tr.model, "f")) == {"spectral_radius", "eigenvalues", "singular_values"}


def test_linear_prediction_anchor_and_nan():
    g = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    # ρ is the factor per step BACK in time: g halves each step back for ρ = 0.5.
    np.testing.assert_allclose(ra.linear_prediction(g, 0.5), g)
    p = ra.linear_prediction(g, 2.0, loss_steps=2)      # anchored at index 3
    np.testing.assert_allclose(p[:4], [64, 32, 16, 8])
    assert np.isnan(p[4])
    assert np.all(np.isnan(ra.linear_prediction(g[:1], 0.5, loss_steps=3)))


def test_per_step_factors_and_decay_rate():
    g = 0.9 ** np.arange(10)[::-1]        # grows towards the last step: factor 0.9 per step back
    np.testing.assert_allclose(ra.per_step_factors(g), 0.9)
    assert ra.decay_rate(g) == pytest.approx(0.9)
    assert ra.decay_rate(g, 2, 5) == pytest.approx(0.9)
    assert np.isnan(ra.per_step_factors(np.array([1.0, 0.0]))[0])
    assert np.isnan(ra.decay_rate(np.array([0.0, 1.0])))
    with pytest.raises(ValueError):
        ra.decay_rate(g, 5, 5)


def test_log10_clean():
    out = ra.log10_clean(np.array([0.0, 1e-3, np.inf, np.nan, 1e40]))
    np.testing.assert_allclose(out[[0, 1, 4]], [-30, -3, 30])
    assert np.isnan(out[2]) and np.isnan(out[3])


def test_clip_helpers_from_history_and_records():
    recs = [StepRecord(step=i + 1, loss=1.0, train_acc=np.nan, lr=0.1, grad_norm=1.0,
                       clipped=c, finite=True) for i, c in enumerate([True, False, True, True])]
    h = History()
    h.extend(recs)
    np.testing.assert_array_equal(ra.clipped_curve(h), [1, 1, 2, 3])
    assert ra.clipped_steps(h) == 3
    assert ra.clipped_steps(recs) == 3
    assert ra.clipped_steps(History()) == 0


def test_grad_t_heatmap_from_a_history():
    tr = _trainer("rnn", seq_len=7)
    h = History()
    for _ in range(3):
        h.append(tr.step())
    steps, z = ra.grad_t_heatmap(h)
    np.testing.assert_array_equal(steps, [1, 2, 3])
    assert z.shape == (3, 7)
    np.testing.assert_allclose(z[-1], np.log10(h.last.grad_t))


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_gate_activity_and_percentiles(kind):
    tr = _trainer(kind, seq_len=9, width=5, forget_bias=2.0)
    x = tr.x_train[:4]
    act = ra.gate_activity(tr.model, x)
    assert act.shape == (9, 5) and act.dtype == np.float64
    assert np.all((act > 0) & (act < 1))
    # Its mean over units is the trainer's per-step gate mean (same batch).
    rec = tr.probe(x, tr.y_train[:4])
    np.testing.assert_allclose(act.mean(1), rec.gate_t, rtol=1e-5)
    pct = ra.gate_percentiles(tr.model, x, q=(0.0, 50.0, 100.0))
    assert pct.shape == (9, 3)
    assert np.all(np.diff(pct, axis=1) >= 0)
    if kind == "lstm":                      # forget bias 2: the forget gate starts open
        assert act.mean() > 0.8


def test_gate_functions_return_none_for_a_vanilla_rnn():
    tr = _trainer("rnn")
    assert ra.gate_activity(tr.model, tr.x_train) is None
    assert ra.gate_percentiles(tr.model, tr.x_train) is None


def test_initial_spectrum_rejects_an_mlp():
    cfg = config_from_partial({})
    with pytest.raises(ValueError, match="no recurrent matrix"):
        ra.initial_recurrent_matrix(cfg)


def test_analysis_does_not_change_the_model():
    tr = _trainer("lstm")
    before = {k: v.clone() for k, v in tr.model.state_dict().items()}
    ra.gate_activity(tr.model, tr.x_train)
    ra.spectrum(tr.model)
    for k, v in tr.model.state_dict().items():
        assert torch.equal(v, before[k])
    assert tr.model.training
