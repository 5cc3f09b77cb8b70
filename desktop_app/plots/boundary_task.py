"""The decision-boundary panel's computations, run in the training thread (Task) between
steps: the model's output over the input plane, or its input gradient along a line."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GRID = 64        # points per side of the 2-D grid
CURVE = 200      # points of the 1-D fitted curve


@dataclass(frozen=True)
class Boundary:
    step: int
    kind: str                      # "2d" (heatmap over the input plane) or "1d" (fitted curve)
    bounds: tuple[float, float, float, float]   # xmin, xmax, ymin, ymax of the grid (2d)
    xs: np.ndarray                 # grid coordinates along x (2d) or the curve's inputs (1d)
    ys: np.ndarray                 # grid coordinates along y (2d); empty for 1d
    values: np.ndarray             # (len(xs), len(ys)) P(class 1) / class, or (len(xs),) curve
    classes: int                   # 1 for regression
    rolled_back: bool = False      # `step` is early stopping's best, rolled back to


def compute_boundary(trainer, res: int = GRID) -> Boundary | None:
    """The model's output over the input plane (2-D data) or line (1-D data); None otherwise."""
    from core.data import grid_bounds

    ds = trainer.dataset
    if ds.is_sequence:
        return None
    step, rolled = int(trainer.weights_step), trainer.rolled_back is not None
    if ds.input_dim == 1:
        pts = np.concatenate([ds.x_train, ds.x_test])[:, 0]
        lo, hi = float(pts.min()), float(pts.max())
        pad = 0.05 * (hi - lo or 1.0)
        xs = np.linspace(lo - pad, hi + pad, CURVE)
        out = trainer.predict(xs[:, None].astype(np.float32))
        return Boundary(step, "1d", (lo - pad, hi + pad, 0.0, 0.0), xs, np.empty(0),
                        np.asarray(out, dtype=np.float64).ravel(), 1, rolled)
    if ds.input_dim != 2:
        return None
    x0, x1, y0, y1 = grid_bounds(ds)
    xs, ys = np.linspace(x0, x1, res), np.linspace(y0, y1, res)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    pts = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    out = np.asarray(trainer.predict(pts), dtype=np.float64).reshape(res, res)
    return Boundary(step, "2d", (x0, x1, y0, y1), xs, ys, out, int(ds.n_outputs), rolled)


def compute_input_gradient(trainer):
    """(step, Shattering): ∂y/∂x₁ along a line through the data (None for sequence tasks)."""
    from core.analysis.shattered import shattering

    s = shattering(trainer)
    return None if s is None else (int(trainer.weights_step), s)
