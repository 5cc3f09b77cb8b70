"""The landscape lab's analysis worker: loss grids and curvature in their own QThread.

"Latest request wins": `submit` gives every request a new id and makes every older one stale. A
stale computation stops at its next chunk of grid points (or its next Hessian-vector product)
and emits nothing; the lab also drops anything whose id is not the latest. Requests carry only
numpy copies of the weights (LandscapeSnapshot) and the run's config and dataset; the worker
builds its own model copy from them, so nothing here touches the trainer or a widget. Results
leave as frozen dataclasses of numpy arrays and floats (LandscapeFrame, CurvatureReport).

torch is imported in the thread, on the first request, and uses one thread (the other core
trains). Stop with `stop()`: it cancels, interrupts and waits (PITFALLS: no quit/wait deadlock).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QThread, Signal

from desktop_app.plots.landscape_task import SUBSET_SEED, LandscapeSnapshot

KINDS = ("filter", "layer", "none", "pca", "hessian")
SPLITS = ("train", "test")
RESOLUTIONS = (11, 21, 31, 41, 51, 61, 81, 101, 151, 201)
CONTOUR_LEVELS = 10
HUTCHINSON_SAMPLES = 16
PROGRESS_MIN_S = 0.3       # grids expected to take longer show a progress bar
PROGRESS_EVERY_S = 0.1
CURVATURE_MEMORY = 256 * 2**20   # Lanczos keeps every step's vector: steps × n × 8 bytes
MIN_LANCZOS = 12
NICE = 4                   # like the training process: the GUI thread goes first when cores are short


SAME_SCALE_CONTOURS = 9      # contour lines at every tenth of the shared scale
LOG_FLOOR = 1e-3             # nats: the bottom of the shared log scale (or top/100 if lower)


def same_scale_levels(top: float, log: bool) -> tuple[float, float]:
    """The colour levels shared by every run: 0 to `top` nats, or on the log scale from
    LOG_FLOOR (at most top/100) to `top`, in log₁₀ nats."""
    if log:
        return float(np.log10(min(LOG_FLOOR, top / 100))), float(np.log10(top))
    return 0.0, float(top)


@dataclass(frozen=True)
class LandscapeSettings:
    """What the user chose (the controls beside the map)."""

    kind: str = "filter"          # direction type (KINDS)
    span: float = 1.0             # half-width, in units of the directions' own scale
    resolution: int = 41          # grid points per axis (odd: the centre is θ itself)
    split: str = "train"          # loss shown in the map
    subset: int = 256             # evaluation examples per split
    curvature: bool = True


@dataclass(frozen=True, eq=False)
class LandscapeRequest:
    run_gen: int                  # the run the snapshot belongs to
    config: Any                   # ExperimentConfig of the run
    dataset: Any                  # core.data.Dataset of the run (numpy)
    snapshot: LandscapeSnapshot
    settings: LandscapeSettings
    epoch: int = 0                # bumped by "new directions" (also the random directions' seed)
    traj_steps: tuple = ()
    traj_rows: tuple = ()         # θ arrays of the trajectory (never modified)
    rid: int = 0                  # set by submit
    same_top: float | None = None  # the shared colour scale's top: its contours are made here


@dataclass(frozen=True, eq=False)
class LandscapeFrame:
    """One computed landscape, ready to draw (numpy and floats only)."""

    rid: int
    run_gen: int
    step: int
    settings: LandscapeSettings
    epoch: int
    kind: str                     # the directions actually used
    alphas: np.ndarray
    betas: np.ndarray
    grid: np.ndarray              # (nα, nβ) loss of settings.split, NaN/Inf kept as data
    centre_loss: float            # plain forward pass at θ
    reference_loss: float         # the trainer's own loss at θ on the same examples
    lines: dict                   # label -> (x, loss) along one direction through θ
    levels: dict                  # "linear"/"log" -> (lo, hi) colour levels
    contours: dict                # "linear"/"log" -> (x, y) polyline with NaN breaks
    contour_values: dict          # "linear"/"log" -> the contour levels
    traj_steps: np.ndarray
    traj_coords: np.ndarray       # (T, 2) in (α, β)
    traj_distance: np.ndarray     # (T,) distance of each point from the plane
    off_plane: float              # median share of a path point's distance from θ off the plane
    scale: float                  # the directions' own scale (span 1 = this)
    span: float                   # half-width actually used
    info: dict                    # direction info (seed, explained variance, eigenvalues)
    notes: tuple
    seconds: float
    path: str
    estimate: str
    result: Any = None            # LandscapeResult (a private copy) for the NPZ export
    dir_step: int = 0             # step at which the directions were made
    curvature: Any = None         # CurvatureReport of the same request, if computed
    curvature_note: str = ""      # why there is none (when asked for)
    same_top: float | None = None  # the shared scale the same_contours were made for
    same_contours: dict = field(default_factory=dict)   # "linear"/"log" → (x, y) at fixed losses


@dataclass
class _Directions:
    key: tuple
    dirs: Any
    scale: float
    step: int
    kind: str
    notes: tuple = field(default_factory=tuple)


class LandscapeWorker(QThread):
    progress = Signal(int, float, str)      # rid, fraction done, what is being computed
    curvature_ready = Signal(int, object)   # rid, CurvatureReport
    frame_ready = Signal(int, object)       # rid, LandscapeFrame
    failed = Signal(int, str)               # rid, message for the user

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("GradLabLandscapeThread")
        self._cond = threading.Condition()
        self._pending: LandscapeRequest | None = None
        self._latest = 0
        # Worker-thread state (touched only in run()).
        self._base_key = None
        self._base = None
        self._dir: _Directions | None = None
        self._rate: dict[str, float] = {}
        self._curv = None            # (snapshot, subset, CurvatureReport) of the last one

    # ---- GUI thread --------------------------------------------------------------------
    def submit(self, req: LandscapeRequest) -> int:
        """Queue `req` (replacing any queued one), cancel the running one; returns its id."""
        with self._cond:
            self._latest += 1
            self._pending = dataclasses.replace(req, rid=self._latest)
            self._cond.notify_all()
        if not self.isRunning():
            self.start(QThread.LowPriority)
        return self._latest

    @property
    def latest(self) -> int:
        return self._latest

    def cancel(self) -> None:
        """Make every request stale (nothing more will be emitted for them)."""
        with self._cond:
            self._latest += 1
            self._pending = None

    def stop(self, timeout_ms: int = 10000) -> bool:
        """Cancel, interrupt and wait for the thread; True if it is not running."""
        with self._cond:
            self._latest += 1
            self._pending = None
            self.requestInterruption()
            self._cond.notify_all()
        if not self.isRunning():
            return True
        return self.wait(timeout_ms)

    # ---- worker thread -----------------------------------------------------------------
    def run(self) -> None:
        import torch

        _lower_thread_priority()
        torch.set_num_threads(1)
        torch.set_flush_denormal(True)
        while not self.isInterruptionRequested():
            with self._cond:
                while self._pending is None and not self.isInterruptionRequested():
                    self._cond.wait(0.25)
                req, self._pending = self._pending, None
            if req is None:
                continue
            self._serve(req)

    def _stale(self, rid: int) -> bool:
        return rid != self._latest or self.isInterruptionRequested()

    def _serve(self, req: LandscapeRequest) -> None:
        from core.analysis.landscape_space import Cancelled
        from core.errors import GradLabError

        try:
            self._compute(req)
        except Cancelled:
            pass
        except GradLabError as e:
            if not self._stale(req.rid):
                self.failed.emit(req.rid, str(e))
        except Exception as e:  # an analysis must never kill the thread
            traceback.print_exc()
            if not self._stale(req.rid):
                self.failed.emit(req.rid, f"internal error: {type(e).__name__}: {e}")

    def _problem(self, req: LandscapeRequest):
        """The LossProblem at the snapshot: a model built from the config (no RNG used: on the
        meta device), the snapshot's weights and buffers, the fixed evaluation subsets."""
        import torch

        from core.analysis.landscape_problem import LossProblem, eval_subset
        from core.models.build import build_model

        snap = req.snapshot
        subset = req.settings.subset
        key = (req.run_gen, subset)
        if self._base_key != key:
            ds = req.dataset
            with torch.device("meta"):
                skeleton = build_model(req.config, ds)
            skeleton = skeleton.to_empty(device="cpu")
            data = {}
            for split, (x, y) in (("train", (ds.x_train, ds.y_train)),
                                  ("test", (ds.x_test, ds.y_test))):
                data[split] = eval_subset(torch.as_tensor(x), torch.as_tensor(y), subset,
                                          SUBSET_SEED)
            self._base, self._base_key = (skeleton, data), key
            if self._dir is not None and self._dir.key[0] != req.run_gen:
                self._dir = None
        skeleton, data = self._base
        skeleton.load_state_dict({k: torch.as_tensor(np.array(v)) for k, v in snap.state.items()})
        return LossProblem.from_model(skeleton, snap.loss_kind, data, step=snap.step, lr=snap.lr,
                                      optimizer=snap.optimizer, momentum=snap.momentum)

    def _trajectory(self, req: LandscapeRequest, numel: int) -> tuple[np.ndarray, np.ndarray]:
        keep = [(s, r) for s, r in zip(req.traj_steps, req.traj_rows, strict=True)
                if r.size == numel]
        if not keep:
            return np.zeros(0, np.int64), np.zeros((0, numel), np.float32)
        return np.asarray([s for s, _ in keep], np.int64), np.stack([r for _, r in keep])

    def _directions(self, req: LandscapeRequest, problem, snaps: np.ndarray) -> _Directions:
        """The directions of this run, kind and epoch.

        PCA, Hessian and raw ("none") directions are made once and reused, so frames are
        comparable. Filter- and layer-normalised ones keep their random draw (the epoch is its
        seed) but are normalised to the θ of every frame, as their definition asks (Li et al.
        2018): normalised to an earlier θ they would compare a sharp and a flat minimum on the
        scale of weights neither has any more. Drawing and scaling costs ~1 ms per 10⁵
        parameters, against tens of ms for the grid."""
        from core.analysis.directions import (
            make_directions,
            project_trajectory,
            suggest_span,
        )

        kind = req.settings.kind
        key = (req.run_gen, kind, req.epoch)
        d = self._dir
        follows_theta = kind in ("filter", "layer")
        if d is not None and d.key == key and d.dirs.space == problem.space and (
                not follows_theta or d.kind == "hessian"):
            return d
        stop = functools.partial(self._stale, req.rid)
        dirs = make_directions(problem, kind, 2, seed=req.epoch, snapshots=snaps,
                               should_stop=stop)
        notes = ()
        zero = float((dirs.vectors.abs().sum(0) == 0).float().mean())
        if follows_theta and zero > 0.5:
            # θ's rows are zero (zero initialization): normalised random directions vanish.
            dirs = make_directions(problem, "hessian", 2, seed=req.epoch, should_stop=stop)
            notes = (f"{kind}-normalised directions are zero here ({zero:.0%} of the weights: "
                     "θ's rows are 0), so the top and lowest Hessian eigenvectors are shown "
                     "(New directions tries again once training has moved θ)",)
        coords = None
        if dirs.kind == "pca" and len(snaps):
            coords, _ = project_trajectory(dirs, problem.theta, snaps)
        scale = float(suggest_span(dirs, problem, coords))
        self._dir = _Directions(key, dirs, scale, problem.step, dirs.kind, notes)
        return self._dir

    def _compute(self, req: LandscapeRequest) -> None:
        from core.analysis.curvature import curvature_report
        from core.analysis.directions import Directions, project_trajectory
        from core.analysis.landscape import LandscapeJob
        from core.analysis.landscape_space import LandscapeError

        rid, st = req.rid, req.settings
        stale = functools.partial(self._stale, rid)
        t0 = time.perf_counter()
        problem = self._problem(req)
        if stale():
            return
        steps, snaps = self._trajectory(req, problem.space.numel)
        d = self._directions(req, problem, snaps)
        report, curvature_note = None, ""
        if st.curvature:
            n = problem.space.numel
            lanczos = min(n, 80, CURVATURE_MEMORY // (8 * n))
            cached = self._curv
            if cached is not None and cached[0] is req.snapshot and cached[1] == st.subset:
                report = cached[2]              # same weights (a setting changed): reuse
                self.curvature_ready.emit(rid, report)
            elif lanczos >= min(n, MIN_LANCZOS):
                report = curvature_report(problem, k=3, split="train", steps=lanczos,
                                          hutchinson_samples=HUTCHINSON_SAMPLES,
                                          should_stop=stale)
                if stale():
                    return
                self._curv = (req.snapshot, st.subset, report)
                self.curvature_ready.emit(rid, report)
            else:
                curvature_note = (f"No curvature readout: the network has {n:,} parameters, too "
                                  "many for live Lanczos iterations here (fewer layers or units "
                                  "bring it back).")
        span = d.scale * st.span
        job = LandscapeJob(problem, d.dirs, grid=st.resolution, span=span, splits=(st.split,))
        est = job.estimate(self._rate.get(job.path))
        show = est.seconds > PROGRESS_MIN_S
        if show:
            self.progress.emit(rid, 0.0, est.describe())
        last = time.perf_counter()
        for frac in job.run():
            if stale():
                return
            if show and time.perf_counter() - last > PROGRESS_EVERY_S:
                last = time.perf_counter()
                self.progress.emit(rid, frac, est.describe())
        res = job.result
        if res.seconds > 0:
            self._rate[res.path] = max(res.flops / res.seconds, 1e6)
        grid = res.losses[st.split]
        c = len(res.alphas) // 2
        lines = {f"{st.split}, along δ": (res.alphas, grid[:, c]),
                 f"{st.split}, along η": (res.betas, grid[c, :])}
        other = "test" if st.split == "train" else "train"
        line_dirs = Directions(d.dirs.kind, d.dirs.vectors[:1], d.dirs.space, d.dirs.info)
        line = LandscapeJob(problem, line_dirs, grid=st.resolution, span=span, splits=(other,))
        for _ in line.run():
            if stale():
                return
        lines[f"{other}, along δ"] = (line.result.alphas, line.result.losses[other])
        notes = list(res.notes) + list(d.notes)
        coords = np.zeros((0, 2))
        dist = np.zeros(0)
        off = math.nan
        if len(snaps):
            try:
                coords, dist = project_trajectory(d.dirs, problem.theta, snaps)
            except LandscapeError as e:
                notes.append(str(e))
                steps = np.zeros(0, np.int64)
            else:
                total = np.linalg.norm(snaps - problem.theta.cpu().numpy(), axis=1)
                ok = total > 0
                if ok.sum() >= 2:
                    off = float(np.median(np.clip(dist[ok] / total[ok], 0.0, 1.0)))
        levels, contours, values = {}, {}, {}
        for mode in ("linear", "log"):
            shown = display_values(grid, mode == "log")
            levels[mode] = color_levels(shown)
            values[mode], contours[mode] = contour_lines(shown, res.alphas, res.betas,
                                                         levels[mode])
        same = {}
        if req.same_top is not None:      # off the GUI thread: 0.1 s at 201 × 201
            for mode in ("linear", "log"):
                lv = same_scale_levels(req.same_top, mode == "log")
                same[mode] = contour_lines(display_values(grid, mode == "log"), res.alphas,
                                           res.betas, lv, n=SAME_SCALE_CONTOURS)[1]
        export = dataclasses.replace(res, directions=Directions(
            d.dirs.kind, d.dirs.vectors.detach().cpu().clone(), d.dirs.space, dict(d.dirs.info)))
        frame = LandscapeFrame(
            rid=rid, run_gen=req.run_gen, step=problem.step, settings=st, epoch=req.epoch,
            kind=d.kind, alphas=res.alphas.copy(), betas=res.betas.copy(), grid=grid.copy(),
            centre_loss=float(res.centre_loss[st.split]),
            reference_loss=float(req.snapshot.eval_loss.get(st.split, math.nan))
            if req.snapshot.subset == st.subset else math.nan,
            lines=lines, levels=levels, contours=contours, contour_values=values,
            traj_steps=np.asarray(steps), traj_coords=np.asarray(coords, np.float64),
            traj_distance=np.asarray(dist, np.float64), off_plane=off, scale=d.scale, span=span,
            info=_plain(d.dirs.info), notes=tuple(dict.fromkeys(notes)),
            seconds=time.perf_counter() - t0, path=res.path, estimate=est.describe(),
            result=export, dir_step=d.step, curvature=report, curvature_note=curvature_note,
            same_top=req.same_top, same_contours=same)
        if not stale():
            self.frame_ready.emit(rid, frame)


def _lower_thread_priority() -> None:
    """When cores are short the GUI thread goes first (Linux: nice is per thread; Qt's thread
    priorities do nothing under the default scheduler)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)


# ---- numpy helpers (no Qt, no torch) ---------------------------------------------------
def display_values(grid: np.ndarray, log: bool) -> np.ndarray:
    """The grid in colour units: loss, or log10 loss; non-finite → NaN."""
    g = np.array(grid, dtype=np.float64)
    g[~np.isfinite(g)] = np.nan
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.log10(np.clip(g, 1e-12, None))
    return np.clip(g, -1e30, 1e30)


def color_levels(shown: np.ndarray) -> tuple[float, float]:
    """From the lowest value to the 99th percentile (a few huge losses at the edge of a chaotic
    surface would otherwise flatten everything else into one colour)."""
    v = shown[np.isfinite(shown)]
    if v.size == 0:
        return 0.0, 1.0
    lo, hi = float(v.min()), float(np.percentile(v, 99))
    if not hi > lo:
        hi = lo + max(abs(lo) * 1e-3, 1e-6)
    return lo, hi


def contour_lines(shown: np.ndarray, alphas: np.ndarray, betas: np.ndarray,
                  levels: tuple[float, float], n: int = CONTOUR_LEVELS):
    """Contours at n levels evenly spaced inside `levels`, in (α, β) coordinates, as one
    polyline with NaN breaks (one PlotDataItem draws them all)."""
    import pyqtgraph as pg

    lo, hi = levels
    vals = np.linspace(lo, hi, n + 2)[1:-1]
    z = np.where(np.isfinite(shown), shown, hi + abs(hi - lo) + 1.0)
    da = (alphas[-1] - alphas[0]) / max(len(alphas) - 1, 1)
    db = (betas[-1] - betas[0]) / max(len(betas) - 1, 1)
    xs, ys = [], []
    for v in vals:
        for line in pg.isocurve(z, float(v), connected=True):
            pts = np.asarray(line, dtype=np.float64)
            if len(pts) < 2:
                continue
            xs.append(alphas[0] + (pts[:, 0] - 0.5) * da)
            ys.append(betas[0] + (pts[:, 1] - 0.5) * db)
            xs.append(np.array([np.nan]))
            ys.append(np.array([np.nan]))
    if not xs:
        return vals, (np.zeros(0), np.zeros(0))
    return vals, (np.concatenate(xs), np.concatenate(ys))


def _plain(info: dict) -> dict:
    """Direction info with numbers only (JSON-ready, no tensors)."""
    out = {}
    for k, v in info.items():
        if isinstance(v, (int, float, str)):
            out[k] = v
        elif isinstance(v, (list, tuple)):
            out[k] = [float(x) for x in v]
    return out
