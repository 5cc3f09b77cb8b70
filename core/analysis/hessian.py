"""Hessian of the loss at θ through Hessian-vector products, never the n × n matrix.

- `HessianOperator`: v ↦ Hv by double backward through one retained graph (the forward and first
  backward run once; every product is one more backward).
- `lanczos`: Lanczos with full reorthogonalisation; its Ritz values converge to both ends of the
  spectrum at once, so one run gives the top-k eigenvalues and λ_min with residual bounds.
- `hutchinson_trace`: tr H ≈ mean of vᵀHv over Rademacher v, with its standard error.
- `curvature_spread`: vᵀHv along one direction and its standard error over the data sample.
- `spectral_density`: stochastic Lanczos quadrature (Ghorbani et al. 2019; PyHessian).
All in eval mode on the problem's fixed evaluation subset, cancellable between products.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from core.analysis.landscape_problem import LossProblem, per_example_loss
from core.analysis.landscape_space import Cancelled, LandscapeError

# Forward-mode AD loads torch's jvp decompositions on first use, and that module calls the
# deprecated torch.jit.script (a DeprecationWarning in every process). Load it here, quietly.
with warnings.catch_warnings(), contextlib.suppress(ImportError):
    warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*torch.jit.script")
    import torch._decomp.decompositions_for_jvp  # noqa: F401

Stop = Callable[[], bool] | None
Report = Callable[[float], None] | None


class HessianOperator:
    """H = ∇²L(θ) on one split of a LossProblem, applied to vectors."""

    def __init__(self, problem: LossProblem, split: str = "train"):
        self.problem = problem
        self.n = problem.space.numel
        f = problem.loss_fn(split)
        with torch.enable_grad():
            self._t = problem.theta.detach().clone().requires_grad_(True)
            loss = f(self._t)
            (g,) = torch.autograd.grad(loss, self._t, create_graph=True)
        if not bool(torch.isfinite(loss)) or not bool(torch.isfinite(g).all()):
            raise LandscapeError("the loss or its gradient is not finite at these weights")
        self.loss = float(loss.detach())
        self.grad = g.detach()
        self._g = g
        self.products = 0

    @property
    def grad_norm(self) -> float:
        return float(self.grad.norm())

    def matvec(self, v: torch.Tensor) -> torch.Tensor:
        """Hv for v (n,), or the product with each row of a batch V (b, n).

        Rows are done one by one: autograd's batched backward is only slightly faster for MLPs
        and about 7× slower for the unrolled recurrent nets (vmap falls back to a loop there)."""
        if v.ndim == 2:
            return torch.stack([self.matvec(row) for row in v])
        self.products += 1
        if not self._g.requires_grad:       # the loss is linear in θ: H = 0
            return torch.zeros_like(v)
        with torch.enable_grad():
            (hv,) = torch.autograd.grad(self._g, self._t, v, retain_graph=True, allow_unused=True)
        return torch.zeros_like(v) if hv is None else hv.detach()

    __call__ = matvec


@dataclass(frozen=True)
class LanczosRun:
    """The tridiagonal T = tridiag(betas, alphas, betas) and the basis Q (m, n) it came from."""

    alphas: np.ndarray
    betas: np.ndarray           # m entries: the last is β_m, the residual norm after step m
    Q: torch.Tensor

    @property
    def steps(self) -> int:
        return len(self.alphas)

    def ritz(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ritz values (ascending), eigenvectors S of T, residual bounds |β_m S[m−1, i]|."""
        m = self.steps
        T = np.diag(self.alphas) + np.diag(self.betas[: m - 1], 1) + np.diag(self.betas[: m - 1], -1)
        vals, S = np.linalg.eigh(T)
        return vals, S, np.abs(self.betas[m - 1] * S[m - 1])

    def vector(self, S: np.ndarray, i: int) -> torch.Tensor:
        """The Ritz vector of column i of S (unit norm)."""
        s = torch.as_tensor(S[:, i], dtype=self.Q.dtype, device=self.Q.device)
        y = s @ self.Q
        return y / y.norm().clamp_min(1e-30)


