"""Cost of GradLab's instrumented training step against a plain torch loop.

Both loops train the same model (our MLP, built from the same config) on the same batch with the
same optimizer; the plain loop is forward, loss, backward, optimizer.step and nothing else. The
instrumented step adds every probe (grad_h, grad_w, update ratio, activation statistics and
percentiles, mean-field prediction) on every step. Blocks of the two alternate so that a busy
machine slows both alike. The ratio of the fastest rounds is reported (as timeit does: other
programs only ever add time), beside the ratio of medians of the process's CPU time. Both run
on one torch thread by default, so that OpenMP's spinning threads on a busy 2-core machine do
not decide the result. A round of the small net is 50 steps, the mean-field refresh period, so
that every round pays its share of that refresh (fastest rounds would otherwise skip it).

    python -m benchmarks.bench_step_overhead [--steps N] [--rounds 15] [--threads 1]
        [--probe-every K]

`--probe-every K` measures `train.probe_every = K` (every probe on every K-th step, the global
norm, loss and accuracy on all): what a lecture that needs no per-step profile gains.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from core.presets import config_from_partial
from core.training.meanfield_probe import MeanFieldCache
from core.training.trainer import Trainer

# (depth, width, steps per round)
CASES = [(10, 64, MeanFieldCache.REFRESH), (50, 256, 10)]


def build(depth: int, width: int, probe_every: int = 1) -> Trainer:
    cfg = config_from_partial({
        "data": {"name": "spirals", "n_train": 1024},
        "model": {"depth": depth, "width": width, "activation": "tanh"},
        "init": {"scheme": "xavier_normal"},
        "optim": {"name": "momentum", "lr": 0.01, "batch_size": 128},
        "train": {"eval_every": 100_000, "probe_every": probe_every}})
    return Trainer(cfg)


def plain_steps(tr: Trainer, x, y, n: int) -> tuple[float, float]:
    model, opt = tr.model, tr.optimizer
    t, c = time.perf_counter(), time.process_time()
    for _ in range(n):
        out = model(x)
        loss = F.cross_entropy(out, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss.item()  # the instrumented step reads the loss too
    return (time.perf_counter() - t) / n, (time.process_time() - c) / n


def probed_steps(tr: Trainer, n: int) -> tuple[float, float]:
    t, c = time.perf_counter(), time.process_time()
    for _ in range(n):
        tr.step()
    return (time.perf_counter() - t) / n, (time.process_time() - c) / n


def run_case(depth: int, width: int, steps: int, rounds: int, threads: int,
             probe_every: int = 1) -> dict:
    tr = build(depth, width, probe_every)
    torch.set_num_threads(threads)
    x, y = tr.x_train[:128], tr.y_train[:128]
    # Make the instrumented trainer see a fixed batch of the same size.
    tr._next_batch = lambda: (x, y)
    plain_steps(tr, x, y, 3)
    probed_steps(tr, 3)
    plain, probed = [], []
    for _ in range(rounds):
        plain.append(plain_steps(tr, x, y, steps))
        probed.append(probed_steps(tr, steps))
    p, q = (min(t for t, _ in xs) for xs in (plain, probed))
    pc, qc = (statistics.median(c for _, c in xs) for xs in (plain, probed))
    return {"depth": depth, "width": width, "plain_ms": p * 1e3, "probed_ms": q * 1e3,
            "ratio": q / p, "cpu_ratio": qc / pc, "threads": torch.get_num_threads()}


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=None, help="steps per round (default: per model)")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--probe-every", type=int, default=1, help="train.probe_every (default 1)")
    args = ap.parse_args(argv)
    rows = [run_case(d, w, args.steps or n, args.rounds, args.threads, args.probe_every)
            for d, w, n in CASES]
    if args.probe_every != 1:
        print(f"probes every {args.probe_every} steps")
    print(f"{'model':>12} {'threads':>7} {'plain ms':>9} {'probed ms':>10} {'ratio':>6} "
          f"{'cpu ratio':>9}   (ms and ratio: fastest rounds; cpu ratio: medians)")
    for r in rows:
        print(f"{r['depth']:>4} × {r['width']:<5} {r['threads']:>7} {r['plain_ms']:>9.2f} "
              f"{r['probed_ms']:>10.2f} {r['ratio']:>6.2f} {r['cpu_ratio']:>9.2f}")
    return rows


if __name__ == "__main__":
    main()
