"""Measured gradient flow against theory (mean field, exact linear algebra, known papers).

Every prediction here is computed from the config alone (the scheme's analytic variance and the
data's second moment), independently of the weights the trainer drew.
"""

import numpy as np
import pytest

from core.analysis import meanfield
from core.presets import config_from_partial
from core.training.trainer import Trainer


def probe(activation, scheme, scale, depth=20, width=256, seed=0, bias_std=0.0, n=256):
    cfg = config_from_partial({
        "seed": seed, "data": {"name": "gaussians", "n_train": n},
        "model": {"depth": depth, "width": width, "activation": activation},
        "init": {"scheme": scheme, "scale": scale, "bias_std": bias_std}})
    tr = Trainer(cfg)
    return tr, tr.probe()


def mean_ratio(grad_h, lo, hi):
    """Geometric mean of grad_h[l-1]/grad_h[l] over layers lo..hi (toward the input)."""
    g = np.log(grad_h[lo - 1:hi + 1])
    return float(np.exp(-np.mean(np.diff(g))))


@pytest.mark.parametrize("sigma_w", [0.7, 1.0, 1.3])
def test_linear_orthogonal_net_scales_gradient_by_exactly_sigma_w(sigma_w):
    _, rec = probe("linear", "orthogonal", sigma_w, depth=12, width=64)
    ratios = rec.grad_h[:-1] / rec.grad_h[1:]
    np.testing.assert_allclose(ratios, sigma_w, rtol=1e-4)


CASES = [("tanh", 0.8), ("tanh", 1.5), ("tanh", 2.5), ("sigmoid", 1.0), ("sigmoid", 4.0),
         ("relu", 1.0), ("relu", 2 ** 0.5), ("linear", 0.9), ("linear", 1.1)]


@pytest.mark.parametrize("activation,sigma_w", CASES)
def test_middle_layer_ratio_matches_mean_field_chi(activation, sigma_w):
    """Poole et al. 2016 / Schoenholz et al. 2017: ‖∂L/∂h‖ changes by √χ_l per layer."""
    depth, lo, hi = 20, 6, 15
    measured, predicted = [], []
    for seed in range(3):
        tr, rec = probe(activation, "normal", sigma_w, depth=depth, seed=seed)
        x2 = float(np.mean(tr.dataset.x_train.astype(np.float64) ** 2))
        sw2 = np.full(depth, sigma_w ** 2)
        q, chi = meanfield.profile(activation, sw2, np.zeros(depth), sigma_w ** 2 * x2)
        measured.append(np.log(mean_ratio(rec.grad_h, lo, hi)))
        predicted.append(np.mean(0.5 * np.log(chi[lo:hi + 1])))
    assert np.exp(np.mean(measured)) == pytest.approx(np.exp(np.mean(predicted)), rel=0.03)


def test_he_init_keeps_relu_gradients_flat_and_xavier_decays_by_one_over_root_two():
    """He et al. 2015, eq. (10)/(14): Var[W] = 2/n keeps the backward signal's size."""
    he, xav = [], []
    for seed in range(3):
        he.append(mean_ratio(probe("relu", "he_normal", 1.0, depth=30, seed=seed)[1].grad_h, 6, 25))
        xav.append(mean_ratio(probe("relu", "xavier_normal", 1.0, depth=30, seed=seed)[1].grad_h,
                              6, 25))
    assert np.mean(he) == pytest.approx(1.0, abs=0.03)
    assert np.mean(xav) == pytest.approx(2 ** -0.5, rel=0.03)


def test_sigmoid_with_standard_init_vanishes_as_glorot_and_bengio_observed():
    """Glorot & Bengio 2010: with U(−1/√n, 1/√n) and sigmoid, lower layers get tiny gradients."""
    _, rec = probe("sigmoid", "uniform", 1.0, depth=10, width=256)
    assert rec.grad_h[0] / rec.grad_h[-1] < 1e-5


def test_lsuv_gives_unit_variance_per_layer():
    """Mishkin & Matas 2015: after LSUV each layer's linear output has variance 1 (within the
    algorithm's tolerance on the batch it saw, and within sampling error on held-out data)."""
    import torch

    tr, _ = probe("relu", "lsuv", 1.0, depth=15, width=128)
    for x, tol in ((tr.x_train, 0.02), (tr.x_test, 0.2)):
        h = x
        with torch.no_grad():
            for lin, act in zip(tr.model.linears, tr.model.acts, strict=True):
                a = lin(h)
                assert a.var().item() == pytest.approx(1.0, abs=tol)
                h = act(a)


def test_orthogonal_relu_without_lsuv_drifts():
    """The check above is not trivially true: orthogonal alone halves the variance per ReLU."""
    tr, _ = probe("relu", "orthogonal", 1.0, depth=15, width=128)
    import torch

    with torch.no_grad():
        h = tr.x_test
        for lin, act in zip(tr.model.linears, tr.model.acts, strict=True):
            a = lin(h)
            h = act(a)
    assert a.var().item() < 0.01


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("rho", [0.5, 0.9, 1.0, 1.7])
def test_spectral_radius_is_exact(kind, rho):
    cfg = config_from_partial({"data": {"name": "adding", "seq_len": 10, "n_train": 32},
                               "model": {"kind": kind, "width": 48},
                               "init": {"scheme": "normal", "spectral_radius": rho}})
    tr = Trainer(cfg)
    w = tr.model.cell.weight_hh.detach().double().numpy()
    h = tr.model.cell.hidden
    for i in range(w.shape[0] // h):
        block = w[i * h:(i + 1) * h]
        assert np.abs(np.linalg.eigvals(block)).max() == pytest.approx(rho, abs=1e-6)


def test_lsuv_normalises_inputs_far_from_unit_scale():
    """A CSV in raw units (coordinates ~1e25): the first linear output's variance (~1e50) is
    Inf in float32. LSUV must still bring every layer to variance 1, not divide W₁ by Inf
    (which zeroed the first layer and so every gradient)."""
    import dataclasses

    import torch

    from core.data import build_dataset

    cfg = config_from_partial({
        "data": {"name": "gaussians", "n_train": 256},
        "model": {"depth": 4, "width": 32, "activation": "relu"},
        "init": {"scheme": "lsuv"}})
    ds = build_dataset(cfg.data, cfg.seed)
    ds = dataclasses.replace(ds, x_train=ds.x_train * np.float32(1e25),
                             x_test=ds.x_test * np.float32(1e25))
    tr = Trainer(cfg, dataset=ds)
    h = tr.x_train
    with torch.no_grad():
        for lin, act in zip(tr.model.linears, tr.model.acts, strict=True):
            a = lin(h)
            assert float(a.double().var()) == pytest.approx(1.0, abs=0.02)
            h = act(a)
    assert np.all(tr.probe().grad_w > 0)
