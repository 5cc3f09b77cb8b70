"""Step-Jacobian norms against theory: they include φ', so a tanh RNN at ρ = 1 still vanishes.

For W_hh = ρQ (Q orthogonal), J_t = diag(φ'(a_t))·ρQ has ‖J_t‖_F/√H = ρ·rms(φ'(a_t)) and
‖J_tᵀv‖ = ρ‖diag(φ')v‖: when the gradient's energy is spread over the units (mean-field), each
step back multiplies its norm by about ρ·rms(φ'). The product over t is what grad_t measures.
"""

from __future__ import annotations

import numpy as np
import pytest

from core.analysis.recurrent import decay_rate
from core.analysis.recurrent_jacobian import step_jacobian_norms
from core.presets import config_from_partial
from core.training.trainer import Trainer


def _trainer(activation, rho, seed=0, width=64, seq_len=60, scheme="orthogonal"):
    return Trainer(config_from_partial({
        "seed": seed, "device": "cpu",
        "model": {"kind": "rnn", "width": width, "activation": activation},
        "data": {"name": "adding", "seq_len": seq_len, "n_train": 64, "n_test": 8},
        "init": {"scheme": scheme, "spectral_radius": rho}}))


@pytest.mark.parametrize("rho", [0.8, 1.0, 1.2])
def test_linear_orthogonal_jacobian_norms_are_rho(rho):
    tr = _trainer("linear", rho, seq_len=12)
    for norm in ("rms", "spectral"):
        np.testing.assert_allclose(step_jacobian_norms(tr.model, tr.x_train, norm), rho,
                                   rtol=1e-5)


def test_tanh_rnn_at_rho_1_still_vanishes():
    """Eigenvalues on the unit circle, yet every step's typical gain is below 1 because tanh' < 1;
    the largest gain (spectral norm) is ≈ 1 and hides it."""
    tr = _trainer("tanh", 1.0)
    rms = step_jacobian_norms(tr.model, tr.x_train, "rms", max_batch=None)
    spec = step_jacobian_norms(tr.model, tr.x_train, "spectral", max_batch=None)
    assert np.all(rms < 1.0) and np.exp(np.log(rms).mean()) < 0.97
    assert np.all(spec <= 1.0 + 1e-6) and spec.mean() > 0.99
    g = tr.probe().grad_t
    assert g[0] / g[-1] < 0.97 ** 59


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("rho", [0.9, 1.0, 1.1])
def test_jacobian_rms_predicts_the_measured_gradient_decay(rho, seed):
    """Geometric mean of ρ·rms(φ') over the steps = grad_t's per-step factor, within 1%."""
    tr = _trainer("tanh", rho, seed=seed)
    rms = step_jacobian_norms(tr.model, tr.x_train, "rms", max_batch=None)
    predicted = float(np.exp(np.log(rms).mean()))
    measured = decay_rate(tr.probe().grad_t)
    assert measured == pytest.approx(predicted, rel=0.01)
    assert predicted < rho                      # φ' < 1 always costs something


def test_relu_irnn_jacobian_is_the_share_of_active_units():
    """IRNN (W = I, ReLU): J_t = diag(1[a_t > 0]), so rms = √(share of active units)."""
    tr = _trainer("relu", 1.0, scheme="identity", seq_len=10)
    from core.models.capture import Capture

    cap = Capture(track_grad=False)
    x = tr.x_train[:16]
    tr.model(x, cap)
    active = np.array([(p > 0).float().mean(1).sqrt().mean().item() for p in cap.pre[1:]])
    np.testing.assert_allclose(step_jacobian_norms(tr.model, x, "rms"), active, rtol=1e-5)
