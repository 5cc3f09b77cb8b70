"""Shattered gradients (Balduzzi et al. 2017): the input gradient along a line, checked against
finite differences and a closed form, its autocorrelation against numpy, and the paper's
result that depth shatters a plain ReLU net's gradient while residual connections do not."""

import json

import numpy as np
import pytest
import torch

from core.analysis.shattered import autocorrelation, input_line, line_gradients, shattering
from core.cli.main import main
from core.presets import config_from_partial
from core.training.trainer import Trainer


def _trainer(seed=0, **model):
    cfg = config_from_partial({"seed": seed, "data": {"name": "spirals", "n_train": 256},
                               "model": {"depth": 4, "width": 32, **model},
                               "init": {"scheme": "he_normal", "bias_std": 0.1}})
    return Trainer(cfg)


def _margin(model, x):
    out = model(x)
    return (out[:, 1] - out[:, 0]).detach().numpy()


@pytest.mark.parametrize("activation", ["tanh", "gelu", "softplus"])
def test_line_gradient_matches_central_differences(activation):
    tr = _trainer(activation=activation)
    model = tr.model.double().eval()
    t, origin, u = input_line(tr.dataset.x_train, 64)
    g = line_gradients(model, t, origin, u, classification=True)
    h = 1e-5

    def y(tt):
        return _margin(model, torch.as_tensor(origin[None, :] + tt[:, None] * u[None, :]))

    fd = (y(t + h) - y(t - h)) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8 * np.abs(fd).max())


def test_relu_line_gradient_matches_differences_between_kinks():
    """Piecewise linear: the one-sided difference is exact wherever no unit switches within h."""
    tr = _trainer(activation="relu", depth=6)
    model = tr.model.double().eval()
    t, origin, u = input_line(tr.dataset.x_train, 128)
    g = line_gradients(model, t, origin, u, classification=True)
    h = 1e-7
    pts = torch.as_tensor(origin[None, :] + t[:, None] * u[None, :])
    fd = (_margin(model, pts + h * torch.as_tensor(u)) - _margin(model, pts)) / h
    close = np.isclose(g, fd, rtol=1e-5, atol=1e-7 * np.abs(g).max())
    assert close.mean() > 0.97


def test_linear_net_gradient_is_the_product_of_its_weights():
    """φ = identity: ∂(z₁ − z₀)/∂x = (W_out[1] − W_out[0]) W_L ⋯ W_1, the same at every input,
    so the gradient is perfectly smooth (r₁ = 1)."""
    tr = _trainer(activation="linear", depth=5)
    t, origin, u = input_line(tr.dataset.x_train, 32)
    g = line_gradients(tr.model, t, origin, u, classification=True)
    m = np.eye(2)
    for lin in tr.model.linears:
        m = lin.weight.detach().double().numpy() @ m
    w_out = tr.model.out.weight.detach().double().numpy()
    expected = ((w_out[1] - w_out[0]) @ m) @ u
    np.testing.assert_allclose(g, expected, rtol=1e-4)
    assert shattering(tr, 32).r1 == pytest.approx(1.0)


def test_autocorrelation_matches_numpy_correlate():
    rng = np.random.default_rng(3)
    for g in (rng.normal(size=200), np.cumsum(rng.normal(size=200)), np.sin(np.arange(90) / 5)):
        d = g - g.mean()
        full = np.correlate(d, d, mode="full")[len(d) - 1:]
        np.testing.assert_allclose(autocorrelation(g, 20), full[:21] / full[0], atol=1e-12)


def test_white_noise_is_uncorrelated_and_brown_noise_is_not():
    rng = np.random.default_rng(0)
    white = rng.normal(size=4096)
    assert abs(autocorrelation(white, 4)[1]) < 4 / np.sqrt(4096)
    assert autocorrelation(np.cumsum(white), 4)[1] > 0.95


def test_autocorrelation_of_constant_and_nonfinite_sequences():
    assert np.all(autocorrelation(np.full(10, 2.5), 3) == 1.0)
    assert np.all(np.isnan(autocorrelation(np.array([1.0, np.inf, 2.0]), 2)))


def _r1(depth, skip, seeds=3):
    vals = []
    for seed in range(seeds):
        cfg = config_from_partial({"seed": seed, "data": {"name": "spirals"},
                                   "model": {"depth": depth, "width": 128, "activation": "relu",
                                             "skip": skip},
                                   "init": {"scheme": "he_normal", "bias_std": 0.1}})
        vals.append(shattering(Trainer(cfg)).r1)
    return float(np.mean(vals))


def test_depth_shatters_a_plain_relu_net_and_not_a_residual_one():
    """Balduzzi et al. 2017: gradients of deep feedforward ReLU nets decorrelate with depth
    (towards white noise) while residual nets keep them correlated."""
    shallow, deep = _r1(2, "none"), _r1(50, "none")
    deep_res = _r1(50, "residual")
    assert shallow > 0.95
    assert deep < shallow - 0.2
    assert deep_res > 0.95 and deep_res > deep + 0.2


def test_shatter_command(capsys):
    assert main(["shatter", "--preset", "fixed_he_init", "--set", "model.depth=3",
                 "--points", "64", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert len(d["t"]) == len(d["grad"]) == 64 and d["acf"][0] == pytest.approx(1.0)
    assert d["r1"] == pytest.approx(d["acf"][1])
    assert main(["shatter", "--preset", "fixed_he_init", "--depths", "1,3", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["depths"]
    assert [r["depth"] for r in rows] == [1, 3]


@pytest.mark.parametrize("argv, words", [
    (["--preset", "rnn_vanishing"], "sequences"),
    (["--preset", "fixed_he_init", "--depths", "2,x"], "--depths"),
    (["--preset", "fixed_he_init", "--depths", "0"], "1 to 100"),
    (["--preset", "fixed_he_init", "--points", "3"], "--points"),
])
def test_shatter_bad_input_is_one_line_and_status_2(argv, words, capsys):
    assert main(["shatter", *argv]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_shatter_command_on_an_overflowing_net_writes_valid_json_and_says_not_finite(capsys):
    """An exploding net's gradient overflows: r₁ is NaN. --json wrote NaN (not JSON; `probe
    --json` writes null) and the summary called a NaN r₁ 'partly shattered'."""
    argv = ["shatter", "--preset", "fixed_he_init", "--set", "model.depth=60",
            "--set", "init.scale=20", "--points", "32"]

    def strict(text):
        return json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))

    assert main([*argv, "--json"]) == 0
    d = strict(capsys.readouterr().out)
    assert d["r1"] is None and None in d["grad"]
    assert main([*argv, "--depths", "60", "--json"]) == 0
    assert strict(capsys.readouterr().out)["depths"][0]["r1"] is None
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "r₁ = nan (not finite" in out and "partly" not in out
