"""Directions δ, η for loss slices L(θ + αδ + βη), fixed once made so that frames are comparable.

Kinds
- "filter": random Gaussian, filter-normalised (Li et al. 2018): each row of every weight matrix
  (a neuron's incoming weights, or one gate unit's for recurrent cells) is scaled to the norm of
  the same row of θ; biases and normalisation parameters (every 1-D parameter) get 0.
- "layer": random Gaussian, each weight tensor scaled to θ's tensor norm; 1-D parameters get 0.
- "none": raw N(0, 1) entries everywhere, biases included (the unnormalised baseline).
- "pca": the principal directions of the recorded training trajectory (unit vectors).
- "hessian": the eigenvectors of the largest and the lowest Hessian eigenvalue (unit vectors);
  along them the slice curves as ½λα², so a saddle shows as up along δ and down along η.

Vectors are flat, in the `ParamSpace` (state_dict) order of the problem they were made for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from core.analysis.landscape_problem import LossProblem
from core.analysis.landscape_space import LandscapeError, ParamSpace

RANDOM_KINDS = ("filter", "layer", "none")
KINDS = RANDOM_KINDS + ("pca", "hessian")


@dataclass(frozen=True, eq=False)
class Directions:
    """One or two fixed directions in parameter space (rows of `vectors`, shape (k, n))."""

    kind: str
    vectors: torch.Tensor
    space: ParamSpace
    info: dict = field(default_factory=dict)

    @property
    def dims(self) -> int:
        return int(self.vectors.shape[0])

    def check(self, problem: LossProblem) -> None:
        """LandscapeError unless these directions belong to the problem's network."""
        if self.space != problem.space:
            raise LandscapeError("the network changed since these directions were made "
                                 "(different layers or sizes): request new directions")

    def to(self, device: torch.device) -> Directions:
        return Directions(self.kind, self.vectors.to(device), self.space, self.info)

    def numpy(self) -> np.ndarray:
        """(k, n) float32 array, rows in state_dict order."""
        return self.vectors.detach().cpu().numpy().astype(np.float32)


def normalize_direction(d: torch.Tensor, theta: torch.Tensor, space: ParamSpace,
                        norm: str = "filter") -> torch.Tensor:
    """Scale a flat direction `d` per the DESIGN's rule for `norm` (filter, layer or none)."""
    if norm == "none":
        return d.clone()
    if norm not in ("filter", "layer"):
        raise LandscapeError(f"unknown normalisation {norm!r}; choose from {list(RANDOM_KINDS)}")
    out = torch.zeros_like(d)
    for name, sl in space.slices().items():
        shape = space.shapes[space.names.index(name)]
        if len(shape) < 2:
            continue            # biases, norm gains/shifts, PReLU slopes: zero (Li et al.)
        dd = d[sl].reshape(shape[0], -1)
        tt = theta[sl].reshape(shape[0], -1)
        if norm == "filter":
            # A row of θ that is all zero gives a zero row (its norm is 0): nothing to scale to.
            scale = tt.norm(dim=1, keepdim=True) / dd.norm(dim=1, keepdim=True).clamp_min(1e-30)
        else:
            scale = tt.norm() / dd.norm().clamp_min(1e-30)
        out[sl] = (dd * scale).reshape(-1)
    return out


def random_directions(problem: LossProblem, dims: int = 2, norm: str = "filter",
                      seed: int = 0) -> Directions:
    """`dims` random Gaussian directions normalised per `norm` (drawn on the CPU by `seed`, so
    the same seed gives the same directions on every device)."""
    _check_dims(dims)
    g = torch.Generator().manual_seed(seed)
    raw = torch.randn(dims, problem.space.numel, generator=g).to(problem.device)
    vecs = torch.stack([normalize_direction(raw[i], problem.theta, problem.space, norm)
                        for i in range(dims)])
    info: dict = {"seed": seed, "norm": norm}
    zero = float((vecs.abs().sum(0) == 0).float().mean())
    if norm != "none" and zero > 0.5:
        info["note"] = (f"{zero:.0%} of the parameters have zero direction (θ's rows are zero "
                        "there, e.g. at zero initialization): use hessian or none directions")
    return Directions(norm, vecs, problem.space, info)


