"""`probe`: measure a network at initialization and print the per-layer numbers."""

from __future__ import annotations

import json

from core.cli.common import add_experiment_args, experiment_from_args


def register(sub) -> None:
    p = sub.add_parser("probe", help="measure gradients and activations at initialization",
                       description="Build the network, run one forward and backward pass on the "
                       "training set without updating, and print per-layer measurements.")
    add_experiment_args(p)
    p.add_argument("--json", action="store_true", help="print JSON (default: a table)")
    p.set_defaults(func=run)


def probe_report(cfg) -> dict:
    """The probe measurements as a JSON-ready dict."""
    from core.training.trainer import Trainer

    tr = Trainer(cfg)
    rec = tr.probe()
    d = rec.to_json()
    out = {"layers": tr.layer_names, "loss": d["loss"], "device": str(tr.device)}
    for key in ("grad_h", "grad_w", "act_mean", "act_std", "saturated", "dead", "fprime_mean",
                "pre_pct", "act_pct", "meanfield_grad_h", "grad_t", "gate_t"):
        out[key] = d[key]
    if tr.device_note:
        out["note"] = tr.device_note
    if rec.divergence is not None:
        out["divergence"] = d["divergence"]
    if tr.recurrent:
        from core.analysis.recurrent import spectrum

        out.update(spectrum(tr.model))
    return out


def run(args) -> int:
    cfg = experiment_from_args(args)
    rep = probe_report(cfg)
    if args.json:
        print(json.dumps(rep))
        return 0
    if "note" in rep:
        print(rep["note"])
    print(f"{'layer':>8} {'‖∂L/∂h‖':>12} {'mean-field':>12} {'‖∂L/∂W‖':>12} {'act std':>9} "
          f"{'sat %':>7} {'dead %':>7}")
    mf = rep["meanfield_grad_h"] or [None] * len(rep["layers"])
    for i, name in enumerate(rep["layers"]):
        def f(v, w=12, fmt=".3e"):
            return f"{v:>{w}{fmt}}" if isinstance(v, (int, float)) else f"{'—':>{w}}"
        sat, dead = ((rep[k] or [None] * len(rep["layers"]))[i] for k in ("saturated", "dead"))
        def col(key, i=i):              # a diverged probe has no per-layer arrays
            return (rep[key] or [None] * len(rep["layers"]))[i]
        print(f"{name:>8} {f(col('grad_h'))} {f(mf[i])} {f(col('grad_w'))} "
              f"{f(col('act_std'), 9, '.3f')} {f(sat and sat * 100, 7, '.1f')} "
              f"{f(dead and dead * 100, 7, '.1f')}")
    if "spectral_radius" in rep:
        print(f"spectral radius of W_hh: {rep['spectral_radius']:.6f}")
    if "divergence" in rep:
        print("diverged:", rep["divergence"]["message"])
    return 0
