"""Loss landscape: batched grids against plain forward passes, centre, normalisation, quadratic."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from core.analysis.directions import (
    Directions,
    make_directions,
    normalize_direction,
    random_directions,
)
from core.analysis.landscape import LandscapeJob, compute_landscape, estimate_cost, grid_axis
from core.analysis.landscape_fast import FastMLP
from core.analysis.landscape_problem import LossProblem
from core.analysis.landscape_space import Cancelled, LandscapeError
from core.presets import config_from_partial
from core.training.trainer import Trainer

MLP_VARIANTS = {
    "default": {},
    "residual_relu": {"model": {"depth": 4, "skip": "residual", "activation": "relu"}},
    "dense_layernorm": {"model": {"depth": 3, "skip": "dense", "norm": "layer",
                                  "activation": "gelu"}},
    "batchnorm_dropout": {"model": {"depth": 3, "norm": "batch", "dropout": 0.3}},
    "maxout": {"model": {"depth": 3, "activation": "maxout"}},
    "prelu_regression": {"model": {"depth": 2, "activation": "prelu"}, "data": {"name": "sine"}},
    "dense_tanh": {"model": {"depth": 4, "skip": "dense"}},
    "residual_tanh": {"model": {"depth": 4, "skip": "residual"}},
    # Tiny weights: vanishing signals take the accurate torch.tanh instead of σ(2a).
    "tiny_tanh": {"model": {"depth": 5}, "init": {"scale": 0.05}},
}
RECURRENT_VARIANTS = {
    "lstm_adding": {"model": {"kind": "lstm", "width": 8}, "data": {"name": "adding",
                                                                   "seq_len": 10}},
    "gru_copy": {"model": {"kind": "gru", "width": 8}, "data": {"name": "copy", "seq_len": 9}},
    "rnn_relu": {"model": {"kind": "rnn", "width": 8, "activation": "relu"},
                 "data": {"name": "adding", "seq_len": 8}},
}


def trained(over: dict, steps: int = 5) -> Trainer:
    tr = Trainer(config_from_partial({"device": "cpu", **over}))
    for _ in range(steps):
        tr.step()
    return tr


def plain_loss(tr: Trainer, problem: LossProblem, flat: torch.Tensor, split: str) -> float:
    """Load the weights into a copy of the trainer's model and run it: the independent oracle."""
    m = copy.deepcopy(tr.model).eval()
    with torch.no_grad():
        for name, t in problem.space.unflatten(flat).items():
            m.get_parameter(name).copy_(t)
        x, y = problem.split(split)
        return float(tr._loss(m(x), y))


@pytest.fixture(scope="module")
def default_trainer():
    return trained({}, steps=20)


