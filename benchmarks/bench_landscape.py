"""Benchmark: a 41 × 41 loss landscape of the default model, batched against the naive loop.

    python -m benchmarks.bench_landscape [--grid 41] [--subset 256] [--threads 1,2] [--device cpu]

All in one process, interleaved round by round so that a busy machine slows every contender alike
(best of --rounds is reported):
- reference: a plain torch matmul of two large square fp32 matrices (this machine's rate);
- naive: for each grid point, load the perturbed weights into the model, forward, loss;
- vmap: torch.func.functional_call under vmap, in memory-bounded chunks;
- fast: the hand-batched MLP path (core/analysis/landscape_fast.py), the one the app uses.
Then a live run: one thread trains while another refreshes the landscape as often as it can,
reporting the refresh rate and the training speed with and without it.

Each thread count in --threads gets its own rounds, reference included (torch's thread setting
applies to the calling thread). The load average is printed: other processes on the machine slow
the small products of the naive and batched paths far more than the large reference matmul.

Targets (issue 4): fast path ≥ 50% of the reference GFLOP/s and ≤ 1 s per 41 × 41 grid on a
CPU; on a GPU, batched ≥ 10× faster than the naive loop.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time

import torch

from core.analysis.directions import random_directions
from core.analysis.landscape import LandscapeJob
from core.analysis.landscape_problem import DEFAULT_SUBSET, LossProblem
from core.config import ExperimentConfig
from core.training.trainer import Trainer


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def reference_rate(device: torch.device, n: int) -> float:
    """FLOP/s of one n × n fp32 matmul (the best of a few)."""
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    a @ b
    sync(device)
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        a @ b
        sync(device)
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best


def time_job(problem, dirs, grid, path, workers=1) -> tuple[float, LandscapeJob]:
    job = LandscapeJob(problem, dirs, grid=grid, span=1.0, path=path, splits=("train",),
                       workers=workers)
    sync(problem.device)
    t = time.perf_counter()
    for _ in job.run():
        pass
    sync(problem.device)
    return time.perf_counter() - t, job


def live(cfg: ExperimentConfig, grid: int, subset: int, seconds: float, threads: int) -> dict:
    """Train in one thread and refresh the landscape in another, like the app's workers (with
    the app's 1 ms GIL switch interval: at Python's default 5 ms each small torch operation of
    one thread can wait that long for the other thread's Python code)."""
    sys.setswitchinterval(min(sys.getswitchinterval(), 0.001))
    tr = Trainer(cfg)
    lock = threading.Lock()
    stop = threading.Event()
    steps = [0]
    frames: list[float] = []

    def train():
        torch.set_num_threads(1)
        while not stop.is_set():
            with lock:                       # snapshots happen between steps
                tr.step()
            steps[0] += 1

    def refresh(dirs):
        torch.set_num_threads(1)
        while not stop.is_set():
            with lock:
                pb = LossProblem.from_trainer(tr, subset=subset, splits=("train",))
            t = time.perf_counter()
            job = LandscapeJob(pb, dirs, grid=grid, span=1.0, workers=threads)
            for _ in job.run():
                if stop.is_set():
                    return
            frames.append(time.perf_counter() - t)

    torch.set_num_threads(1)
    t0, n0 = time.perf_counter(), 0
    while time.perf_counter() - t0 < seconds / 2:   # training alone
        tr.step()
        n0 += 1
    alone = n0 / (time.perf_counter() - t0)
    dirs = random_directions(LossProblem.from_trainer(tr, subset=subset, splits=("train",)))
    workers = [threading.Thread(target=train), threading.Thread(target=refresh, args=(dirs,))]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    time.sleep(seconds)
    stop.set()
    for w in workers:
        w.join()
    dt = time.perf_counter() - t0
    return {"refresh_hz": len(frames) / dt, "frame_s": statistics.median(frames) if frames else
            float("nan"), "steps_per_s_alone": alone, "steps_per_s_with_refresh": steps[0] / dt}


