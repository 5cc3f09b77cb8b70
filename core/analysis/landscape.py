"""Loss slices L(θ + αδ + βη) on a grid around the current weights, batched and cancellable.

Typical use (a GUI worker does the same between frames):

    problem = LossProblem.from_trainer(trainer)              # snapshot, trainer's thread
    dirs = random_directions(problem, dims=2, norm="filter")  # keep these until asked for new
    job = LandscapeJob(problem, dirs, grid=41, span=1.0)
    print(job.estimate().describe())
    for fraction in job.run():                               # one chunk of grid points per item
        if stale: break                                      # abandoning the loop cancels it
    result = job.result                                      # LandscapeResult, or None

`compute_landscape(...)` is the same with `should_stop` and `progress` callbacks.

Threads: `workers=n` runs the fast path's chunks in n threads of one torch thread each. Call
`torch.set_num_threads` in the worker that runs a 1-worker job (torch's setting is per thread);
one thread is the right choice while training runs on another core.

Grid convention: `losses[split][i, j]` = L(θ + alphas[i]·δ + betas[j]·η) (first axis α, as
pyqtgraph's ImageItem expects). Axes are symmetric with an exact 0 in the middle for odd sizes,
so the centre point is θ itself; `centre_loss` holds the plain forward pass's loss at θ.
The loss is the model's loss in eval mode on fixed evaluation subsets (see landscape_problem).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

import numpy as np
import torch

from core.analysis.directions import Directions
from core.analysis.landscape_fast import FastMLP
from core.analysis.landscape_kernels import Workspace
from core.analysis.landscape_problem import LossProblem
from core.analysis.landscape_space import Cancelled, LandscapeError
from core.analysis.landscape_vmap import NaiveEvaluator, vmap_per_example_loss
from core.numfmt import num

PATHS = ("auto", "fast", "vmap", "naive")
MAX_GRID = 401
MEMORY_BUDGET = 256 * 2**20
# The fast path's chunk: activations of this many bytes stay in cache between layers.
# The fast path's chunk on a CPU: one layer's activations for the chunk take about this many
# bytes, so they stay in the L2 cache between a layer's product and its activation (measured
# best at 1–2 MB here); GPUs take the whole memory budget instead.
FAST_CHUNK_BYTES = 3 * 2**19
# Typical sustained matmul rates (FLOP/s) per device and path, for the time estimate when the
# caller has no measured rate (e.g. a previous result's gflops × 1e9).
DEFAULT_RATE = {("cpu", "fast"): 30e9, ("cpu", "vmap"): 8e9, ("cpu", "naive"): 4e9,
                ("cuda", "fast"): 2e12, ("cuda", "vmap"): 1e12, ("cuda", "naive"): 2e10,
                ("mps", "fast"): 3e11, ("mps", "vmap"): 1.5e11, ("mps", "naive"): 5e9}


@dataclass(frozen=True)
class CostEstimate:
    """What a grid will cost, known before computing it."""

    points: int              # grid points
    forward_passes: int      # points × splits (each over `examples` of that split)
    examples: int            # evaluation examples per point, all splits together
    flops: float             # matmul FLOPs of all forward passes
    seconds: float           # expected time at `rate`
    rate: float              # FLOP/s assumed
    memory_bytes: int        # peak working memory of one chunk
    chunk: int               # grid points per chunk
    path: str                # "fast", "vmap" or "naive"

    def describe(self) -> str:
        return (f"{self.points} points × {self.examples} examples = {self.forward_passes} forward "
                f"passes, {self.flops / 1e9:.2f} GFLOP, ~{num(self.seconds, 2)} s on the {self.path} "
                f"path ({self.chunk} points per chunk, ~{self.memory_bytes / 2**20:.0f} MiB)")


@dataclass(frozen=True, eq=False)
class LandscapeResult:
    """A computed slice; arrays are float64 numpy, NaN/Inf kept as data."""

    alphas: np.ndarray
    betas: np.ndarray | None
    losses: dict[str, np.ndarray]
    centre_loss: dict[str, float]
    directions: Directions
    theta: np.ndarray
    step: int
    path: str
    seconds: float
    flops: float
    subset: dict[str, int]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def dims(self) -> int:
        return 1 if self.betas is None else 2

    @property
    def gflops(self) -> float:
        """Achieved matmul GFLOP/s."""
        return self.flops / max(self.seconds, 1e-12) / 1e9

    @property
    def centre_index(self) -> tuple[int, ...]:
        c = (len(self.alphas) // 2,)
        return c if self.betas is None else c + (len(self.betas) // 2,)


def grid_axis(n: int, span: float) -> np.ndarray:
    """n points from −span to +span; the middle point of an odd n is exactly 0."""
    if not 2 <= n <= MAX_GRID:
        raise LandscapeError(f"grid resolution {n} is out of range; allowed 2 to {MAX_GRID}")
    if not (math.isfinite(span) and span > 0):
        raise LandscapeError(f"span {span!r} must be a positive number")
    half = (n - 1) / 2
    return span * (np.arange(n) - half) / half


class LandscapeJob:
    """One grid computation, run chunk by chunk (see the module docstring)."""

    def __init__(self, problem: LossProblem, directions: Directions, grid: int | tuple = 41,
                 span: float | tuple = 1.0, splits: tuple[str, ...] | None = None,
                 path: str = "auto", chunk: int | None = None,
                 memory_budget: int = MEMORY_BUDGET, workers: int = 1):
        directions.check(problem)
        if not 1 <= workers <= 64:
            raise LandscapeError(f"workers {workers} is out of range; allowed 1 to 64")
        self.workers = workers
        if path not in PATHS:
            raise LandscapeError(f"unknown evaluation path {path!r}; choose from {list(PATHS)}")
        self.problem = problem
        self.directions = directions.to(problem.device)
        self.splits = tuple(splits) if splits else problem.splits
        for s in self.splits:
            problem.split(s)
        grids = _pair(grid, directions.dims)
        spans = _pair(span, directions.dims)
        self.alphas = grid_axis(int(grids[0]), float(spans[0]))
        self.betas = grid_axis(int(grids[1]), float(spans[1])) if directions.dims == 2 else None
        self.fast = FastMLP.compile(problem.model, problem.space) if path in ("auto", "fast") \
            else None
        if path == "fast" and self.fast is None:
            raise LandscapeError(f"the fast path handles plain feed-forward nets only, not "
                                 f"{type(problem.model).__name__}; use path auto or vmap")
        self.path = "naive" if path == "naive" else ("fast" if self.fast else "vmap")
        xs = [problem.split(s)[0] for s in self.splits]
        ys = [problem.split(s)[1] for s in self.splits]
        self._x = torch.cat(xs) if len(xs) > 1 else xs[0]
        self._y = torch.cat(ys) if len(ys) > 1 else ys[0]
        self._bounds = np.cumsum([0] + [len(x) for x in xs])
        self._flops_per_example, act = self._measure()
        self.chunk = chunk or self._chunk(act, memory_budget)
        self._act = act
        shape = (len(self.alphas),) + (() if self.betas is None else (len(self.betas),))
        self.partial = {s: np.full(shape, np.nan) for s in self.splits}
        self.result: LandscapeResult | None = None
        self._ws = Workspace()
        self._cancel = threading.Event()

    # ---- planning ---------------------------------------------------------------------------
    @property
    def points(self) -> int:
        return len(self.alphas) * (1 if self.betas is None else len(self.betas))

    def estimate(self, rate: float | None = None) -> CostEstimate:
        """Cost before computing; `rate` (FLOP/s) e.g. from a previous result's gflops × 1e9."""
        n = len(self._x)
        flops = float(self.points * n * self._flops_per_example)
        dev = self.problem.device.type
        rate = rate or DEFAULT_RATE.get((dev, self.path), DEFAULT_RATE[("cpu", self.path)])
        parallel = self.workers if self.fast is not None and self.path == "fast" else 1
        rate *= 0.8 * parallel if parallel > 1 else 1
        mem = parallel * (4 * self.chunk * n * self._act + 4 * self.chunk * self.problem.space.numel)
        return CostEstimate(self.points, self.points * len(self.splits), n, flops,
                            flops / rate, rate, int(mem), self.chunk, self.path)

    def _measure(self) -> tuple[int, int]:
        """Matmul FLOPs and live activation floats per example (for the estimate and chunks)."""
        if self.fast is not None:
            return self.fast.flops_per_example(), self.fast.activation_floats()
        return _measure_forward(self.problem, self._x[:8])

    def _chunk(self, act_floats: int, budget: int) -> int:
        n = len(self._x)
        per_point = 4 * n * act_floats + 4 * self.problem.space.numel
        chunk = budget // max(per_point, 1)
        if self.path == "fast" and self.problem.device.type == "cpu":
            # With torch's own threads (one worker) each core takes a share of a chunk.
            cores = torch.get_num_threads() if self.workers == 1 else 1
            chunk = min(chunk, cores * FAST_CHUNK_BYTES // (4 * n * self.fast.max_width()))
        return int(max(1, min(self.points, chunk)))

    # ---- running --------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop `run()` after the chunks in progress (callable from any thread, e.g. when a
        newer request wins); `result` stays None."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def coefficients(self) -> torch.Tensor:
        """(points, k) coefficients (α, β) in row-major grid order (α slow, β fast)."""
        if self.betas is None:
            c = self.alphas[:, None]
        else:
            a, b = np.meshgrid(self.alphas, self.betas, indexing="ij")
            c = np.stack([a.ravel(), b.ravel()], axis=1)
        return torch.as_tensor(c, dtype=torch.float32, device=self.problem.device)

    def run(self) -> Iterator[float]:
        """Compute chunk by chunk, yielding the fraction done after each; stopping early cancels
        (`partial` keeps what was done; with workers, running chunks finish first). Sets
        `result` when complete."""
        problem, V = self.problem, self.directions.vectors
        theta = problem.theta
        coeffs = self.coefficients()
        flat_out = {s: self.partial[s].reshape(-1) for s in self.splits}
        naive = NaiveEvaluator(problem) if self.path == "naive" else None
        chunks = [(lo, coeffs[lo:lo + self.chunk]) for lo in range(0, self.points, self.chunk)]
        # Subnormal floats (vanishing signals) slow a CPU ~100×; the setting is per thread.
        torch.set_flush_denormal(True)
        start = time.perf_counter()
        done = 0
        for lo, m in self._chunk_results(theta, V, chunks, naive):
            if m is None or self._cancel.is_set():
                return
            for j, s in enumerate(self.splits):
                flat_out[s][lo:lo + len(m)] = m[:, j]
            done += len(m)
            yield done / self.points
        if self._cancel.is_set() or done < self.points:
            return
        seconds = time.perf_counter() - start
        self.result = LandscapeResult(
            alphas=self.alphas, betas=self.betas,
            losses={s: a.copy() for s, a in self.partial.items()},
            centre_loss={s: problem.centre_loss(s) for s in self.splits},
            directions=self.directions, theta=theta.detach().cpu().numpy(), step=problem.step,
            path=self.path, seconds=seconds,
            flops=float(self.points * len(self._x) * self._flops_per_example),
            subset={s: len(problem.split(s)[0]) for s in self.splits},
            notes=problem.notes + tuple(v for k, v in self.directions.info.items() if k == "note"))

    def _chunk_results(self, theta, V, chunks, naive) -> Iterator[tuple[int, np.ndarray]]:
        """(offset, mean losses (p, splits)) of each chunk, in order, or as the workers finish.

        Workers are threads with one torch thread each: on a CPU whose cores are shared (the GUI,
        training, other programs) that scales where torch's own OpenMP threads, spinning at
        every small operation, were 2-3× slower than one thread (measured here)."""
        if naive is not None or self.workers <= 1 or len(chunks) == 1 or self.fast is None:
            for lo, c in chunks:
                if self._cancel.is_set():
                    return
                yield lo, self._means(theta, V, c, naive, self._ws)
            return
        local = threading.local()

        def task(lo, c):
            if self._cancel.is_set():
                return lo, None
            if not hasattr(local, "ws"):
                torch.set_num_threads(1)         # per thread, like the flush setting
                torch.set_flush_denormal(True)
                local.ws = Workspace()
            return lo, self._means(theta, V, c, None, local.ws)

        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="landscape")
        try:
            futures = [pool.submit(task, lo, c) for lo, c in chunks]
            for f in as_completed(futures):
                yield f.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _means(self, theta, V, c, naive, ws) -> np.ndarray:
        if naive is not None:
            means = naive.losses(theta, V, c, self.splits)
        else:
            per = self._per_example(theta, V, c, ws)
            means = torch.stack([per[:, a:b].mean(1) for a, b in
                                 zip(self._bounds[:-1], self._bounds[1:], strict=True)], 1)
        return means.cpu().double().numpy()

    def _per_example(self, theta, V, c, ws):
        if self.fast is not None:
            return self.fast.per_example_loss(theta, V, c, self._x, self._y,
                                              self.problem.loss_kind, ws)
        return vmap_per_example_loss(self.problem, theta, V, c, self._x, self._y)


