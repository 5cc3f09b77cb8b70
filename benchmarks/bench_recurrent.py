"""Cost of GradLab's probed recurrent training step against plain torch loops.

Three loops train the same network (same weights, batch, loss and optimizer) on the adding task:
- probed: `Trainer.step()` with every probe on every step (grad_t for every t, gate_t, activation
  statistics and percentiles, update ratio), evaluation switched off;
- ours: our unrolled RecurrentNet without capture: forward, loss, backward, optimizer.step;
- torch: torch.nn.RNN / LSTM / GRU (its fused C++ time loop) with the same state_dict.
Blocks of the loops alternate so that a busy machine slows them alike; the ratios of medians are
reported, for wall time and for the process's CPU time (steadier when other programs compete
for the cores). One torch thread by default (see bench_step_overhead.py for why).

A second table times the analysis calls a live recurrent panel makes on the same model.

    python -m benchmarks.bench_recurrent [--steps 10] [--rounds 5] [--threads 1] [--width 32]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

from core.analysis.recurrent import gate_activity, gate_percentiles, spectrum
from core.analysis.recurrent_jacobian import step_jacobian_norms
from core.presets import config_from_partial
from core.training.trainer import Trainer

KINDS = ("rnn", "lstm", "gru")
LENGTHS = (50, 200)
BATCH = 64


def build(kind: str, seq_len: int, width: int) -> Trainer:
    cfg = config_from_partial({
        "device": "cpu",
        "data": {"name": "adding", "seq_len": seq_len, "n_train": 256, "n_test": 64},
        "model": {"kind": kind, "width": width, "activation": "tanh"},
        "init": {"scheme": "orthogonal", "spectral_radius": 1.0, "forget_bias": 1.0},
        "optim": {"name": "adam", "lr": 1e-3, "batch_size": BATCH},
        "train": {"eval_every": 100_000, "probe_every": 1}})
    return Trainer(cfg)


class TorchNet(nn.Module):
    """torch's own recurrent layer + the same linear read-out, loaded from our state_dict."""

    def __init__(self, tr: Trainer):
        super().__init__()
        m = tr.model
        c = m.cell
        cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[m.kind]
        extra = {"nonlinearity": m.activation} if m.kind == "rnn" else {}
        self.rnn = cls(c.weight_ih.shape[1], c.hidden, batch_first=True, **extra)
        self.out = nn.Linear(c.hidden, m.out.out_features)
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(self.rnn, f"{name}_l0").copy_(getattr(c, name))
            self.out.load_state_dict(m.out.state_dict())

    def forward(self, x):
        h, _ = self.rnn(x)
        return self.out(h[:, -1])


def timed(fn, n: int) -> tuple[float, float]:
    t, c = time.perf_counter(), time.process_time()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n, (time.process_time() - c) / n


def plain_step(model, opt, x, y):
    def step():
        loss = F.mse_loss(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss.item()  # the probed step reads the loss too
    return step


def run_case(kind: str, seq_len: int, width: int, steps: int, rounds: int, threads: int) -> dict:
    tr = build(kind, seq_len, width)
    x, y = tr.x_train[:BATCH], tr.y_train[:BATCH]
    tr._next_batch = lambda: (x, y)          # the probed trainer sees the same fixed batch
    ours = build(kind, seq_len, width)
    torch.set_num_threads(threads)           # after the Trainers: each sets its own policy
    ours_step = plain_step(ours.model, ours.optimizer, x, y)
    ref = TorchNet(ours)
    with torch.no_grad():                     # same function: check before timing anything
        assert torch.allclose(ref(x), ours.model(x), atol=1e-5), "torch reference differs"
    ref_step = plain_step(ref, torch.optim.Adam(ref.parameters(), lr=1e-3), x, y)
    loops = {"probed": tr.step, "ours": ours_step, "torch": ref_step}
    for fn in loops.values():
        timed(fn, 2)                          # warm-up
    times = {k: [] for k in loops}
    for _ in range(rounds):
        for k, fn in loops.items():
            times[k].append(timed(fn, steps))
    wall = {k: statistics.median(t for t, _ in v) for k, v in times.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in times.items()}
    return {"kind": kind, "T": seq_len, **{f"{k}_ms": v * 1e3 for k, v in wall.items()},
            "probed/ours": wall["probed"] / wall["ours"],
            "probed/torch": wall["probed"] / wall["torch"],
            "cpu probed/ours": cpu["probed"] / cpu["ours"],
            "cpu probed/torch": cpu["probed"] / cpu["torch"], "model": tr.model, "x": x}


def analysis_costs(row: dict, repeat: int = 3) -> dict:
    m, x = row["model"], row["x"]
    calls = {"jacobian rms (16 ex.)": lambda: step_jacobian_norms(m, x),
             "jacobian spectral (16 ex.)": lambda: step_jacobian_norms(m, x, "spectral"),
             "gate heatmap (64 ex.)": lambda: gate_activity(m, x),
             "gate percentiles (64 ex.)": lambda: gate_percentiles(m, x),
             "spectrum of W_hh": lambda: spectrum(m)}
    out = {}
    for name, fn in calls.items():
        fn()
        out[name] = min(timed(fn, 1)[0] for _ in range(repeat)) * 1e3
    return out


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--lengths", default=",".join(map(str, LENGTHS)))
    args = ap.parse_args(argv)
    rows = []
    for kind in args.kinds.split(","):
        for seq_len in map(int, args.lengths.split(",")):
            r = run_case(kind, seq_len, args.width, args.steps, args.rounds, args.threads)
            r["analysis"] = analysis_costs(r)
            rows.append(r)
    print(f"batch {BATCH}, width {args.width}, {torch.get_num_threads()} thread(s); "
          f"median of {args.rounds} blocks of {args.steps} steps")
    print(f"{'net':>5} {'T':>4} {'probed ms':>10} {'ours ms':>8} {'torch ms':>9} "
          f"{'probed/ours':>11} {'probed/torch':>12} {'cpu p/o':>8} {'cpu p/t':>8}")
    for r in rows:
        print(f"{r['kind']:>5} {r['T']:>4} {r['probed_ms']:>10.1f} {r['ours_ms']:>8.1f} "
              f"{r['torch_ms']:>9.1f} {r['probed/ours']:>11.2f} {r['probed/torch']:>12.2f} "
              f"{r['cpu probed/ours']:>8.2f} {r['cpu probed/torch']:>8.2f}")
    names = list(rows[0]["analysis"])
    print("\nanalysis calls on the same model and batch (ms, best of 3)")
    print(f"{'net':>5} {'T':>4} " + " ".join(f"{n:>26}" for n in names))
    for r in rows:
        print(f"{r['kind']:>5} {r['T']:>4} "
              + " ".join(f"{r['analysis'][n]:>26.1f}" for n in names))
    for r in rows:
        r.pop("model"), r.pop("x")
    return rows


if __name__ == "__main__":
    main()