def compare(pb, dirs, grid: int, rounds: int, ref_size: int, n: int) -> dict:
    """Best times of every path and the reference with n threads, interleaved round by round.

    naive, vmap and the reference use n torch (OpenMP) threads; fast uses n worker threads of
    one torch thread each (its default way to use cores), and with n > 1 also 1 worker × n
    torch threads for comparison."""
    device = pb.device
    runs = {"naive": ("naive", 1), "vmap": ("vmap", 1), "fast": ("fast", n)}
    if n > 1:
        runs["fast, omp"] = ("fast", 1)
    best = {k: float("inf") for k in runs} | {"reference": 0.0}
    fast_times, jobs = [], {}
    time_job(pb, dirs, 5, "fast")                   # warm-up
    for r in range(rounds):
        best["reference"] = max(best["reference"], reference_rate(device, ref_size))
        for name, (path, workers) in runs.items():
            if r >= 3 and name in ("naive", "vmap"):
                continue
            dt, jobs[name] = time_job(pb, dirs, grid, path, workers)
            best[name] = min(best[name], dt)
            if name == "fast":
                fast_times.append(dt)
    return {"best": best, "jobs": jobs, "fast_median": statistics.median(fast_times)}


def report(c: dict, grid: int, ref_size: int, device: torch.device, n: int) -> None:
    best, jobs = c["best"], c["jobs"]
    flops = jobs["fast"].result.flops
    ref = best["reference"]
    cen = jobs["fast"].result.centre_loss["train"]
    labels = {"naive": f"naive ({n} torch thr.)", "vmap": f"vmap ({n} torch thr.)",
              "fast": f"fast ({n} worker{'s' if n > 1 else ''})",
              "fast, omp": f"fast (1 worker, {n} torch thr.)"}
    for name in jobs:
        res = jobs[name].result
        gf = flops / best[name]
        print(f"  {labels[name]:>30}: {best[name] * 1e3:7.1f} ms {gf / 1e9:6.1f} GFLOP/s "
              f"{gf / ref:6.1%} of ref. (×{best['naive'] / best[name]:.1f} vs naive; centre "
              f"{res.losses['train'][grid // 2, grid // 2]:.6f} vs {cen:.6f})")
    frac = flops / best["fast"] / ref
    print(f"  reference {ref_size}² fp32 matmul ({n} torch thr.): {ref / 1e9:.1f} GFLOP/s; grid "
          f"{flops / 1e9:.2f} GFLOP; fast median {c['fast_median'] * 1e3:.1f} ms")
    print(f"  targets: ≥50% of reference: {'met' if frac >= 0.5 else 'NOT met'} ({frac:.0%}); "
          f"≤1 s per grid: {'met' if best['fast'] <= 1 else 'NOT met'} ({best['fast']:.3f} s)"
          + (f"; ≥10× over naive: {'met' if best['naive'] / best['fast'] >= 10 else 'NOT met'}"
             if device.type == "cuda" else ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--grid", type=int, default=41)
    ap.add_argument("--subset", type=int, default=DEFAULT_SUBSET)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", default=f"1,{os.cpu_count() or 1}",
                    help="comma-separated torch thread counts to measure (default 1 and all cores)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--ref-size", type=int, default=2048)
    ap.add_argument("--train-steps", type=int, default=200)
    ap.add_argument("--live-seconds", type=float, default=6.0)
    args = ap.parse_args()

    cfg = ExperimentConfig().with_value("device", args.device)
    tr = Trainer(cfg)
    for _ in range(args.train_steps):
        tr.step()
    device = tr.device
    pb = LossProblem.from_trainer(tr, subset=args.subset, splits=("train",))
    dirs = random_directions(pb, 2, "filter", seed=0)
    grid = args.grid
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"device {device}, {os.cpu_count()} cores, load average {load:.1f}; default model "
          f"({pb.space.numel} parameters), {grid}×{grid} grid, {len(pb.split('train')[0])} "
          f"evaluation examples, step {tr.step_count}")
    threads = sorted({int(t) for t in args.threads.split(",") if t.strip()})
    for n in threads:
        torch.set_num_threads(n)      # after the Trainer: it sets its own policy
        print(f"torch threads {n}:")
        report(compare(pb, dirs, grid, args.rounds, args.ref_size, n), grid, args.ref_size,
               device, n)
    if args.live_seconds > 0:
        for n in threads:
            lv = live(cfg, grid, args.subset, args.live_seconds, n)
            print(f"live, landscape job with {n} worker(s), trainer in its own thread: refresh "
                  f"{lv['refresh_hz']:.1f} Hz (median frame {lv['frame_s'] * 1e3:.0f} ms) while "
                  f"training {lv['steps_per_s_with_refresh']:.0f} steps/s (alone: "
                  f"{lv['steps_per_s_alone']:.0f} steps/s)")


if __name__ == "__main__":
    main()