def lanczos(matvec: Callable[[torch.Tensor], torch.Tensor], v0: torch.Tensor, steps: int,
            should_stop: Stop = None, progress: Report = None,
            converged: Callable[[LanczosRun], bool] | None = None,
            check_every: int = 8) -> LanczosRun:
    """`steps` Lanczos iterations from v0 with full reorthogonalisation (twice, for float32).

    Stops early on an invariant subspace or when `converged(run)` says so (checked every
    `check_every` steps)."""
    n = v0.numel()
    steps = max(1, min(steps, n))
    Q = torch.zeros(steps, n, dtype=v0.dtype, device=v0.device)
    alphas, betas = [], []
    q = v0 / v0.norm()
    for j in range(steps):
        if should_stop is not None and should_stop():
            raise Cancelled("Hessian computation cancelled")
        Q[j] = q
        w = matvec(q)
        if not bool(torch.isfinite(w).all()):
            raise LandscapeError("a Hessian-vector product is not finite (the loss overflows "
                                 "near these weights)")
        a = float(torch.dot(w, q))      # float32 on the device (MPS has no float64)
        alphas.append(a)
        for _ in range(2):      # classical Gram-Schmidt twice keeps Q orthogonal in float32
            w = w - (Q[: j + 1] @ w) @ Q[: j + 1]
        b = float(w.norm())
        if not (math.isfinite(a) and math.isfinite(b)):
            raise LandscapeError("the Hessian is too large to handle in float32 at these "
                                 "weights (the loss is exploding)")
        betas.append(b)
        if progress is not None:
            progress((j + 1) / steps)
        scale = max(abs(x) for x in alphas) or 1.0
        if b <= 1e-7 * scale or j + 1 == steps:
            break
        run = LanczosRun(np.array(alphas), np.array(betas), Q[: j + 1])
        if converged is not None and (j + 1) % check_every == 0 and converged(run):
            break
        q = w / b
    m = len(alphas)
    return LanczosRun(np.array(alphas), np.array(betas), Q[:m])


@dataclass(frozen=True, eq=False)
class EigenResult:
    """Extreme eigenpairs of H from one Lanczos run."""

    top_values: list[float]          # descending
    top_vectors: torch.Tensor        # (k, n) unit vectors
    top_residuals: list[float]       # bounds on ‖Hv − λv‖
    min_value: float
    min_vector: torch.Tensor
    min_residual: float
    steps: int
    loss: float
    grad_norm: float


def default_steps(n: int) -> int:
    """Lanczos steps: all of a tiny net's dimensions, else enough for the extremes (≤ 80)."""
    return n if n <= 80 else 80


def extreme_eigenpairs(problem: LossProblem, k: int = 3, split: str = "train", seed: int = 0,
                       steps: int | None = None, tol: float = 1e-3, should_stop: Stop = None,
                       progress: Report = None, op: HessianOperator | None = None) -> EigenResult:
    """Top-k eigenvalues/vectors and the lowest eigenvalue/vector of the Hessian at θ.

    Lanczos stops early once every wanted Ritz pair's residual is below tol·max|λ|."""
    op = op or HessianOperator(problem, split)
    n = op.n
    k = max(1, min(k, n))
    g = torch.Generator().manual_seed(seed)
    v0 = torch.randn(n, generator=g).to(problem.device)

    def done(run: LanczosRun) -> bool:
        vals, _, res = run.ritz()
        if len(vals) < k + 1:
            return False
        scale = max(abs(vals[0]), abs(vals[-1]), 1e-12)
        return bool(np.all(res[-k:] < tol * scale) and res[0] < tol * scale)

    run = lanczos(op, v0, steps or default_steps(n), should_stop, progress, done)
    vals, S, res = run.ritz()
    order = np.argsort(vals)[::-1][:k]
    top = [float(vals[i]) for i in order]
    vecs = torch.stack([run.vector(S, int(i)) for i in order])
    lo = int(np.argmin(vals))
    return EigenResult(top, vecs, [float(res[i]) for i in order], float(vals[lo]),
                       run.vector(S, lo), float(res[lo]), run.steps, op.loss, op.grad_norm)


