"""`probe`: measure a network at initialization and print the per-layer numbers."""

from __future__ import annotations

import json
import math

import numpy as np

from core.cli.common import add_experiment_args, experiment_from_args, json_ready


def register(sub) -> None:
    p = sub.add_parser("probe", help="measure gradients and activations at initialization",
                       description="Build the network, run one forward and backward pass on the "
                       "training set without updating, and print per-layer measurements.")
    add_experiment_args(p)
    p.add_argument("--json", action="store_true",
                   help="print JSON (default: a table); Inf and NaN, which JSON cannot hold, are "
                   "null, and `infinite` lists the fields that had an Inf")
    p.set_defaults(func=run)


PER_LAYER = ("grad_h", "grad_w", "act_mean", "act_std", "saturated", "dead", "fprime_mean",
             "pre_pct", "act_pct", "meanfield_grad_h", "grad_t", "gate_t")


def _measure(cfg) -> dict:
    """The probe measurements with numbers as measured: floats, NaN and ±Inf included."""
    from core.training.trainer import Trainer

    tr = Trainer(cfg)
    rec = tr.probe()
    out = {"layers": tr.layer_names, "loss": rec.loss, "device": str(tr.device)}
    for key in PER_LAYER:
        v = getattr(rec, key)
        out[key] = np.asarray(v, dtype=float).tolist() if v is not None else None
    if tr.device_note:
        out["note"] = tr.device_note
    if rec.divergence is not None:
        out["divergence"] = rec.to_json()["divergence"]
    if tr.recurrent:
        from core.analysis.recurrent import spectrum

        out.update(spectrum(tr.model))
    return out


def _has_inf(v) -> bool:
    if isinstance(v, list):
        return any(_has_inf(x) for x in v)
    return isinstance(v, float) and math.isinf(v)



def probe_report(cfg) -> dict:
    """The probe measurements as a JSON-ready dict; `infinite` names the fields that had an Inf
    (null in the dict, like NaN)."""
    raw = _measure(cfg)
    infinite = sorted(k for k in ("loss", *PER_LAYER) if _has_inf(raw[k]))
    out = json_ready(raw)
    if infinite:
        out["infinite"] = infinite
    return out


def _cell(v, w: int, fmt: str) -> str:
    """One table cell: '—' for a missing or NaN value, 'inf' for an overflow."""
    if not isinstance(v, (int, float)) or math.isnan(v):
        return f"{'—':>{w}}"
    if math.isinf(v):
        return f"{'inf' if v > 0 else '-inf':>{w}}"
    return f"{v:>{w}{fmt}}"


def _std_cell(v, w: int = 10) -> str:
    """act std: three decimals while they fit (below 10⁵), e-notation beyond, so an exploding
    net's 1e30 stays one column wide."""
    if isinstance(v, (int, float)) and math.isfinite(v) and abs(v) >= 1e5:
        return _cell(v, w, ".3e")
    return _cell(v, w, ".3f")


def run(args) -> int:
    cfg = experiment_from_args(args)
    if args.json:
        print(json.dumps(probe_report(cfg), allow_nan=False))
        return 0
    rep = _measure(cfg)
    if "note" in rep:
        print(rep["note"])
    print(f"{'layer':>8} {'‖∂L/∂h‖':>12} {'mean-field':>12} {'‖∂L/∂W‖':>12} {'act std':>10} "
          f"{'sat %':>7} {'dead %':>7}")
    n = len(rep["layers"])

    def col(key, i):                     # a diverged probe has no per-layer arrays
        return (rep[key] or [None] * n)[i]

    for i, name in enumerate(rep["layers"]):
        sat, dead = col("saturated", i), col("dead", i)
        print(f"{name:>8} {_cell(col('grad_h', i), 12, '.3e')} "
              f"{_cell(col('meanfield_grad_h', i), 12, '.3e')} "
              f"{_cell(col('grad_w', i), 12, '.3e')} {_std_cell(col('act_std', i))} "
              f"{_cell(sat and sat * 100, 7, '.1f')} {_cell(dead and dead * 100, 7, '.1f')}")
    if "spectral_radius" in rep:
        print(f"spectral radius of W_hh: {rep['spectral_radius']:.6f}")
    if "divergence" in rep:
        print("diverged:", rep["divergence"]["message"])
    return 0
