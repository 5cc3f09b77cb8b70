"""Step Jacobians ∂s_t/∂s_(t−1): closed form vs autograd, backprop consistency, norms, cost."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from core.analysis.recurrent_jacobian import state_size, step_jacobian_norms, step_jacobians
from core.models.capture import Capture
from core.models.recurrent import RecurrentNet
from core.presets import config_from_partial
from core.training.trainer import Trainer


def _model(kind, activation="tanh", hidden=6, in_dim=3, seed=0, scale=0.6):
    torch.manual_seed(seed)
    m = RecurrentNet(kind, in_dim, 2, hidden, activation, 1)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn(p.shape) * scale)
    return m


X = torch.randn(3, 7, 3, generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize("activation", ["tanh", "relu", "linear"])
def test_closed_form_equals_autograd_for_the_vanilla_rnn(activation):
    m = _model("rnn", activation)
    a = step_jacobians(m, X, "closed")
    b = step_jacobians(m, X, "autograd")
    assert a.shape == (3, 6, 6, 6)
    torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-6)
    if activation == "linear":              # J_t = W_hh exactly
        torch.testing.assert_close(a[1, 2], m.cell.weight_hh.detach())


def _finite_difference_jacobian(m, x, b, t, eps=1e-3):
    """∂s_t/∂s_(t−1) by central differences in float64 on one example (independent check)."""
    m = m.double()
    h = m.cell.hidden
    cap = Capture(track_grad=False)
    with torch.no_grad():
        m(x.double(), cap)
    h_prev = cap.outputs[t - 1][b]
    c_prev = cap.pre[t - 1][b] if m.kind == "lstm" else torch.zeros(h, dtype=torch.float64)

    def step(s):
        c = m.cell
        hh = s[None, :h] @ c.weight_hh.T + c.bias_hh
        xi = x.double()[b, t][None] @ c.weight_ih.T + c.bias_ih
        mem = s[None, h:] if m.kind == "lstm" else torch.zeros(1, h, dtype=torch.float64)
        h2, mem2, _, _ = m._step(xi, hh, s[None, :h], mem)
        return torch.cat([h2, mem2], 1)[0] if m.kind == "lstm" else h2[0]

    s0 = torch.cat([h_prev, c_prev]) if m.kind == "lstm" else h_prev
    cols = []
    with torch.no_grad():
        for i in range(len(s0)):
            e = torch.zeros_like(s0)
            e[i] = eps
            cols.append((step(s0 + e) - step(s0 - e)) / (2 * eps))
    m.float()
    return torch.stack(cols, 1)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_autograd_jacobian_matches_finite_differences(kind):
    m = _model(kind)
    j = step_jacobians(m, X, "autograd")
    assert j.shape[-1] == state_size(m) == (12 if kind == "lstm" else 6)
    fd = _finite_difference_jacobian(m, X, b=1, t=4)
    np.testing.assert_allclose(j[1, 3].double().numpy(), fd.numpy(), atol=1e-5)


@pytest.mark.parametrize("kind", ["gru", "rnn"])
def test_jacobians_carry_the_trainers_backprop(kind):
    """Loss on the last step only: ∂L/∂h_(t−1) = J_tᵀ ∂L/∂h_t, per example, for every t."""
    m = _model(kind)
    cap = Capture()
    y = m(X, cap)
    (y * torch.randn(y.shape, generator=torch.Generator().manual_seed(2))).sum().backward()
    g = torch.stack([o.grad for o in cap.outputs], 1)           # (B, T, H)
    j = step_jacobians(m, X)
    back = torch.einsum("btij,bti->btj", j, g[:, 1:])
    torch.testing.assert_close(back, g[:, :-1], atol=1e-6, rtol=1e-5)


def test_norm_definitions():
    m = _model("lstm")
    j = step_jacobians(m, X).double()
    n = state_size(m)
    rms = step_jacobian_norms(m, X, "rms", max_batch=None)
    spec = step_jacobian_norms(m, X, "spectral", max_batch=None)
    assert rms.shape == spec.shape == (6,) and rms.dtype == np.float64
    np.testing.assert_allclose(rms, (j.norm(dim=(-2, -1)) / math.sqrt(n)).mean(0), rtol=1e-5)
    np.testing.assert_allclose(spec, torch.linalg.matrix_norm(j, 2).mean(0), rtol=1e-5)
    assert np.all(spec >= rms - 1e-9)       # the largest singular value ≥ their rms
    assert np.allclose(step_jacobian_norms(m, X, max_batch=1), (j[0].norm(dim=(-2, -1))
                                                                / math.sqrt(n)).numpy(), rtol=1e-5)


def test_rnn_closed_form_rms_without_matrices_equals_the_matrix_norm():
    m = _model("rnn", "tanh")
    a = step_jacobian_norms(m, X, "rms", method="closed")
    b = step_jacobian_norms(m, X, "rms", method="autograd")
    np.testing.assert_allclose(a, b, rtol=1e-5)


def test_bad_arguments():
    m = _model("lstm")
    with pytest.raises(ValueError, match="norm"):
        step_jacobian_norms(m, X, "max")
    with pytest.raises(ValueError, match="closed form"):
        step_jacobian_norms(m, X, method="closed")
    with pytest.raises(ValueError, match="2 time steps"):
        step_jacobian_norms(m, X[:, :1])
    with pytest.raises(ValueError, match="batch, T"):
        step_jacobian_norms(m, X[0])


def test_works_at_t_500():
    """T = 500, H = 32, 16 examples, every kind (rms); ~0.05–0.3 s each on a 2-core CPU."""
    for kind in ("rnn", "lstm", "gru"):
        tr = Trainer(config_from_partial({
            "device": "cpu", "model": {"kind": kind, "width": 32},
            "data": {"name": "adding", "seq_len": 500, "n_train": 16, "n_test": 4}}))
        out = step_jacobian_norms(tr.model, tr.x_train)
        assert out.shape == (499,) and np.all(np.isfinite(out))
