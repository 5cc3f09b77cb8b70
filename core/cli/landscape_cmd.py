"""`landscape`: train (or load a session), then write a loss slice around the weights to NPZ."""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

from core.cli.common import Progress, add_experiment_args, apply_sets, experiment_from_args
from core.errors import ConfigError

DIRECTIONS = ("filter", "layer", "none", "pca", "hessian")
SPLITS = ("train", "test", "both")


def register(sub) -> None:
    p = sub.add_parser(
        "landscape", help="loss landscape around the weights, written to NPZ",
        description="Build the experiment (or load SESSION), train --steps steps while recording "
        "the trajectory, then evaluate L(θ + αδ + βη) on a grid (eval mode, fixed evaluation "
        "subset) and write grid axes, losses, directions (flat, state_dict order) and the "
        "trajectory to --out.")
    add_experiment_args(p, session=True)
    add_training_args(p)
    p.add_argument("--grid", type=int, default=41, help="points per axis (default 41)")
    p.add_argument("--span", type=float, default=None,
                   help="half-width of each axis (default: 1 for filter/layer directions, the "
                   "trajectory's extent for pca, a curvature-based width for hessian)")
    p.add_argument("--directions", default="filter", metavar="|".join(DIRECTIONS),
                   help="random filter-normalised (default), layer-normalised or raw; PCA of the "
                   "trajectory; top and lowest Hessian eigenvectors")
    p.add_argument("--dims", type=int, default=2, help="1 for a line, 2 for a plane (default)")
    p.add_argument("--split", default="both", metavar="|".join(SPLITS),
                   help="which loss to evaluate (default both)")
    p.add_argument("--path", default="auto", metavar="auto|fast|vmap|naive",
                   help="evaluation path (default auto: fast for plain MLPs, vmap otherwise)")
    p.add_argument("--workers", type=int, default=None,
                   help="threads for the fast path (default: the CPU cores, at most 4)")
    p.add_argument("--out", required=True, help="output .npz file")
    p.set_defaults(func=run)


def _check_writable(out: str) -> None:
    """Refuse an --out that cannot be written before minutes of computation, not after."""
    if not out.strip():
        raise ConfigError("--out: give a file name")
    parent = os.path.dirname(os.path.abspath(out))
    while parent and not os.path.exists(parent):  # the nearest ancestor that exists...
        parent = os.path.dirname(parent) if os.path.dirname(parent) != parent else ""
    # ...must be a folder: a file there ("--out notes.txt/l.npz") cannot hold one
    if os.path.isdir(out) or not os.path.isdir(parent) or not os.access(parent, os.W_OK):
        raise ConfigError(f"--out: cannot write {out!r} (a folder, or no permission there)")


def add_training_args(p: argparse.ArgumentParser) -> None:
    """Options shared with `hessian`: training length, evaluation subset, seed."""
    p.add_argument("--steps", type=int, default=None,
                   help="train this many steps first (default: the preset's length; 0 for a "
                   "config file or a session)")
    p.add_argument("--subset", type=int, default=256,
                   help="evaluation examples per split (default 256)")
    p.add_argument("--seed", type=int, default=0, help="seed of the directions and the subset")
    p.add_argument("--record-every", type=int, default=None,
                   help="trajectory snapshot every K steps (default: steps/100)")