def pca_directions(problem: LossProblem, snapshots: np.ndarray | torch.Tensor,
                   dims: int = 2) -> Directions:
    """The top principal directions of the trajectory (Li et al. 2018, section 7).

    `snapshots` (T, n) are flat parameter vectors recorded during training (see
    TrajectoryRecorder); the PCA is of θ_i − θ for the current θ. Unit vectors; `info` holds the
    explained variance ratio of each."""
    _check_dims(dims)
    S = torch.as_tensor(np.asarray(snapshots), dtype=torch.float64)
    if S.ndim != 2 or S.shape[1] != problem.space.numel:
        raise LandscapeError(f"trajectory snapshots must be (T, {problem.space.numel}); "
                             f"got {tuple(S.shape)}")
    M = S - problem.theta.detach().cpu().double()
    M = M[M.norm(dim=1) > 0]
    if len(M) < dims:
        raise LandscapeError(f"PCA directions need at least {dims} recorded points away from the "
                             f"current weights; have {len(M)}: train for more steps first")
    # SVD of the small side: eigenvectors of M Mᵀ (T × T) map to right singular vectors.
    _, s, vh = torch.linalg.svd(M, full_matrices=False)
    ratio = (s**2 / (s**2).sum()).numpy()
    vecs = vh[:dims]
    # Fixed signs: the oldest snapshot lies at negative coordinates (the run moves towards +).
    signs = torch.where(M[0] @ vecs.T > 0, -1.0, 1.0)
    vecs = vecs * signs[:, None]
    info = {"explained_variance": [float(r) for r in ratio[:dims]], "snapshots": int(len(S))}
    return Directions("pca", vecs.float().to(problem.device), problem.space, info)


def hessian_directions(problem: LossProblem, dims: int = 2, split: str = "train", seed: int = 0,
                       steps: int | None = None,
                       should_stop: Callable[[], bool] | None = None) -> Directions:
    """Eigenvectors of λ_max (and, for 2-D, of λ_min) of the Hessian at θ (unit vectors)."""
    from core.analysis.hessian import extreme_eigenpairs

    _check_dims(dims)
    eig = extreme_eigenpairs(problem, k=1, split=split, seed=seed, steps=steps,
                             should_stop=should_stop)
    vecs = [eig.top_vectors[0]] + ([eig.min_vector] if dims == 2 else [])
    info = {"eigenvalues": [eig.top_values[0]] + ([eig.min_value] if dims == 2 else []),
            "residuals": [eig.top_residuals[0]] + ([eig.min_residual] if dims == 2 else [])}
    return Directions("hessian", torch.stack(vecs), problem.space, info)


def make_directions(problem: LossProblem, kind: str = "filter", dims: int = 2, seed: int = 0,
                    snapshots: np.ndarray | None = None,
                    should_stop: Callable[[], bool] | None = None) -> Directions:
    """Any kind of directions by name (filter, layer, none, pca, hessian)."""
    if kind in RANDOM_KINDS:
        return random_directions(problem, dims, kind, seed)
    if kind == "pca":
        if snapshots is None or len(snapshots) == 0:
            raise LandscapeError("PCA directions need a recorded trajectory: train some steps "
                                 "with the trajectory recorder on")
        return pca_directions(problem, snapshots, dims)
    if kind == "hessian":
        return hessian_directions(problem, dims, seed=seed, should_stop=should_stop)
    raise LandscapeError(f"unknown direction kind {kind!r}; choose from {list(KINDS)}")


def project_trajectory(directions: Directions, theta: torch.Tensor,
                       snapshots: np.ndarray | torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates (T, k) of each snapshot in the plane through θ spanned by the directions,
    and the distance (T,) of each snapshot from that plane.

    Least squares, so non-orthogonal (random) directions project correctly; in high dimension a
    random plane captures almost none of the trajectory, which the distances show."""
    S = torch.as_tensor(np.asarray(snapshots), dtype=torch.float64)
    if S.numel() == 0:
        return np.zeros((0, directions.dims)), np.zeros(0)
    V = directions.vectors.detach().cpu().double()            # (k, n)
    M = S - theta.detach().cpu().double()
    G = V @ V.T
    if float(torch.linalg.matrix_rank(G)) < len(G):
        raise LandscapeError("the directions are degenerate (zero or parallel): request new ones")
    coords = torch.linalg.solve(G, V @ M.T).T                   # (T, k)
    resid = (M - coords @ V).norm(dim=1)
    return coords.numpy(), resid.numpy()


def suggest_span(directions: Directions, problem: LossProblem,
                 trajectory_coords: np.ndarray | None = None) -> float:
    """A span that shows something: 1 for normalised random directions (Li et al.'s ±1), the
    trajectory's extent for PCA, the width where ½λ_max s² ≈ max(L, 0.1) for Hessian directions."""
    kind = directions.kind
    if kind in ("filter", "layer"):
        return 1.0
    if kind == "none":
        t = float(problem.theta.norm())
        d = float(directions.vectors[0].norm())
        return max(t / max(d, 1e-30), 1e-3)
    if trajectory_coords is not None and len(trajectory_coords):
        return float(max(1.2 * np.abs(trajectory_coords).max(), 1e-3))
    if kind == "hessian" and directions.info.get("eigenvalues"):
        lam = max(abs(directions.info["eigenvalues"][0]), 1e-8)
        level = max(problem.centre_loss(problem.splits[0]), 0.1)
        return float(min(np.sqrt(2 * level / lam), 10 * max(float(problem.theta.norm()), 1.0)))
    return float(max(0.1 * float(problem.theta.norm()), 1e-3))


def _check_dims(dims: int) -> None:
    if dims not in (1, 2):
        raise LandscapeError(f"a slice has 1 or 2 directions, not {dims}")
