"""Curvature readout at the current point: λₘₐₓ, λₘᵢₙ, trace, and what they mean in plain words.

Indicators
- λₘₐₓ against the stability limit of the optimizer: plain gradient descent on a quadratic
  diverges along the top eigenvector when λₘₐₓ > 2/lr (heavy-ball momentum β: 2(1+β)/lr). Within
  10% below to 30% above the limit is the "edge of stability" (Cohen et al. 2021): full-batch
  training drives λₘₐₓ up to the limit and then hovers there, at or somewhat above it, while
  the loss still falls (non-monotonically); landscape_sharp_large_batch shows 1.18 × the limit
  at step 600, 1.08 × at step 2000. More than 30% above the limit: unstable.
- Saddle: λₘᵢₙ < 0 by more than noise. λₘᵢₙ = vᵀHv is a mean over the evaluation examples of
  each example's curvature along v, so its sampling standard error SE is known (see
  `curvature_spread`); noise = max(3·SE, 3 × Lanczos residual bound, saddle_rel·|λₘₐₓ|, 1e-6).
  At zero initialization λₘᵢₙ ≈ −λₘₐₓ lies ~15 SE below 0; the small negative λₘᵢₙ of trained
  nets (a few % of λₘₐₓ) is usually within 2 SE, i.e. the data cannot tell it from 0.
- Plateau: gradient norm and curvature both tiny (‖g‖ < grad_tol and max|λ| < curv_tol).

The message's numbers are written by core.numfmt.num (1210, 0.0123, 2.0 × 10⁻⁶; never 1.21e+03),
λₘₐₓ and the limit to 3 significant digits like the readout's table.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from core.analysis.hessian import (
    Density,
    HessianOperator,
    curvature_spread,
    extreme_eigenpairs,
    hutchinson_trace,
    spectral_density,
)
from core.analysis.landscape_problem import LossProblem
from core.numfmt import num

STATUSES = ("unstable", "saddle", "plateau", "edge_of_stability", "stable")
ADAPTIVE = ("rmsprop", "adam", "adamw")


@dataclass(frozen=True)
class Thresholds:
    """When the readout calls a point a saddle, a plateau or the edge of stability."""

    saddle_sigmas: float = 3.0   # |λₘᵢₙ| must exceed this many sampling standard errors
    saddle_rel: float = 0.01     # … and this fraction of λₘₐₓ
    grad_tol: float = 1e-3
    curv_tol: float = 1e-2
    edge_below: float = 0.1      # 1 − this ≤ λₘₐₓ / limit ≤ 1 + edge_above: edge of
    edge_above: float = 0.3      # stability (it hovers above the limit more than below)


@dataclass(frozen=True)
class CurvatureReport:
    """Everything the curvature readout shows (JSON-ready through `to_json`)."""

    step: int
    loss: float
    grad_norm: float
    top_eigenvalues: list[float]
    lambda_max: float
    lambda_min: float
    lambda_min_stderr: float     # sampling standard error of λₘᵢₙ over the evaluation examples
    saddle_noise: float          # λₘᵢₙ must be below −saddle_noise for "saddle"
    residuals: dict
    trace: float
    trace_stderr: float
    lr: float
    two_over_lr: float
    stability_limit: float
    optimizer: str
    status: str
    flags: list[str]
    message: str
    lanczos_steps: int
    hvps: int
    subset: int
    seconds: float
    notes: list[str] = field(default_factory=list)
    density: Density | None = None

    def to_json(self) -> dict:
        d = asdict(self)
        d.pop("density")
        if self.density is not None:
            d["density"] = {"grid": self.density.grid.tolist(),
                            "density": self.density.density.tolist(),
                            "sigma": self.density.sigma}
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in d.items()}


def stability_limit(lr: float, optimizer: str = "sgd", momentum: float = 0.0) -> float:
    """Largest curvature the optimizer's plain iteration survives on a quadratic."""
    if not (lr > 0):
        return float("nan")
    if optimizer == "momentum":
        return 2 * (1 + momentum) / lr
    if optimizer == "nesterov":
        return 2 * (1 + momentum) / (lr * (1 + 2 * momentum))
    return 2 / lr


def saddle_noise(lambda_max: float, min_residual: float = 0.0, min_stderr: float = 0.0,
                 thresholds: Thresholds = Thresholds()) -> float:
    """How far below 0 λₘᵢₙ must lie to count as a saddle (see the module docstring)."""
    th = thresholds
    se = min_stderr if math.isfinite(min_stderr) else 0.0
    return max(th.saddle_sigmas * se, 3 * min_residual, th.saddle_rel * abs(lambda_max), 1e-6)


