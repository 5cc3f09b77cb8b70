"""Where the instrumented step's extra time goes, measured inside the step.

Five loops on the same model and batch (as in bench_step_overhead): the plain torch loop, two
bare lower bounds written inline (the plain loop plus only ‖∂L/∂h_l‖ and the global gradient
norm: the layers' gradients retained, one norm call, one read; then plus the two stacks of
sampled φ inputs and outputs and their statistics by the probe's own `row_stats`), the trainer with probes off
(`train.probe_every` above the step count: loss, accuracy, global gradient norm and the record),
and the trainer probing every step. For the last, the probe's
parts are timed where they run by wrapping them with a clock (a few µs of wrapper overhead per
part, so the parts add up to a little more than the difference they explain). Indented parts are
inside the one above them.

    python -m benchmarks.step_breakdown [--depth 10] [--width 64] [--steps 3000]
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections import Counter

import torch
import torch.nn.functional as F

from benchmarks.bench_step_overhead import build, plain_steps, probed_steps
from core.models.capture import Capture
from core.training import meanfield_probe, probes, row_stats, trainer, update_meter

# (label, owner, attribute): owner.attribute is replaced by a timed wrapper while measuring.
PARTS = [
    ("per-layer statistics (layer_stats)", probes, "layer_stats"),
    ("  sampled rows (two stacks)", probes, "_rows"),
    ("  transfer (fetch)", probes, "fetch"),
    ("  numpy statistics (row_stats)", probes, "row_stats"),
    ("    percentile sort", row_stats, "percentiles"),
    ("update ratio after the step", update_meter.UpdateMeter, "ratios"),
    ("update ratio before the step", update_meter.UpdateMeter, "before_step"),
    ("mean-field prediction", meanfield_probe.MeanFieldCache, "__call__"),
    ("grad_w picked from the norms", trainer.Trainer, "_weight_norms"),
    ("correct predictions (tensor)", trainer.Trainer, "_correct"),
]


def floor_steps(tr, x, y, n: int, with_stats: bool) -> float:
    """Seconds per step of the plain loop plus the least a per-layer probe must do (see the
    module docstring): what no implementation of these fields in eager torch can skip."""
    model, opt = tr.model, tr.optimizer
    params = list(model.parameters())
    rows = probes.stat_examples(model.linears[0].out_features)  # as the probe samples
    t = time.perf_counter()
    for _ in range(n):
        cap = Capture()
        loss = F.cross_entropy(model(x, cap), y)
        opt.zero_grad(set_to_none=True)
        loss.item()
        loss.backward()
        norms = torch.stack(torch._foreach_norm([p.grad for p in params] +
                                                [o.grad for o in cap.outputs]))
        torch.linalg.vector_norm(norms[:len(params)]).item()
        norms.numpy()
        if with_stats:
            with torch.no_grad():
                P, A = (torch.stack([v[:rows] for v in ts]).reshape(len(ts), -1).numpy()
                        for ts in (cap.pre, cap.act))
            row_stats.row_stats(P, A, tr.config.model.activation)
        opt.step()
    return (time.perf_counter() - t) / n


@contextlib.contextmanager
def timed_parts(spent: Counter):
    saved = [(owner, name, getattr(owner, name)) for _, owner, name in PARTS]
    try:
        for (label, owner, name), (_, _, fn) in zip(PARTS, saved, strict=True):
            def wrapper(*a, _fn=fn, _label=label, **k):
                t = time.perf_counter()
                try:
                    return _fn(*a, **k)
                finally:
                    spent[_label] += time.perf_counter() - t
            setattr(owner, name, wrapper)
        yield
    finally:
        for owner, name, fn in saved:
            setattr(owner, name, fn)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--depth", type=int, default=10)
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    tr = build(args.depth, args.width)
    x, y = tr.x_train[:128], tr.y_train[:128]
    tr._next_batch = lambda: (x, y)
    probed_cfg = tr.config
    unprobed_cfg = probed_cfg.with_value("train.probe_every", 100_000)
    n = max(1, args.steps // args.rounds)
    times = {"plain": [], "floor": [], "floor_stats": [], "unprobed": [], "probed": []}
    for _ in range(args.rounds):
        times["plain"].append(plain_steps(tr, x, y, n)[0])
        times["floor"].append(floor_steps(tr, x, y, n, with_stats=False))
        times["floor_stats"].append(floor_steps(tr, x, y, n, with_stats=True))
        tr.config = unprobed_cfg
        times["unprobed"].append(probed_steps(tr, n)[0])
        tr.config = probed_cfg
        times["probed"].append(probed_steps(tr, n)[0])
    best = {k: min(v) * 1e6 for k, v in times.items()}
    spent: Counter = Counter()
    probed_steps(tr, 50)
    with timed_parts(spent):
        probed_steps(tr, args.steps)
    print(f"depth {args.depth} × width {args.width}, batch 128, one thread; µs per step "
          "(loops: fastest of the rounds; parts: mean over the timed steps)")
    print(f"  {'plain torch loop':<40} {best['plain']:8.0f}")
    for key, label in (("floor", "bare: + grad_h and global norm"),
                       ("floor_stats", "bare: + sampled rows and row_stats")):
        print(f"  {label:<40} {best[key]:8.0f}  (ratio {best[key] / best['plain']:.2f})")
    print(f"  {'trainer, probes off':<40} {best['unprobed']:8.0f}  "
          f"(+{best['unprobed'] - best['plain']:.0f}: loss, accuracy, gradient norm, record)")
    print(f"  {'trainer, probes on':<40} {best['probed']:8.0f}  "
          f"(+{best['probed'] - best['unprobed']:.0f} over probes off; "
          f"ratio {best['probed'] / best['plain']:.2f})")
    for label, *_ in PARTS:
        print(f"    {label:<38} {spent[label] / args.steps * 1e6:8.1f}")
    return {"best_us": best, "parts_us": {k: v / args.steps * 1e6 for k, v in spent.items()}}


if __name__ == "__main__":
    main()