def test_centre_equals_current_loss(default_trainer):
    tr = default_trainer
    pb = LossProblem.from_trainer(tr, subset=128)
    x, y = pb.split("train")
    expected = tr.evaluate(x, y)[0]          # the trainer's own eval-mode loss on the subset
    assert pb.centre_loss("train") == pytest.approx(expected, rel=1e-6)
    dirs = random_directions(pb, 2, "filter", seed=1)
    for path in ("fast", "vmap", "naive"):
        res = compute_landscape(pb, dirs, grid=7, span=0.5, path=path)
        i, j = res.centre_index
        assert res.alphas[i] == 0.0 and res.betas[j] == 0.0
        for s in ("train", "test"):
            assert res.losses[s][i, j] == pytest.approx(res.centre_loss[s], rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("name", list(MLP_VARIANTS) + list(RECURRENT_VARIANTS))
def test_random_grid_points_match_plain_forward(name):
    over = {**MLP_VARIANTS, **RECURRENT_VARIANTS}[name]
    tr = trained(over)
    pb = LossProblem.from_trainer(tr, subset=64)
    dirs = random_directions(pb, 2, "layer" if "prelu" in name else "filter", seed=3)
    paths = ["vmap"] + (["fast"] if name in MLP_VARIANTS else [])
    if name in MLP_VARIANTS:
        assert FastMLP.compile(pb.model, pb.space) is not None
    else:
        assert FastMLP.compile(pb.model, pb.space) is None
    results = {p: compute_landscape(pb, dirs, grid=9, span=0.8, path=p) for p in paths}
    rng = np.random.default_rng(0)
    for _ in range(4):
        i, j = rng.integers(0, 9, size=2)
        a, b = results[paths[0]].alphas[i], results[paths[0]].betas[j]
        flat = pb.theta + float(a) * dirs.vectors[0] + float(b) * dirs.vectors[1]
        for s in ("train", "test"):
            want = plain_loss(tr, pb, flat, s)
            for p in paths:
                assert results[p].losses[s][i, j] == pytest.approx(want, rel=1e-5, abs=1e-7), p


def test_fast_path_matches_vmap_on_whole_grid(default_trainer):
    pb = LossProblem.from_trainer(default_trainer, subset=100)
    dirs = random_directions(pb, 2, "filter", seed=4)
    fast = compute_landscape(pb, dirs, grid=(11, 7), span=(1.0, 0.5), path="fast", chunk=5)
    vm = compute_landscape(pb, dirs, grid=(11, 7), span=(1.0, 0.5), path="vmap")
    assert fast.losses["train"].shape == (11, 7)
    np.testing.assert_allclose(fast.losses["train"], vm.losses["train"], rtol=1e-5)
    np.testing.assert_allclose(fast.losses["test"], vm.losses["test"], rtol=1e-5)


def test_one_dimensional_slice(default_trainer):
    pb = LossProblem.from_trainer(default_trainer, subset=64, splits=("test",))
    d = random_directions(pb, 1, "filter")
    res = compute_landscape(pb, d, grid=11, span=1.0)
    assert res.betas is None and res.losses["test"].shape == (11,)
    assert res.losses["test"][5] == pytest.approx(res.centre_loss["test"], rel=1e-6)
    flat = pb.theta + float(res.alphas[2]) * d.vectors[0]
    assert res.losses["test"][2] == pytest.approx(pb.loss_at(flat, "test"), rel=1e-5)


def test_filter_normalised_rows_have_theta_row_norms():
    for over in ({}, {"model": {"norm": "layer", "depth": 2}}, RECURRENT_VARIANTS["gru_copy"]):
        tr = trained(over, steps=1)
        pb = LossProblem.from_trainer(tr, subset=16)
        d = random_directions(pb, 2, "filter", seed=7)
        for row in d.vectors:
            for name, t in pb.space.unflatten(row).items():
                th = pb.space.unflatten(pb.theta)[name]
                if t.ndim < 2:
                    assert torch.count_nonzero(t) == 0, name    # biases, norm parameters
                    continue
                torch.testing.assert_close(t.reshape(t.shape[0], -1).norm(dim=1),
                                           th.reshape(th.shape[0], -1).norm(dim=1),
                                           rtol=1e-5, atol=1e-7)


def test_layer_and_no_normalisation():
    pb = LossProblem.from_trainer(trained({}, 1), subset=16)
    d = torch.randn(pb.space.numel)
    lay = pb.space.unflatten(normalize_direction(d, pb.theta, pb.space, "layer"))
    th = pb.space.unflatten(pb.theta)
    for name, t in lay.items():
        want = th[name].norm() if t.ndim >= 2 else torch.tensor(0.0)
        torch.testing.assert_close(t.norm(), want, rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(normalize_direction(d, pb.theta, pb.space, "none"), d)
    with pytest.raises(LandscapeError):
        normalize_direction(d, pb.theta, pb.space, "bogus")


def test_zero_rows_of_theta_give_zero_directions_and_a_note():
    tr = Trainer(config_from_partial({"device": "cpu", "init": {"scheme": "zeros"}}))
    pb = LossProblem.from_trainer(tr, subset=16)
    d = random_directions(pb, 2, "filter")
    assert torch.count_nonzero(d.vectors) == 0
    assert "hessian" in d.info["note"]


def test_linear_model_with_mse_is_exactly_quadratic():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(50, 3, generator=g), torch.randn(50, 2, generator=g)
    model = nn.Linear(3, 2)
    pb = LossProblem.from_model(model, "mse", {"train": (x, y)})
    dirs = random_directions(pb, 2, "none", seed=2)
    # Analytic form in float64: the residual r(α, β) = r0 + α r1 + β r2 is linear in (α, β).
    X = torch.cat([x, torch.ones(50, 1)], 1).double()

    def resid(flat):
        p = pb.space.unflatten(flat.double())
        return X @ torch.cat([p["weight"], p["bias"][:, None]], 1).T

    r0 = resid(pb.theta) - y.double()
    r1, r2 = resid(dirs.vectors[0]), resid(dirs.vectors[1])
    for path in ("fast", "vmap"):
        res = compute_landscape(pb, dirs, grid=9, span=2.0, path=path)
        A, B = np.meshgrid(res.alphas, res.betas, indexing="ij")
        exact = np.zeros_like(A)
        for i in range(A.shape[0]):
            for j in range(A.shape[1]):
                exact[i, j] = float((r0 + A[i, j] * r1 + B[i, j] * r2).square().mean())
        np.testing.assert_allclose(res.losses["train"], exact, rtol=2e-6)
        # And a least-squares quadratic fit leaves only float32 rounding.
        M = np.stack([np.ones_like(A), A, B, A * A, A * B, B * B], -1).reshape(-1, 6)
        coef, *_ = np.linalg.lstsq(M, res.losses["train"].ravel(), rcond=None)
        fit = (M @ coef).reshape(A.shape)
        assert np.abs(fit - res.losses["train"]).max() <= 1e-6 * np.abs(exact).max()


def test_fast_tanh_forms_agree_with_torch_tanh():
    """Folded σ(2a), chunks where some points drop out to the general forward, and torch.tanh
    give the same losses."""
    import core.analysis.landscape_fast as lf

    tr = trained({"model": {"depth": 4}, "init": {"scale": 0.6}}, 3)
    pb = LossProblem.from_trainer(tr, subset=64, splits=("train",))
    dirs = random_directions(pb, 2, "filter", seed=9)
    # A wide span sends some points' signals below the σ(2a) threshold: mixed chunks.
    ref = compute_landscape(pb, dirs, grid=9, span=3.0, path="vmap").losses["train"]
    fast = compute_landscape(pb, dirs, grid=9, span=3.0, path="fast", chunk=7).losses["train"]
    np.testing.assert_allclose(fast, ref, rtol=1e-5)
    fast_mlp = lf.FastMLP.compile(pb.model, pb.space)
    x = pb.split("train")[0]
    c = torch.tensor([[0.0, 0.0], [3.0, 3.0], [-3.0, 3.0], [0.1, -0.2]])
    _, slow = fast_mlp._folded_forward(pb.theta, dirs.vectors, c, x, lf.Workspace())
    assert 0 < len(slow) < len(c)                                  # a mixed chunk
    for scale in (1.0, 0.01):                  # σ form, and torch.tanh for small signals
        h = torch.randn(3, 40, 8) * scale
        torch.testing.assert_close(lf.tanh_(h.clone()), torch.tanh(h), rtol=1e-5, atol=3e-7)


def test_first_layer_linear_combination_for_wide_inputs():
    """With more inputs than directions + 1 the first layer combines xWᵀ, xD₁ᵀ, xD₂ᵀ."""
    g = torch.Generator().manual_seed(3)
    x, y = torch.randn(30, 10, generator=g), torch.randint(0, 4, (30,), generator=g)
    model = nn.Sequential(nn.Linear(10, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                          nn.Linear(16, 4))
    pb = LossProblem.from_model(model, "cross_entropy", {"train": (x, y)})
    for dims in (1, 2):
        dirs = random_directions(pb, dims, "filter", seed=dims)
        fast = compute_landscape(pb, dirs, grid=7, span=1.0, path="fast")
        vm = compute_landscape(pb, dirs, grid=7, span=1.0, path="vmap")
        np.testing.assert_allclose(fast.losses["train"], vm.losses["train"], rtol=1e-5)


def test_sequential_models_take_the_fast_path():
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(40, 4, generator=g), torch.randint(0, 3, (40,), generator=g)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.Linear(8, 3))
    pb = LossProblem.from_model(model, "cross_entropy", {"train": (x, y)})
    assert FastMLP.compile(pb.model, pb.space) is not None
    dirs = random_directions(pb, 2, "filter")
    fast = compute_landscape(pb, dirs, grid=5, span=1.0, path="fast")
    vm = compute_landscape(pb, dirs, grid=5, span=1.0, path="vmap")
    np.testing.assert_allclose(fast.losses["train"], vm.losses["train"], rtol=1e-5)
    assert FastMLP.compile(nn.Sequential(nn.Tanh(), nn.Linear(4, 3)), pb.space) is None


def test_progress_and_cancellation(default_trainer):
    pb = LossProblem.from_trainer(default_trainer, subset=32)
    dirs = random_directions(pb)
    seen = []
    compute_landscape(pb, dirs, grid=9, span=1.0, chunk=10, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) == 9
    with pytest.raises(Cancelled):
        compute_landscape(pb, dirs, grid=9, span=1.0, chunk=10, should_stop=lambda: True)
    job = LandscapeJob(pb, dirs, grid=9, span=1.0, chunk=10)
    for _ in job.run():
        break                                           # a newer request won: abandon
    assert job.result is None
    assert np.isfinite(job.partial["train"]).sum() == 10


def test_worker_threads_give_the_same_grid(default_trainer):
    pb = LossProblem.from_trainer(default_trainer, subset=64)
    dirs = random_directions(pb, 2, "filter", seed=5)
    one = compute_landscape(pb, dirs, grid=9, span=1.0, chunk=8)
    seen = []
    two = compute_landscape(pb, dirs, grid=9, span=1.0, chunk=8, workers=2, progress=seen.append)
    for s in ("train", "test"):
        np.testing.assert_array_equal(one.losses[s], two.losses[s])
    assert seen == sorted(seen) and seen[-1] == 1.0
    job = LandscapeJob(pb, dirs, grid=9, span=1.0, chunk=8, workers=2)
    for _ in job.run():
        break                                   # abandoning waits for the running chunks only
    assert job.result is None and np.isfinite(job.partial["train"]).sum() < 81
    for workers in (1, 2):                      # cancel() from elsewhere: run() just ends
        job = LandscapeJob(pb, dirs, grid=9, span=1.0, chunk=8, workers=workers)
        fractions = []
        for f in job.run():
            fractions.append(f)
            job.cancel()
        assert job.cancelled and job.result is None and len(fractions) < 11


def test_cost_estimate(default_trainer):
    pb = LossProblem.from_trainer(default_trainer, subset=256, splits=("train",))
    dirs = random_directions(pb)
    est = estimate_cost(pb, dirs, grid=41)
    per_example = 2 * (2 * 32 + 5 * 32 * 32 + 32 * 2)
    assert est.points == 41 * 41 and est.examples == 256 and est.path == "fast"
    assert est.flops == 41 * 41 * 256 * per_example
    # The time estimate is the count over the assumed rate (a prediction, nothing timed).
    assert est.flops / est.rate == pytest.approx(est.seconds) and "GFLOP" in est.describe()
    # The vmap path counts FLOPs with torch's counter: same number for the same net.
    assert estimate_cost(pb, dirs, grid=41, path="vmap").flops == est.flops


def test_directions_belong_to_their_network(default_trainer):
    pb = LossProblem.from_trainer(default_trainer, subset=16)
    other = LossProblem.from_trainer(trained({"model": {"depth": 2}}, 1), subset=16)
    dirs = random_directions(pb)
    with pytest.raises(LandscapeError, match="new directions"):
        compute_landscape(other, dirs, grid=3)
    same = random_directions(pb, seed=0)
    torch.testing.assert_close(dirs.vectors, same.vectors)      # fixed by the seed
    assert isinstance(dirs, Directions) and dirs.dims == 2


def test_bad_requests_are_clear_errors(default_trainer):
    pb = LossProblem.from_trainer(default_trainer, subset=16)
    dirs = random_directions(pb)
    for kw, msg in (({"grid": 1}, "grid resolution"), ({"span": -1.0}, "span"),
                    ({"span": float("nan")}, "span"), ({"path": "gpu"}, "evaluation path"),
                    ({"splits": ("val",)}, "split")):
        with pytest.raises(LandscapeError, match=msg):
            LandscapeJob(pb, dirs, **kw)
    rnn = LossProblem.from_trainer(trained(RECURRENT_VARIANTS["rnn_relu"], 1), 8)
    with pytest.raises(LandscapeError, match="fast path"):
        LandscapeJob(rnn, random_directions(rnn), path="fast")
    with pytest.raises(LandscapeError, match="trajectory"):
        make_directions(pb, "pca")
    with pytest.raises(LandscapeError, match="1 or 2"):
        random_directions(pb, 3)
    assert grid_axis(5, 2.0).tolist() == [-2.0, -1.0, 0.0, 1.0, 2.0]


def test_eval_mode_is_noted_and_model_untouched():
    tr = trained(MLP_VARIANTS["batchnorm_dropout"], 3)
    before = {k: v.clone() for k, v in tr.model.state_dict().items()}
    pb = LossProblem.from_trainer(tr, subset=32)
    compute_landscape(pb, random_directions(pb), grid=5, path="naive")
    assert any("batch norm" in n for n in pb.notes) and any("dropout" in n for n in pb.notes)
    assert tr.model.training
    for k, v in tr.model.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert pb.loss_kind == "cross_entropy"