def compute_landscape(problem: LossProblem, directions: Directions, grid: int | tuple = 41,
                      span: float | tuple = 1.0, *, splits: tuple[str, ...] | None = None,
                      path: str = "auto", chunk: int | None = None, workers: int = 1,
                      should_stop: Callable[[], bool] | None = None,
                      progress: Callable[[float], None] | None = None) -> LandscapeResult:
    """Compute a 1-D or 2-D slice. `should_stop()` is polled between chunks (Cancelled is raised
    when it returns True); `progress(fraction)` is called after each chunk. `workers` > 1 runs
    the fast path's chunks in that many threads (one torch thread each)."""
    job = LandscapeJob(problem, directions, grid, span, splits, path, chunk, workers=workers)
    for frac in job.run():
        if progress is not None:
            progress(frac)
        if should_stop is not None and should_stop() and frac < 1.0:
            raise Cancelled("landscape computation cancelled")
    assert job.result is not None
    return job.result


def estimate_cost(problem: LossProblem, directions: Directions, grid: int | tuple = 41,
                  span: float | tuple = 1.0, splits: tuple[str, ...] | None = None,
                  path: str = "auto", rate: float | None = None, workers: int = 1) -> CostEstimate:
    """The cost of `compute_landscape` with these arguments, without computing anything."""
    return LandscapeJob(problem, directions, grid, span, splits, path,
                        workers=workers).estimate(rate)


def _pair(v, dims: int) -> tuple:
    if isinstance(v, (tuple, list)):
        if len(v) != dims:
            raise LandscapeError(f"expected {dims} values, got {len(v)}")
        return tuple(v)
    return (v,) * dims


def _measure_forward(problem: LossProblem, x: torch.Tensor) -> tuple[int, int]:
    """FLOPs (torch's flop counter) and activation floats (leaf-module outputs) per example."""
    from torch.utils.flop_counter import FlopCounterMode

    floats = [0]

    def hook(_m, _i, out):
        if isinstance(out, torch.Tensor):
            floats[0] += out.numel()

    leaves = [m for m in problem.model.modules() if not list(m.children())]
    handles = [m.register_forward_hook(hook) for m in leaves]
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as fc:
            problem.forward(problem.theta, x)
    finally:
        for h in handles:
            h.remove()
    n = max(len(x), 1)
    act = floats[0] // n
    # Recurrent nets loop over time outside any leaf module: count their states too.
    if hasattr(problem.model, "cell") and x.ndim == 3:
        act += x.shape[1] * sum(p.shape[0] for p in problem.model.cell.parameters() if p.ndim == 2)
    return max(1, fc.get_total_flops() // n), max(act, 64)
