"""`shatter`: the input gradient ∂y/∂x along a line of inputs and its neighbour correlation r₁
(Balduzzi et al. 2017), for one network or across depths."""

from __future__ import annotations

import json
import math
import sys

from core.cli.common import Progress, add_experiment_args, json_ready
from core.errors import ConfigError


def register(sub) -> None:
    p = sub.add_parser(
        "shatter", help="shattered gradients: ∂y/∂x along a line of inputs",
        description="Build the experiment (or load SESSION), train --steps steps (default 0: "
        "at initialization), and measure the derivative of the output along a line of inputs "
        "through the data, with the correlation r₁ of neighbouring values (near 1 smooth, near "
        "0 shattered: white noise). --depths compares fresh networks of several depths.")
    add_experiment_args(p, session=True)
    p.add_argument("--steps", type=int, default=0, help="train this many steps first (default 0)")
    p.add_argument("--points", type=int, default=256, help="inputs along the line (default 256)")
    p.add_argument("--depths", default=None, metavar="D1,D2,…",
                   help="measure fresh networks of these depths instead (r₁ averaged over "
                   "--seeds initializations)")
    p.add_argument("--seeds", type=int, default=1, help="initializations per depth (default 1)")
    p.add_argument("--json", action="store_true", help="print JSON (default: a summary)")
    p.set_defaults(func=run)


def _depths(text: str) -> list[int]:
    try:
        depths = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise ConfigError(f"--depths: {text!r} should be whole numbers separated by commas, "
                          "e.g. 2,10,50") from None
    if not depths or not all(1 <= d <= 100 for d in depths):
        raise ConfigError(f"--depths: {text!r}: each depth must be 1 to 100")
    return depths


def _verdict(r1: float) -> str:
    """r₁ in a word or two ("not finite" for an overflowed gradient, whose r₁ is NaN)."""
    if not math.isfinite(r1):
        return "not finite: the gradient overflowed"
    from core.analysis.shattered import SHATTERED, SMOOTH

    return "smooth" if r1 > SMOOTH else "shattered" if r1 < SHATTERED else "partly shattered"



def run(args) -> int:
    import numpy as np

    from core.analysis.shattered import MAX_LAG, shattering
    from core.cli.landscape_cmd import _source
    from core.training.trainer import Trainer

    if not 8 <= args.points <= 100_000:
        raise ConfigError(f"--points: {args.points} is out of range; allowed 8 to 100000")
    if not 1 <= args.seeds <= 100:
        raise ConfigError(f"--seeds: {args.seeds} is out of range; allowed 1 to 100")
    if not 0 <= args.steps <= 10_000_000:
        raise ConfigError(f"--steps: {args.steps} is out of range; allowed 0 to 10000000")
    lag = min(MAX_LAG, args.points - 1)
    tr, steps, label = _source(args)
    if tr.dataset.is_sequence:
        raise ConfigError("shatter needs inputs that are points (a 2-D or 1-D dataset), not "
                          "sequences")
    if args.depths:
        if args.session:
            raise ConfigError("--depths builds fresh networks; give --preset or --config")
        rows = []
        for depth in _depths(args.depths):
            r1 = []
            for k in range(args.seeds):
                cfg = tr.config.with_values({"model.depth": depth, "seed": tr.config.seed + k})
                r1.append(shattering(Trainer(cfg), args.points, lag).r1)
            rows.append({"depth": depth, "r1": float(np.mean(r1)), "r1_each": r1})
        if args.json:
            print(json.dumps(json_ready({"source": label, "points": args.points,
                                          "depths": rows}), allow_nan=False))
        else:
            print(f"{label}, at initialization, {args.points} inputs along the line; r₁ = "
                  "correlation of ∂y/∂x at neighbouring inputs (1 smooth, 0 white noise)")
            for r in rows:
                why = "" if math.isfinite(r["r1"]) else f" ({_verdict(r['r1'])})"
                print(f"  depth {r['depth']:>3}: r₁ = {r['r1']:.3f}{why}")
        return 0
    if steps:
        bar = Progress(steps, "training")
        for i, rec in enumerate(tr.steps(steps), 1):
            bar.update(i, f"loss {rec.loss:.4g}")
        if tr.diverged is not None:
            raise ConfigError(f"the run diverged before the measurement: {tr.diverged.summary()}")
    s = shattering(tr, args.points, lag)
    if tr.device_note:
        print(tr.device_note, file=sys.stderr)
    if args.json:
        print(json.dumps(json_ready({
            "source": label, "step": tr.step_count, "output": s.output,
            "origin": s.origin.tolist(), "direction": s.direction.tolist(), "t": s.t.tolist(),
            "grad": s.grad.tolist(), "acf": s.acf.tolist(), "r1": s.r1}), allow_nan=False))
        return 0
    verdict = _verdict(s.r1)
    print(f"{label}, step {tr.step_count}: ∂({s.output})/∂x₁ along x₁ from {s.t[0]:.3g} to "
          f"{s.t[-1]:.3g} ({args.points} inputs)")
    print(f"r₁ = {s.r1:.3f} ({verdict}); ACF at lags 2, 4, 8: "
          + ", ".join(f"{s.acf[k]:.3f}" for k in (2, 4, 8) if k < len(s.acf)))
    return 0
