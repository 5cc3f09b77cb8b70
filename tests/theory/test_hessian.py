"""Curvature against independent computations: dense Hessians, analytic saddles, GD stability."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from core.analysis.curvature import Thresholds, classify, curvature_report, stability_limit
from core.analysis.directions import hessian_directions
from core.analysis.hessian import (
    HessianOperator,
    curvature_spread,
    extreme_eigenpairs,
    hutchinson_trace,
    spectral_density,
)
from core.analysis.landscape import compute_landscape
from core.analysis.landscape_problem import LossProblem
from core.models.mlp import MLP
from core.models.recurrent import RecurrentNet


def dense_eigenvalues(problem: LossProblem, split: str = "train") -> np.ndarray:
    """Eigenvalues of the full Hessian from torch.autograd.functional.hessian (float64)."""
    f = problem.loss_fn(split)
    H = torch.autograd.functional.hessian(f, problem.theta.clone()).double()
    return np.linalg.eigvalsh(((H + H.T) / 2).numpy())


def tiny_problems():
    g = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    x, y = torch.randn(40, 2, generator=g), torch.randint(0, 2, (40,), generator=g)
    mlp = MLP(2, 2, depth=2, width=4, activation="tanh")
    xs, ys = torch.randn(16, 5, 2, generator=g), torch.randn(16, 1, generator=g)
    gru = RecurrentNet("gru", 2, 1, hidden=3, activation="tanh", loss_steps=1)
    with torch.no_grad():
        for p in gru.parameters():
            p.normal_(0.0, 0.6, generator=g)
    res = MLP(2, 2, depth=3, width=3, activation="relu", skip="residual", norm="layer")
    return {"mlp_tanh": LossProblem.from_model(mlp, "cross_entropy", {"train": (x, y)}),
            "gru": LossProblem.from_model(gru, "mse", {"train": (xs, ys)}),
            "residual_layernorm": LossProblem.from_model(res, "cross_entropy",
                                                         {"train": (x, y)})}


@pytest.mark.parametrize("name", ["mlp_tanh", "gru", "residual_layernorm"])
def test_eigenvalues_match_dense_hessian(name):
    pb = tiny_problems()[name]
    dense = dense_eigenvalues(pb)
    scale = np.abs(dense).max()
    for steps in (None, 30):        # the full Krylov space, and fewer steps than parameters
        eig = extreme_eigenpairs(pb, k=3, steps=steps)
        np.testing.assert_allclose(eig.top_values, dense[::-1][:3], rtol=0.01, atol=1e-3 * scale)
        assert eig.min_value == pytest.approx(dense[0], rel=0.01, abs=1e-3 * scale)
        # Eigenvectors: Hv = λv within the reported residual.
        op = HessianOperator(pb)
        v = eig.top_vectors[0]
        assert float((op(v) - eig.top_values[0] * v).norm()) < 0.01 * scale


def test_hutchinson_trace_and_density_match_dense():
    pb = tiny_problems()["mlp_tanh"]
    dense = dense_eigenvalues(pb)
    op = HessianOperator(pb)
    tr, err = hutchinson_trace(op, samples=400, seed=3)
    assert abs(tr - dense.sum()) < max(4 * err, 1e-3)
    dens = spectral_density(op, vectors=6, steps=op.n, seed=1)
    assert np.trapezoid(dens.density, dens.grid) == pytest.approx(1.0, abs=0.02)
    # SLQ with a full Krylov space is exact quadrature: mean node = tr H / n in expectation.
    mean = float((dens.nodes * dens.weights).sum(1).mean())
    assert mean == pytest.approx(dense.mean(), abs=4 * err / op.n + 0.02 * np.abs(dense).max())


def two_weight_chain(x: torch.Tensor, w: float = 0.0) -> LossProblem:
    """ŷ = w₂ w₁ x fitting y = x: L = mean((w₁w₂ − 1)² x²); a saddle at w = 0 with
    Hessian [[0, −2E x²], [−2E x², 0]], eigenvalues ±2 E[x²]."""
    model = nn.Sequential(nn.Linear(1, 1, bias=False), nn.Linear(1, 1, bias=False))
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(w)
    return LossProblem.from_model(model, "mse", {"train": (x, x.clone())}, lr=0.1,
                                  optimizer="sgd")


def test_known_saddle_is_flagged():
    x = torch.linspace(-1, 1, 21)[:, None]
    pb = two_weight_chain(x)
    rep = curvature_report(pb, k=1, hutchinson_samples=8)
    ex2 = float((x**2).mean())
    assert rep.grad_norm < 1e-7
    assert rep.lambda_max == pytest.approx(2 * ex2, rel=1e-5)
    assert rep.lambda_min == pytest.approx(-2 * ex2, rel=1e-5)
    assert rep.trace == pytest.approx(0.0, abs=1e-6)
    assert rep.status == "saddle" and "saddle" in rep.message
    # The Hessian directions show it: up along δ, down along η.
    d = hessian_directions(pb, 2)
    res = compute_landscape(pb, d, grid=5, span=0.1)
    c = res.losses["train"][2, 2]
    assert res.losses["train"][0, 2] > c and res.losses["train"][2, 0] < c


def test_zero_initialised_tanh_net_is_a_saddle():
    """One hidden tanh layer at W = 0: the cross terms ∂²L/∂W₂∂W₁ = E[(p − y) xᵀ] give ±
    eigenvalue pairs, so λₘᵢₙ < 0 well beyond noise."""
    g = torch.Generator().manual_seed(5)
    x = torch.randn(200, 2, generator=g)
    y = (x[:, 0] > 0.3).long()
    model = MLP(2, 2, depth=1, width=8, activation="tanh")
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
    pb = LossProblem.from_model(model, "cross_entropy", {"train": (x, y)}, lr=0.1,
                                optimizer="sgd")
    rep = curvature_report(pb, k=2, hutchinson_samples=0)
    dense = dense_eigenvalues(pb)
    assert rep.lambda_min == pytest.approx(dense[0], rel=0.01)
    assert rep.lambda_min < -0.1 * rep.lambda_max
    assert rep.status == "saddle"
    assert rep.lambda_min < -5 * rep.lambda_min_stderr


def test_plateau_is_flagged():
    """ŷ = w₃w₂w₁x at w = 0: gradient and Hessian both vanish (a third-order saddle)."""
    x = torch.linspace(-1, 1, 11)[:, None]
    model = nn.Sequential(*[nn.Linear(1, 1, bias=False) for _ in range(3)])
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
    pb = LossProblem.from_model(model, "mse", {"train": (x, x.clone())}, lr=0.1,
                                optimizer="sgd")
    rep = curvature_report(pb, k=1, hutchinson_samples=4)
    assert rep.status == "plateau" and abs(rep.lambda_max) < 1e-6


def test_lambda_max_against_two_over_lr_predicts_gradient_descent():
    """On a quadratic (linear model, MSE) GD converges iff λₘₐₓ < 2/lr: check both sides."""
    g = torch.Generator().manual_seed(2)
    x, y = torch.randn(64, 3, generator=g), torch.randn(64, 1, generator=g)
    model = nn.Linear(3, 1)
    pb = LossProblem.from_model(model, "mse", {"train": (x, y)})
    lam = extreme_eigenpairs(pb, k=1).top_values[0]
    for factor, diverges in ((0.95, False), (1.05, True)):
        lr = factor * 2 / lam
        assert (lam > stability_limit(lr)) == diverges
        m = nn.Linear(3, 1)
        opt = torch.optim.SGD(m.parameters(), lr=lr)
        losses = []
        for _ in range(400):
            loss = ((m(x) - y) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert (losses[-1] > losses[0]) == diverges
    assert classify(0.95 * 20, 0.0, 1.0, 20.0)[0] == "edge_of_stability"
    assert classify(1.05 * 20, 0.0, 1.0, 20.0)[0] == "edge_of_stability"
    assert classify(1.2 * 20, 0.0, 1.0, 20.0)[0] == "edge_of_stability"   # hovers above
    assert classify(1.4 * 20, 0.0, 1.0, 20.0)[0] == "unstable"
    assert classify(0.85 * 20, 0.0, 1.0, 20.0)[0] == "stable"
    assert classify(0.5 * 20, 0.0, 1.0, 20.0)[0] == "stable"


def test_stability_limits_and_thresholds():
    assert stability_limit(0.1) == pytest.approx(20.0)
    assert stability_limit(0.1, "momentum", 0.9) == pytest.approx(38.0)
    assert np.isnan(stability_limit(0.0))
    th = Thresholds(saddle_rel=0.5)
    assert classify(10.0, -1.0, 1.0, 100.0, thresholds=th)[0] == "stable"
    assert classify(10.0, -1.0, 1.0, 100.0)[0] == "saddle"
    # Within three standard errors of 0, a negative λₘᵢₙ is not evidence of a saddle.
    assert classify(10.0, -1.0, 1.0, 100.0, min_stderr=0.5)[0] == "stable"
    assert classify(10.0, -1.0, 1.0, 100.0, min_stderr=0.2)[0] == "saddle"
    # The words for a stable point do not claim what a negative λₘᵢₙ within noise denies.
    assert "no direction curves down" in classify(10.0, 0.5, 1.0, 100.0)[2]
    words = classify(10.0, -1.0, 1.0, 100.0, min_stderr=0.5)[2]
    assert "within its noise" in words and "no direction measurably curves down" in words


def test_curvature_spread_is_the_rayleigh_quotient_with_its_sampling_error():
    """vᵀHv from per-example second derivatives equals the Hessian-vector product's, and its
    standard error matches the spread of vᵀH_i v computed example by example."""
    pb = tiny_problems()["mlp_tanh"]
    v = torch.randn(pb.space.numel, generator=torch.Generator().manual_seed(4))
    v = v / v.norm()
    mean, se = curvature_spread(pb, v)
    assert mean == pytest.approx(float(v @ HessianOperator(pb)(v)), rel=1e-4)
    x, y = pb.split("train")
    each = []
    for i in range(len(x)):
        one = LossProblem.from_model(pb.model, "cross_entropy", {"train": (x[i:i + 1], y[i:i + 1])})
        each.append(float(v @ HessianOperator(one)(v)))
    assert se == pytest.approx(np.std(each, ddof=1) / np.sqrt(len(each)), rel=1e-3)
