"""Per-layer probe statistics against a direct computation from the whole layer.

The batch is small enough that the probe samples every value, so the two must agree exactly
(up to float32 rounding): mean, std, % saturated, % dead, mean |φ'| (by autograd) and the
percentiles (numpy's)."""

import numpy as np
import pytest
import torch

from core.presets import config_from_partial
from core.training.trainer import Trainer


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "gelu", "maxout"])
def test_stats_equal_direct_computation(activation):
    cfg = config_from_partial({"model": {"depth": 3, "width": 16, "activation": activation},
                               "init": {"scale": 2.5, "bias_std": 0.3},
                               "data": {"n_train": 64}})
    tr = Trainer(cfg)
    x, y = tr.x_train[:16], tr.y_train[:16]
    rec = tr.probe(x, y)

    m = tr.model
    h, want = x, {k: [] for k in ("mean", "std", "sat", "dead", "fprime", "pre", "act")}
    for lin, act in zip(m.linears, m.acts, strict=True):
        pre = lin(h).detach().requires_grad_(True)
        a = act(pre)
        (fp,) = torch.autograd.grad(a.sum(), pre) if activation != "maxout" else (None,)
        A = a.detach().double().numpy()
        want["mean"].append(A.mean())
        want["std"].append(A.std())
        want["sat"].append(np.mean(np.abs(A) > 0.97) if activation == "tanh" else
                           np.mean((A < 0.03) | (A > 0.97)) if activation == "sigmoid" else
                           np.nan)
        want["dead"].append(np.mean((pre.detach() <= 0).all(0).numpy())
                            if activation == "relu" else np.nan)
        want["fprime"].append(fp.abs().mean().item() if fp is not None else 1.0)
        want["pre"].append(np.percentile(pre.detach().numpy(), [1, 10, 25, 50, 75, 90, 99]))
        want["act"].append(np.percentile(A, [1, 10, 25, 50, 75, 90, 99]))
        h = a.detach()

    close = dict(rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rec.act_mean, want["mean"], **close)
    np.testing.assert_allclose(rec.act_std, want["std"], **close)
    np.testing.assert_allclose(rec.saturated, want["sat"], **close)
    np.testing.assert_allclose(rec.dead, want["dead"], **close)
    np.testing.assert_allclose(rec.fprime_mean, want["fprime"], **close)
    np.testing.assert_allclose(rec.pre_pct, want["pre"], **close)
    np.testing.assert_allclose(rec.act_pct, want["act"], **close)
    if activation in ("tanh", "sigmoid"):
        assert np.nanmax(rec.saturated) > 0.01      # the scale makes the test meaningful
    if activation == "relu":
        assert np.nanmax(rec.dead) > 0


def test_packed_transfer_equals_cpu_views():
    """The one-copy path GPUs take returns what the CPU's zero-copy views hold."""
    from core.training.probes import fetch, fetch_packed

    parts = {"rows": torch.randn(3, 5), "count": torch.tensor(7), "norms": torch.rand(4).double(),
             "flags": torch.arange(6).reshape(2, 3)}
    a, b = fetch(parts), fetch_packed(parts)
    assert list(a) == list(b)
    for k in parts:
        assert a[k].shape == b[k].shape, k
        np.testing.assert_allclose(b[k], a[k], rtol=1e-6)
