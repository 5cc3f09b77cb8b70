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


def reference_rate(device: torch.device, n: int) -> tuple[float, float]:
    """FLOP/s of one n × n fp32 matmul by wall clock and by CPU time (the best of a few)."""
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    a @ b
    sync(device)
    wall, cpu = float("inf"), float("inf")
    for _ in range(3):
        t, c = time.perf_counter(), time.process_time()
        a @ b
        sync(device)
        wall, cpu = min(wall, time.perf_counter() - t), min(cpu, time.process_time() - c)
    return 2 * n**3 / wall, 2 * n**3 / cpu


def time_job(problem, dirs, grid, path, workers=1) -> tuple[float, float, LandscapeJob]:
    """Wall-clock and CPU seconds (all threads of the process) of one grid."""
    job = LandscapeJob(problem, dirs, grid=grid, span=1.0, path=path, splits=("train",),
                       workers=workers)
    sync(problem.device)
    t, c = time.perf_counter(), time.process_time()
    for _ in job.run():
        pass
    sync(problem.device)
    return time.perf_counter() - t, time.process_time() - c, job


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
    torch threads for comparison. Wall-clock and CPU time are kept apart: on a machine shared
    with other programs the wall clock of small operations suffers most, while CPU seconds
    (including threads that spin) measure the work done."""
    device = pb.device
    runs = {"naive": ("naive", 1), "vmap": ("vmap", 1), "fast": ("fast", n)}
    if n > 1:
        runs["fast, omp"] = ("fast", 1)
    wall = {k: float("inf") for k in runs}
    cpu = dict(wall)
    ref_wall = ref_cpu = 0.0
    fast_times, jobs = [], {}
    time_job(pb, dirs, 5, "fast")                   # warm-up
    for r in range(rounds):
        rw, rc = reference_rate(device, ref_size)
        ref_wall, ref_cpu = max(ref_wall, rw), max(ref_cpu, rc)
        for name, (path, workers) in runs.items():
            if r >= 3 and name in ("naive", "vmap"):
                continue
            dt, dc, jobs[name] = time_job(pb, dirs, grid, path, workers)
            wall[name], cpu[name] = min(wall[name], dt), min(cpu[name], dc)
            if name == "fast":
                fast_times.append(dt)
    return {"wall": wall, "cpu": cpu, "ref_wall": ref_wall, "ref_cpu": ref_cpu, "jobs": jobs,
            "fast_median": statistics.median(fast_times)}


def report(c: dict, grid: int, ref_size: int, device: torch.device, n: int) -> None:
    wall, cpu, jobs = c["wall"], c["cpu"], c["jobs"]
    flops = jobs["fast"].result.flops
    cen = jobs["fast"].result.centre_loss["train"]
    labels = {"naive": f"naive ({n} torch thr.)", "vmap": f"vmap ({n} torch thr.)",
              "fast": f"fast ({n} worker{'s' if n > 1 else ''})",
              "fast, omp": f"fast (1 worker, {n} torch thr.)"}
    print(f"  {'':>30}  {'wall':>8} {'GFLOP/s':>8} {'of ref.':>8} {'vs naive':>8}   "
          f"{'CPU s':>7} {'GFLOP/cpu-s':>11} {'of ref.':>8}")
    for name in jobs:
        res = jobs[name].result
        assert abs(res.losses["train"][grid // 2, grid // 2] - cen) <= 1e-6 * abs(cen)
        gw, gc = flops / wall[name], flops / cpu[name]
        print(f"  {labels[name]:>30}  {wall[name] * 1e3:6.1f}ms {gw / 1e9:8.1f} "
              f"{gw / c['ref_wall']:8.1%} {wall['naive'] / wall[name]:7.1f}×   "
              f"{cpu[name]:7.3f} {gc / 1e9:11.1f} {gc / c['ref_cpu']:8.1%}")
    print(f"  reference {ref_size}² fp32 matmul ({n} torch thr.): {c['ref_wall'] / 1e9:.1f} "
          f"GFLOP/s wall, {c['ref_cpu'] / 1e9:.1f} GFLOP per CPU-second; grid "
          f"{flops / 1e9:.2f} GFLOP; fast median wall {c['fast_median'] * 1e3:.1f} ms")
    frac = flops / wall["fast"] / c["ref_wall"]
    frac_cpu = flops / cpu["fast"] / c["ref_cpu"]
    print(f"  targets: ≥50% of reference: wall {frac:.0%}, CPU time {frac_cpu:.0%} "
          f"({'met' if max(frac, frac_cpu) >= 0.5 else 'NOT met'}); ≤1 s per grid: "
          f"{'met' if wall['fast'] <= 1 else 'NOT met'} ({wall['fast']:.3f} s)"
          + (f"; ≥10× over naive: {'met' if wall['naive'] / wall['fast'] >= 10 else 'NOT met'}"
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