def prepare(args):
    """Trainer at the requested point, the trajectory recorder, and a label of the source."""
    from core.analysis.landscape_trajectory import TrajectoryRecorder

    if not 0 <= args.seed < 2**63:
        raise ConfigError(f"--seed: {args.seed} is out of range; allowed 0 to {2**63 - 1}")
    trainer, steps, label = _source(args)
    if trainer.device_note:                       # on stderr: --json keeps stdout clean
        print(trainer.device_note, file=sys.stderr)
    if not 0 <= steps <= 10_000_000:
        raise ConfigError(f"--steps: {steps} is out of range; allowed 0 to 10000000")
    if not 1 <= args.subset <= 100_000:
        raise ConfigError(f"--subset: {args.subset} is out of range; allowed 1 to 100000")
    every = args.record_every or max(1, steps // 100)
    if every < 1:
        raise ConfigError(f"--record-every: {every} must be at least 1")
    rec = TrajectoryRecorder(every=every)
    rec.record(trainer.step_count, trainer.model)
    if steps:
        bar = Progress(steps, "training")
        for i, r in enumerate(trainer.steps(steps), 1):
            rec.maybe_record(trainer.step_count, trainer.model)
            bar.update(i, f"loss {r.loss:.4g}")
        if trainer.diverged is not None:
            raise ConfigError(f"the run diverged before the analysis: "
                              f"{trainer.diverged.summary()}")
        rec.record(trainer.step_count, trainer.model)
    return trainer, rec, label


def _source(args):
    from core.presets import load_preset
    from core.training.trainer import Trainer

    given = [x for x in (args.session, args.preset, args.config) if x]
    if len(given) != 1:
        raise ConfigError("give exactly one of SESSION, --preset NAME or --config FILE")
    if args.session:
        from core.sessions import load_session
        from core.training.snapshot import trainer_from_session

        if args.set:
            raise ConfigError("--set cannot change a saved session's config; use --preset or "
                              "--config to start a new run")
        tr = trainer_from_session(load_session(args.session))
        return tr, args.steps or 0, f"session {args.session}"
    if args.preset:
        preset = load_preset(args.preset)
        cfg = apply_sets(preset.config, args.set)
        steps = preset.steps if args.steps is None else args.steps
        return Trainer(cfg), steps, f"preset {args.preset}"
    return Trainer(experiment_from_args(args)), args.steps or 0, f"config {args.config}"


def run(args) -> int:
    from core.analysis.directions import make_directions, project_trajectory, suggest_span
    from core.analysis.landscape import PATHS, LandscapeJob
    from core.analysis.landscape_export import save_landscape_npz
    from core.analysis.landscape_problem import LossProblem

    _check_choice("--directions", args.directions, DIRECTIONS)
    _check_choice("--split", args.split, SPLITS)
    _check_writable(args.out)
    _check_choice("--path", args.path, PATHS)
    if args.dims not in (1, 2):
        raise ConfigError(f"--dims: {args.dims} must be 1 or 2")
    if args.span is not None and not (math.isfinite(args.span) and args.span > 0):
        raise ConfigError(f"--span: {args.span} must be a positive number")
    if not 2 <= args.grid <= 401:
        raise ConfigError(f"--grid: {args.grid} is out of range; allowed 2 to 401")
    if not args.out.endswith(".npz"):
        raise ConfigError(f"--out: {args.out!r} should end in .npz")
    workers = args.workers if args.workers is not None else max(1, min(os.cpu_count() or 1, 4))
    if not 1 <= workers <= 64:
        raise ConfigError(f"--workers: {workers} is out of range; allowed 1 to 64")
    tr, rec, label = prepare(args)
    splits = ("train", "test") if args.split == "both" else (args.split,)
    problem = LossProblem.from_trainer(tr, subset=args.subset, seed=args.seed, splits=splits)
    dirs = make_directions(problem, args.directions, args.dims, args.seed,
                           snapshots=rec.snapshots if len(rec) else None)
    coords = None
    if len(rec):
        coords, _ = project_trajectory(dirs, problem.theta, rec.snapshots)
    span = args.span or suggest_span(dirs, problem, coords if args.directions == "pca" else None)
    job = LandscapeJob(problem, dirs, grid=args.grid, span=span, path=args.path, workers=workers)
    print(f"{label}, step {tr.step_count}: {job.estimate().describe()}")
    bar = Progress(100, "landscape")
    t0 = time.perf_counter()
    for frac in job.run():
        bar.update(int(round(100 * frac)))
    res = job.result
    save_landscape_npz(args.out, res, rec.steps, rec.snapshots,
                       meta={"source": label, "config": tr.config.to_dict(), "span": span})
    for s in splits:
        grid = res.losses[s]
        print(f"{s}: centre {res.centre_loss[s]:.6g}, min {_nanmin(grid):.6g}, "
              f"max {_nanmax(grid):.6g} (subset {res.subset[s]})")
        bad = sum(not math.isfinite(v) for v in grid.ravel().tolist())
        if bad:
            print(f"note: {bad} of {grid.size} {s} points are not finite (the loss overflowed "
                  "there); min and max are over the others")
    print(f"{res.path} path: {time.perf_counter() - t0:.3f} s, {res.gflops:.1f} GFLOP/s; "
          f"span {span:.4g}, {args.directions} directions")
    for note in res.notes:
        print("note:", note)
    print(f"wrote {args.out}")
    return 0


def _check_choice(flag: str, value: str, allowed) -> None:
    if value not in allowed:
        raise ConfigError(f"{flag}: {value!r} is not allowed; choose one of {list(allowed)}")


def _nanmin(a) -> float:
    import numpy as np

    return float(np.nanmin(a)) if np.isfinite(a).any() else float("nan")


def _nanmax(a) -> float:
    import numpy as np

    return float(np.nanmax(a[np.isfinite(a)])) if np.isfinite(a).any() else float("nan")
