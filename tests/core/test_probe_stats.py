"""Per-layer probe statistics against a direct computation.

The distribution statistics use the first `stat_examples` examples of the batch (all of them
when the batch is small) and dead units the whole batch; on those values the probe must agree
with an independent computation up to float32 rounding: mean, std, % saturated, % dead, mean
|φ'| (by autograd) and the percentiles (numpy's)."""

import numpy as np
import pytest
import torch

from core.presets import config_from_partial
from core.training.probes import stat_examples
from core.training.record import PERCENTILES
from core.training.row_stats import PCT_VALUES, pct_positions
from core.training.trainer import Trainer


def _pct(values) -> np.ndarray:
    """numpy's percentiles of the values the probe keeps for them (all, up to PCT_VALUES)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    keep = pct_positions(v.size)
    return np.percentile(v if keep is None else v[keep], PERCENTILES)


@pytest.mark.parametrize("width", [100, 300, 700, 1000, 1024])
def test_percentile_positions_cover_every_unit(width):
    """The kept values are spread evenly over all units and over the examples (a stride that
    shares a factor with the width would keep the same few units of every example)."""
    n = stat_examples(width) * width
    keep = pct_positions(n)
    assert keep is not None and len(keep) == PCT_VALUES == len(set(keep.tolist()))
    per_unit = np.bincount(keep % width, minlength=width)
    assert per_unit.max() - per_unit.min() <= 1
    per_example = np.bincount(keep // width, minlength=n // width)
    assert per_example.min() > 0 and per_example.max() <= 3 * PCT_VALUES / (n // width)
    for w in (16, 64, 256):       # 512 or 2 048 values: every one is kept
        assert pct_positions(stat_examples(w) * w) is None


@pytest.mark.parametrize("width,batch", [(16, 16), (64, 64)])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "gelu", "maxout"])
def test_stats_equal_direct_computation(activation, width, batch):
    cfg = config_from_partial({"model": {"depth": 3, "width": width, "activation": activation},
                               "init": {"scale": 2.5, "bias_std": 0.3},
                               "data": {"n_train": 128}})
    tr = Trainer(cfg)
    x, y = tr.x_train[:batch], tr.y_train[:batch]
    rec = tr.probe(x, y)
    n = min(batch, stat_examples(width))   # 16 × 16: every value; 64 × 64: 32 examples
    assert (n == batch) == (width == 16)

    m = tr.model
    h, want = x, {k: [] for k in ("mean", "std", "sat", "dead", "fprime", "pre", "act")}
    for lin, act in zip(m.linears, m.acts, strict=True):
        whole = lin(h).detach()
        pre = whole[:n].clone().requires_grad_(True)
        a = act(pre)
        (fp,) = torch.autograd.grad(a.sum(), pre) if activation != "maxout" else (None,)
        A = a.detach().double().numpy()
        want["mean"].append(A.mean())
        want["std"].append(A.std())
        want["sat"].append(np.mean(np.abs(A) > 0.97) if activation == "tanh" else
                           np.mean((A < 0.03) | (A > 0.97)) if activation == "sigmoid" else
                           np.nan)
        want["dead"].append(np.mean((whole <= 0).all(0).numpy()) if activation == "relu"
                            else np.nan)
        want["fprime"].append(fp.abs().mean().item() if fp is not None else 1.0)
        n_pre = min(batch, stat_examples(whole.shape[1]))   # maxout: φ's input is wider
        want["pre"].append(_pct(whole[:n_pre].numpy()))
        want["act"].append(_pct(A))
        h = act(whole)

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


def test_recurrent_stats_equal_direct_computation():
    """A tanh RNN's one "layer" is every h_t of the first examples, unrolled here by hand."""
    cfg = config_from_partial({"data": {"name": "adding", "seq_len": 30, "n_train": 64},
                               "model": {"kind": "rnn", "width": 24, "activation": "tanh"},
                               "init": {"spectral_radius": 1.3, "bias_std": 0.5}})
    tr = Trainer(cfg)
    x, y = tr.x_train[:64], tr.y_train[:64]
    rec = tr.probe(x, y)
    n = min(64, stat_examples(24 * 30))
    c = tr.model.cell
    h = torch.zeros(n, 24)
    pres, hs = [], []
    with torch.no_grad():
        for t in range(30):
            pre = x[:n, t] @ c.weight_ih.T + c.bias_ih + h @ c.weight_hh.T + c.bias_hh
            h = torch.tanh(pre)
            pres.append(pre)
            hs.append(h)
    P = torch.stack(pres, 1).double().numpy().ravel()
    A = torch.stack(hs, 1).double().numpy().ravel()
    close = dict(rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(rec.act_mean, [A.mean()], **close)
    np.testing.assert_allclose(rec.act_std, [A.std()], **close)
    np.testing.assert_allclose(rec.saturated, [np.mean(np.abs(A) > 0.97)], **close)
    np.testing.assert_allclose(rec.fprime_mean, [np.mean(1 - A * A)], **close)
    np.testing.assert_allclose(rec.pre_pct, [_pct(P)], **close)
    np.testing.assert_allclose(rec.act_pct, [_pct(A)], **close)
    assert rec.saturated[0] > 0.01


def test_saturated_tanh_keeps_the_small_derivative():
    """At saturation tanh' is ~1e-7: formed per value it keeps its digits, where 1 − E[φ²]
    would lose them to float32 rounding."""
    from core.training.row_stats import row_stats

    pre = np.random.default_rng(0).normal(8.0, 0.5, (2, 4096))
    A = np.tanh(pre).astype(np.float32)
    got = row_stats(pre.astype(np.float32), A, "tanh")["fprime_mean"]
    want = (1 - np.tanh(pre) ** 2).mean(axis=1)
    np.testing.assert_allclose(got, want, rtol=0.02)
