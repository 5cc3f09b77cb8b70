"""How close the window's "at least N s per training step" is to the measured step time.

core/training/cost.py counts a step's matrix-product FLOP from the weight shapes and divides by
the measured FLOP/s of one mid-sized matrix product: a lower bound (element-wise work, the
probes and Python's per-operation overhead come on top). For a few networks, from a small one
(overhead-bound: the bound says little, and no note is shown) to ones the note is for, this
prints the bound, the measured probed step (`Trainer.step()`, median of a few) and their ratio
(measured / bound, ≥ 1 when the bound holds). CPU time of the process is printed beside the
wall time: steadier when other programs compete for the cores.

    python -m benchmarks.bench_step_cost [--threads N] [--steps 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from core.presets import config_from_partial
from core.training.cost import matmul_rate, step_cost
from core.training.trainer import Trainer

SEQ = {"n_train": 256, "n_test": 64}
NETS = [
    ("MLP 10 × 64, batch 128", {"model": {"depth": 10, "width": 64}, "optim": {"batch_size": 128}}),
    ("MLP 50 × 256, batch 128", {"model": {"depth": 50, "width": 256},
                                 "optim": {"batch_size": 128}}),
    ("MLP 20 × 1024, batch 128", {"model": {"depth": 20, "width": 1024},
                                  "optim": {"batch_size": 128}}),
    ("LSTM 512, T = 100, batch 64", {"model": {"kind": "lstm", "width": 512},
                                     "data": {"name": "adding", "seq_len": 100, **SEQ}}),
    ("RNN 64, T = 200, batch 64", {"model": {"kind": "rnn", "width": 64},
                                   "data": {"name": "adding", "seq_len": 200, **SEQ}}),
]


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=0,
                    help="torch threads (default: the trainer's own choice, as in the app)")
    ap.add_argument("--steps", type=int, default=3)
    args = ap.parse_args(argv)
    print(f"{'network':<30} {'threads':>7} {'GFLOP/s':>8} {'bound':>10} {'measured':>10} "
          f"{'CPU':>10} {'ratio':>6}")
    rows = []
    for label, part in NETS:
        tr = Trainer(config_from_partial({**part, "device": "cpu",
                                          "train": {"eval_every": 100_000}}))
        if args.threads:                 # else the trainer's own choice (core.device), as the app
            torch.set_num_threads(args.threads)
        threads = torch.get_num_threads()
        rate = matmul_rate("cpu", threads)
        tr.step()                                   # warm-up: allocator, first-call costs
        wall, cpu = [], []
        for _ in range(args.steps):
            t, c = time.perf_counter(), time.process_time()
            tr.step()
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        bound = step_cost(tr).train / rate
        w, c = statistics.median(wall), statistics.median(cpu)
        rows.append({"net": label, "threads": threads, "bound_s": bound, "wall_s": w,
                     "cpu_s": c})
        print(f"{label:<30} {threads:7d} {rate / 1e9:8.0f} {bound * 1e3:8.1f}ms "
              f"{w * 1e3:8.1f}ms {c * 1e3:8.1f}ms {w / bound:6.1f}")
    return rows


if __name__ == "__main__":
    main()