def hutchinson_trace(op: HessianOperator, samples: int = 32, seed: int = 0, batch: int = 8,
                     should_stop: Stop = None, progress: Report = None) -> tuple[float, float]:
    """tr H ≈ mean vᵀHv over Rademacher v (Hutchinson 1989); returns (mean, standard error)."""
    if samples < 1:
        raise LandscapeError("Hutchinson trace needs at least one sample")
    g = torch.Generator().manual_seed(seed + 1)
    vals: list[float] = []
    while len(vals) < samples:
        if should_stop is not None and should_stop():
            raise Cancelled("Hessian computation cancelled")
        b = min(batch, samples - len(vals))
        V = (torch.randint(0, 2, (b, op.n), generator=g) * 2 - 1).float().to(op.problem.device)
        HV = op(V)
        vals += (V * HV).sum(1).cpu().tolist()
        if progress is not None:
            progress(len(vals) / samples)
    a = np.asarray(vals)
    err = float(a.std(ddof=1) / math.sqrt(len(a))) if len(a) > 1 else float("nan")
    return float(a.mean()), err


def curvature_spread(problem: LossProblem, v: torch.Tensor, split: str = "train",
                     ) -> tuple[float, float]:
    """vᵀHv and its sampling standard error over the evaluation examples.

    The loss is a mean over examples, so vᵀHv is the mean of each example's curvature
    d²ℓ_i(θ + tv)/dt² at t = 0 (forward-over-forward mode, one batched pass); their standard
    deviation / √N says how much vᵀHv would change with another sample of the data, which is
    the noise a negative λ_min must exceed to count as a saddle."""
    x, y = problem.split(split)
    v = v / v.norm().clamp_min(1e-30)
    theta = problem.theta

    def per_example(t):
        return per_example_loss(problem.forward(theta + t * v, x), y, problem.loss_kind)

    def slope(t):
        return torch.func.jvp(per_example, (t,), (torch.ones_like(t),))[1]

    t0 = torch.zeros((), device=theta.device)
    curv = torch.func.jvp(slope, (t0,), (torch.ones_like(t0),))[1].cpu().double()
    n = curv.numel()
    err = float(curv.std() / math.sqrt(n)) if n > 1 else float("nan")
    return float(curv.mean()), err


@dataclass(frozen=True)
class Density:
    """Eigenvalue density by stochastic Lanczos quadrature: nodes/weights and a smoothed curve."""

    nodes: np.ndarray        # (vectors, m) Ritz values of each run
    weights: np.ndarray      # (vectors, m) squared first components (each row sums to 1)
    grid: np.ndarray         # λ values
    density: np.ndarray      # smoothed density on grid (integrates to 1)
    sigma: float


def spectral_density(op: HessianOperator, vectors: int = 4, steps: int = 40, seed: int = 0,
                     points: int = 256, sigma: float | None = None, should_stop: Stop = None,
                     progress: Report = None) -> Density:
    """SLQ: for each random start, the Ritz values of its Lanczos run weighted by the squared
    first eigenvector components, smoothed by a Gaussian of width sigma (default 1% of range)."""
    g = torch.Generator().manual_seed(seed + 2)
    nodes, weights = [], []
    m = min(steps, op.n)
    for i in range(vectors):
        v0 = (torch.randint(0, 2, (op.n,), generator=g) * 2 - 1).float().to(op.problem.device)
        sub = None if progress is None else (lambda f, i=i: progress((i + f) / vectors))
        run = lanczos(op, v0, m, should_stop, sub)
        vals, S, _ = run.ritz()
        pad = m - len(vals)     # an early invariant subspace: pad with zero-weight nodes
        nodes.append(np.pad(vals, (0, pad), constant_values=vals[-1]))
        weights.append(np.pad(S[0] ** 2, (0, pad)))
    N, W = np.array(nodes), np.array(weights)
    lo, hi = float(N.min()), float(N.max())
    width = max(hi - lo, 1e-12)
    sigma = sigma or 0.01 * width
    grid = np.linspace(lo - 3 * sigma, hi + 3 * sigma, points)
    k = np.exp(-0.5 * ((grid[:, None] - N.ravel()[None]) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))
    dens = (k * W.ravel()[None]).sum(1) / vectors
    return Density(N, W, grid, dens, float(sigma))
