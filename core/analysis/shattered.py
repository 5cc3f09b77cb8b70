"""Shattered gradients (Balduzzi et al. 2017): ∂y/∂x along a line of inputs, and how fast it
decorrelates between neighbouring inputs.

A shallow ReLU net's input gradient changes only where a unit switches on or off, so along a
line of inputs it wanders like a random walk (brown noise: neighbours nearly equal). With depth,
the number of linear pieces grows and the gradient at neighbouring inputs decorrelates towards
white noise; residual connections keep it correlated. The summary is the lag-1 autocorrelation
r₁ of the gradient sequence: near 1 smooth, near 0 shattered.

y is one number per input: the logit margin z₁ − z₀ for classification (its sign is the
prediction, P(class 1) = σ(z₁ − z₀) for two classes), the output for regression. For 2-D data
the line runs along x₁ across the data at x₂ = the upper quartile of the data's x₂: off the
centre, since a bias-free ReLU net is positively homogeneous and is linear along every ray from
the origin, which a line through the centre would mostly follow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import ConfigError

POINTS = 256          # as in Balduzzi et al.'s Figure 1
MAX_LAG = 32
# r₁ above SMOOTH reads as smooth (brown noise), below SHATTERED as shattered (white noise).
SMOOTH, SHATTERED = 0.9, 0.5


@dataclass(frozen=True)
class Shattering:
    """∂y/∂t along x(t) = origin + t·direction, t = the inputs' coordinate along the line."""

    t: np.ndarray               # (points,) positions along the line
    grad: np.ndarray            # (points,) ∂y/∂t at each position
    acf: np.ndarray             # (max_lag + 1,) autocorrelation of grad at lags 0..max_lag
    origin: np.ndarray          # (input_dim,) the point at t = 0
    direction: np.ndarray       # (input_dim,) unit vector
    output: str                 # what y is, in words

    @property
    def r1(self) -> float:
        """Correlation of the gradient at neighbouring inputs (lag 1)."""
        return float(self.acf[1]) if len(self.acf) > 1 else float("nan")


def autocorrelation(g: np.ndarray, max_lag: int = MAX_LAG) -> np.ndarray:
    """Sample autocorrelation r_k = Σ (g_i − ḡ)(g_{i+k} − ḡ) / Σ (g_i − ḡ)², k = 0..max_lag
    (the standard biased estimator: |r_k| ≤ 1). A constant sequence (a linear net) is perfectly
    smooth: r_k = 1. Non-finite values give NaN."""
    g = np.asarray(g, dtype=np.float64)
    lags = min(max_lag, len(g) - 1)
    if len(g) < 2 or not np.all(np.isfinite(g)):
        return np.full(max(lags, 0) + 1, np.nan)
    d = g - g.mean()
    den = float(np.dot(d, d))
    if den <= 1e-24 * max(float(np.dot(g, g)), 1e-300):
        return np.ones(lags + 1)
    return np.array([np.dot(d[:len(d) - k], d[k:]) / den for k in range(lags + 1)])


def input_line(x: np.ndarray, points: int = POINTS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t, origin, direction) of the line the gradient is taken along, for inputs x (n, dim):
    the data's range along x₁, at the upper quartile of every other coordinate."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or len(x) == 0:
        raise ConfigError("the input-gradient line needs a non-empty (examples, features) array")
    lo, hi = float(x[:, 0].min()), float(x[:, 0].max())
    if hi <= lo:
        lo, hi = lo - 1.0, hi + 1.0
    origin = np.quantile(x, 0.75, axis=0)
    origin[0] = 0.0
    direction = np.zeros(x.shape[1])
    direction[0] = 1.0
    return np.linspace(lo, hi, points), origin, direction


def line_gradients(model, t: np.ndarray, origin: np.ndarray, direction: np.ndarray,
                   classification: bool) -> np.ndarray:
    """∂y/∂t at x = origin + t·direction, by one backward pass (the points are independent in
    eval mode, so the gradient of Σ y is each point's own). `model`: a torch module."""
    # torch is imported here: the window reads this module's thresholds before torch loads.
    import torch

    p = next(model.parameters())
    x = (torch.as_tensor(origin, dtype=p.dtype)[None, :]
         + torch.as_tensor(t, dtype=p.dtype)[:, None] * torch.as_tensor(direction, dtype=p.dtype))
    x = x.to(p.device).requires_grad_(True)
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            out = model(x)
            y = out[:, 1] - out[:, 0] if classification and out.shape[-1] > 1 else out[:, 0]
            (gx,) = torch.autograd.grad(y.sum(), x)
    finally:
        model.train(was_training)
    return gx.detach().double().cpu().numpy() @ np.asarray(direction, dtype=np.float64)


def shattering(trainer, points: int = POINTS, max_lag: int = MAX_LAG) -> Shattering | None:
    """The current network's input gradient along the line through its data (None for
    sequence tasks, whose inputs are not points on a line)."""
    ds = trainer.dataset
    if ds.is_sequence:
        return None
    x = np.concatenate([ds.x_train, ds.x_test])
    t, origin, direction = input_line(x, points)
    classification = ds.is_classification
    g = line_gradients(trainer.model, t, origin, direction, classification)
    output = "the logit margin z₁ − z₀" if classification else "the output y"
    return Shattering(t=t, grad=g, acf=autocorrelation(g, max_lag), origin=origin,
                      direction=direction, output=output)
