"""Mean-field theory checked against closed forms, Monte Carlo, torch, and a real wide network."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core.analysis import meanfield as mf

POINTWISE = [a for a in mf.ACTIVATIONS if a != "maxout"]
TORCH = {
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": F.relu, "leaky_relu": F.leaky_relu,
    "prelu": lambda x: F.prelu(x, torch.tensor([0.25], dtype=x.dtype)), "elu": F.elu,
    "selu": F.selu, "gelu": F.gelu, "silu": F.silu, "softplus": F.softplus, "linear": lambda x: x,
}


@pytest.fixture(scope="module")
def z():
    return np.random.default_rng(0).standard_normal(10**6)


@pytest.mark.parametrize("name", POINTWISE)
def test_phi_and_dphi_match_torch(name):
    grid = np.concatenate([np.linspace(-6, 6, 1201), [0.0, 25.0, -30.0]])
    x = torch.tensor(grid, dtype=torch.float64, requires_grad=True)
    y = TORCH[name](x)
    (g,) = torch.autograd.grad(y.sum(), x)
    np.testing.assert_allclose(mf.phi(name, grid), y.detach().numpy(), rtol=0, atol=1e-6)
    np.testing.assert_allclose(mf.dphi(name, grid), g.numpy(), rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", POINTWISE)
@pytest.mark.parametrize("q", [0.25, 2.0, 30.0])
def test_expectations_agree_with_monte_carlo(z, name, q):
    a = math.sqrt(q) * z
    assert mf.mean_phi_sq(name, q) == pytest.approx(np.mean(mf.phi(name, a) ** 2), rel=0.01)
    assert mf.mean_dphi_sq(name, q) == pytest.approx(np.mean(mf.dphi(name, a) ** 2), rel=0.01)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_maxout_second_moment_against_monte_carlo(z, k):
    q = 2.5
    pieces = math.sqrt(q) * z[: (len(z) // k) * k].reshape(-1, k)
    mc = np.mean(pieces.max(axis=1) ** 2)
    assert mf.mean_phi_sq("maxout", q, maxout_pieces=k) == pytest.approx(mc, rel=0.01)
    assert mf.chi("maxout", q, 1.7, maxout_pieces=k) == pytest.approx(1.7)
    if k == 2:
        assert mf.mean_phi_sq("maxout", q, 2) == pytest.approx(q, rel=1e-12)


def test_closed_forms():
    for q in (1e-3, 0.7, 50.0):
        assert mf.mean_phi_sq("relu", q) == pytest.approx(q / 2, rel=1e-12)
        assert mf.chi("relu", q, 3.0) == pytest.approx(1.5, rel=1e-12)
        assert mf.variance_map("linear", q, 1.7, 0.2) == pytest.approx(1.7 * q + 0.2, rel=1e-12)
        assert mf.chi("linear", q, 1.7) == pytest.approx(1.7, rel=1e-12)
        # exact on polynomials: E[a^4] = 3 q^2
        assert mf.expect(lambda a: a**4, q) == pytest.approx(3 * q * q, rel=1e-12)
    assert mf.chi("tanh", 1e-10, 2.3) == pytest.approx(2.3, rel=1e-8)
    assert mf.mean_dphi_sq("sigmoid", 0.0) == pytest.approx(1 / 16, rel=1e-12)
    # A single Gauss-Hermite rule agrees where it is exact (smooth φ, moderate q).
    assert mf.expect(np.tanh, 1.0) == pytest.approx(0.0, abs=1e-14)
    tanh2 = lambda a: np.tanh(a) ** 2  # noqa: E731
    assert mf.expect(tanh2, 0.8) == pytest.approx(mf.expect_gauss_hermite(tanh2, 0.8), rel=1e-10)


def test_fixed_points():
    assert mf.fixed_point("tanh", 0.9, 0.0) == 0.0
    assert mf.fixed_point("relu", 1.2, 0.3) == pytest.approx(0.09 / (1 - 1.44 / 2), rel=1e-10)
    assert mf.fixed_point("linear", 0.8, 0.5) == pytest.approx(0.25 / (1 - 0.64), rel=1e-10)
    assert mf.fixed_point("relu", 1.6, 0.1) == math.inf
    q = 1.0                                  # plain iteration of a smooth map converges fast here
    for _ in range(200):
        q = 2.25 * mf.expect_gauss_hermite(lambda a: np.tanh(a) ** 2, q) + 0.01
    assert mf.fixed_point("tanh", 1.5, 0.1) == pytest.approx(q, rel=1e-8)


def test_edge_of_chaos():
    assert mf.critical_sigma_w("tanh", 0.0) == pytest.approx(1.0, abs=1e-4)
    assert 1.0 < mf.critical_sigma_w("tanh", 0.05) < 1.2
    # Schoenholz et al. 2017: tanh with σ_b² = 0.05 is critical at σ_w² ≈ 1.76.
    assert mf.critical_sigma_w("tanh", math.sqrt(0.05)) ** 2 == pytest.approx(1.76, abs=0.01)
    assert mf.critical_sigma_w("relu", 0.0) == pytest.approx(math.sqrt(2), rel=1e-9)
    assert mf.critical_sigma_w("relu", 0.3) == pytest.approx(math.sqrt(2), rel=1e-9)
    assert mf.critical_sigma_w("linear", 0.1) == pytest.approx(1.0, rel=1e-9)


def test_predicted_grad_h_closed_forms():
    depth = 12
    flat = mf.predicted_grad_h("relu", np.full(depth, 2.0), np.zeros(depth), 1.3, anchor=0.7)
    np.testing.assert_allclose(flat, 0.7, rtol=1e-12)
    lin = mf.predicted_grad_h("linear", np.full(depth, 1.21), np.full(depth, 0.1), 1.0, anchor=2.0)
    np.testing.assert_allclose(lin, 2.0 * 1.1 ** np.arange(depth - 1, -1, -1), rtol=1e-12)


# ReLU's finite-width fluctuations of ‖∂L/∂h‖ grow like depth/width (Hanin 2018): looser there.
@pytest.mark.parametrize("activation, sw2, sb2, rtol", [
    ("tanh", 0.6, 0.0, 0.1),     # vanishing: ×0.075 over 10 layers
    ("tanh", 9.0, 0.0, 0.1),     # exploding: ×16
    ("tanh", 2.0, 0.05, 0.1),
    ("selu", 1.0, 0.0, 0.1),
    ("relu", 2.0, 0.0, 0.2),     # He: flat
])
def test_predicted_grad_h_matches_a_wide_random_net(activation, sw2, sb2, rtol):
    """A real torch MLP of width 500: measured ‖∂L/∂h_l‖ against the prediction."""
    width, depth, batch = 500, 10, 64
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(batch, width, generator=gen, dtype=torch.float64, requires_grad=True)
    f = TORCH[activation]
    hs, h = [], x
    for _ in range(depth):
        w = torch.randn(width, width, generator=gen, dtype=torch.float64) * math.sqrt(sw2 / width)
        b = torch.randn(width, generator=gen, dtype=torch.float64) * math.sqrt(sb2)
        h = f(h @ w.T + b)
        h.retain_grad()
        hs.append(h)
    readout = torch.randn(batch, width, generator=gen, dtype=torch.float64)
    (h * readout).sum().backward()           # ∂L/∂h_top is independent of the forward pass
    measured = np.array([t.grad.norm().item() for t in hs])
    q1 = sw2 * float(x.detach().pow(2).mean()) + sb2
    predicted = mf.predicted_grad_h(activation, np.full(depth, sw2), np.full(depth, sb2), q1,
                                    anchor=measured[-1])
    np.testing.assert_allclose(measured, predicted, rtol=rtol)


def test_scheme_variance_matches_torch_init():
    fan_in, fan_out, scale = 300, 200, 1.3
    w = torch.empty(fan_out, fan_in)
    samplers = {
        "normal": lambda: torch.nn.init.normal_(w, std=scale / math.sqrt(fan_in)),
        "uniform": lambda: torch.nn.init.uniform_(w, -scale / math.sqrt(fan_in), scale / math.sqrt(fan_in)),
        "xavier_normal": lambda: torch.nn.init.xavier_normal_(w, gain=scale),
        "xavier_uniform": lambda: torch.nn.init.xavier_uniform_(w, gain=scale),
        "he_normal": lambda: torch.nn.init.kaiming_normal_(w, nonlinearity="relu").mul_(scale),
        "he_uniform": lambda: torch.nn.init.kaiming_uniform_(w, nonlinearity="relu").mul_(scale),
        "lecun_normal": lambda: torch.nn.init.normal_(w, std=scale / math.sqrt(fan_in)),
        "orthogonal": lambda: torch.nn.init.orthogonal_(w, gain=scale),
        "identity": lambda: torch.nn.init.eye_(w).mul_(scale),
        "zeros": lambda: torch.nn.init.zeros_(w),
    }
    torch.manual_seed(0)
    for scheme, sample in samplers.items():
        empirical = float(sample().pow(2).mean())
        expected = mf.scheme_variance(scheme, fan_in, fan_out, scale)
        assert expected == pytest.approx(empirical, rel=0.03), scheme
    assert mf.scheme_variance("orthogonal", 64, 64, 2.0) == pytest.approx(4 / 64)
    with pytest.raises(ValueError, match="data"):
        mf.scheme_variance("lsuv", 10, 10)