def classify(lambda_max: float, lambda_min: float, grad_norm: float, limit: float,
             min_residual: float = 0.0, min_stderr: float = 0.0,
             thresholds: Thresholds = Thresholds()) -> tuple[str, list[str], str]:
    """(status, every flag that holds, a plain-words message) for these numbers."""
    th = thresholds
    flags = []
    if math.isfinite(limit) and lambda_max > (1 + th.edge_above) * limit:
        flags.append("unstable")
    noise = saddle_noise(lambda_max, min_residual, min_stderr, th)
    if lambda_min < -noise:
        flags.append("saddle")
    if grad_norm < th.grad_tol and max(abs(lambda_max), abs(lambda_min)) < th.curv_tol:
        flags.append("plateau")
    if math.isfinite(limit) and 1 - th.edge_below <= lambda_max / limit <= 1 + th.edge_above:
        flags.append("edge_of_stability")
    status = next((s for s in STATUSES if s in flags), "stable")
    lmax, lmin, lim = num(lambda_max, 3), num(lambda_min, 2), num(limit, 3)
    noise_text, grad = num(noise, 2), num(grad_norm, 2)
    words = {
        "unstable": f"λₘₐₓ = {lmax} is well above the stability limit {lim} (2/lr for plain "
                    "SGD): gradient descent overshoots along the sharpest direction",
        "saddle": f"λₘᵢₙ = {lmin} < 0 beyond its noise ({noise_text}, 3 standard errors or "
                  "more): a saddle, the loss curves "
                  "down along some direction; gradient descent leaves it only slowly",
        "plateau": f"gradient ({grad}) and curvature ({num(lambda_max, 2)}) are both tiny: a "
                   "plateau, steps make almost no progress",
        "edge_of_stability": f"λₘₐₓ = {lmax} sits at the stability limit {lim}: the edge of "
                             "stability, where full-batch training hovers",
        "stable": f"λₘₐₓ = {lmax} is below the stability limit {lim} and no direction curves "
                  "down: a stable basin" if lambda_min >= 0 else
                  f"λₘₐₓ = {lmax} is below the stability limit {lim}, and λₘᵢₙ = {lmin} is "
                  f"within its noise ({noise_text}, 3 standard errors or more) of 0: no "
                  "direction measurably curves down, "
                  "a stable basin",
    }
    return status, flags, words[status]


def curvature_report(problem: LossProblem, k: int = 3, split: str = "train",
                     steps: int | None = None, hutchinson_samples: int = 32,
                     density: bool = False, seed: int = 0,
                     thresholds: Thresholds = Thresholds(),
                     should_stop: Callable[[], bool] | None = None,
                     progress: Callable[[float], None] | None = None) -> CurvatureReport:
    """Top-k eigenvalues, λₘᵢₙ, Hutchinson trace (and optionally the SLQ density) at θ."""
    t0 = time.perf_counter()
    op = HessianOperator(problem, split)
    parts = 3 if density else 2

    def stage(i):
        return None if progress is None else (lambda f: progress((i + f) / parts))

    eig = extreme_eigenpairs(problem, k, split, seed, steps, should_stop=should_stop,
                             progress=stage(0), op=op)
    trace, err = (hutchinson_trace(op, hutchinson_samples, seed, should_stop=should_stop,
                                   progress=stage(1))
                  if hutchinson_samples > 0 else (float("nan"), float("nan")))
    dens = spectral_density(op, seed=seed, should_stop=should_stop, progress=stage(2)) \
        if density else None
    try:
        _, se = curvature_spread(problem, eig.min_vector, split)
    except (RuntimeError, NotImplementedError):     # an op without forward-mode AD
        se = float("nan")
    limit = stability_limit(problem.lr, problem.optimizer, problem.momentum)
    status, flags, message = classify(eig.top_values[0], eig.min_value, op.grad_norm, limit,
                                      eig.min_residual, se, thresholds)
    notes = list(problem.notes)
    if problem.optimizer in ADAPTIVE:
        notes.append(f"{problem.optimizer} rescales each parameter's step, so 2/lr is only a guide")
    return CurvatureReport(
        step=problem.step, loss=op.loss, grad_norm=op.grad_norm,
        top_eigenvalues=eig.top_values, lambda_max=eig.top_values[0], lambda_min=eig.min_value,
        lambda_min_stderr=se,
        saddle_noise=saddle_noise(eig.top_values[0], eig.min_residual, se, thresholds),
        residuals={"top": eig.top_residuals, "min": eig.min_residual},
        trace=trace, trace_stderr=err, lr=problem.lr,
        two_over_lr=2 / problem.lr if problem.lr > 0 else float("nan"),
        stability_limit=limit, optimizer=problem.optimizer, status=status, flags=flags,
        message=message, lanczos_steps=eig.steps, hvps=op.products,
        subset=len(problem.split(split)[0]), seconds=time.perf_counter() - t0, notes=notes,
        density=dens)
