"""`hessian`: curvature at the weights: top-k eigenvalues, λₘᵢₙ, trace, and what they mean."""

from __future__ import annotations

import json

from core.cli.common import add_experiment_args
from core.cli.landscape_cmd import add_training_args, prepare
from core.errors import ConfigError


def register(sub) -> None:
    p = sub.add_parser(
        "hessian", help="Hessian eigenvalues and trace at the weights",
        description="Build the experiment (or load SESSION), train --steps steps, then compute "
        "the top-k Hessian eigenvalues and λₘᵢₙ (Lanczos on Hessian-vector products), the "
        "Hutchinson trace and the stability/saddle/plateau status, in eval mode on a fixed "
        "evaluation subset of the training set.")
    add_experiment_args(p, session=True)
    add_training_args(p)
    p.add_argument("--top-k", type=int, default=3, help="largest eigenvalues to report (default 3)")
    p.add_argument("--lanczos-steps", type=int, default=None,
                   help="Lanczos iterations (default: min(parameters, 80), stops early when "
                   "converged)")
    p.add_argument("--samples", type=int, default=32,
                   help="Hutchinson samples for the trace (default 32; 0 skips the trace)")
    p.add_argument("--density", action="store_true",
                   help="also estimate the eigenvalue density (stochastic Lanczos quadrature)")
    p.add_argument("--json", action="store_true", help="print JSON (default: a summary)")
    p.set_defaults(func=run)


def run(args) -> int:
    from core.analysis.curvature import curvature_report
    from core.analysis.landscape_problem import LossProblem

    if not 1 <= args.top_k <= 100:
        raise ConfigError(f"--top-k: {args.top_k} is out of range; allowed 1 to 100")
    if args.lanczos_steps is not None and not 2 <= args.lanczos_steps <= 1000:
        raise ConfigError(f"--lanczos-steps: {args.lanczos_steps} is out of range; allowed 2 to 1000")
    if not 0 <= args.samples <= 10_000:
        raise ConfigError(f"--samples: {args.samples} is out of range; allowed 0 to 10000")
    tr, _, label = prepare(args)
    problem = LossProblem.from_trainer(tr, subset=args.subset, seed=args.seed, splits=("train",))
    rep = curvature_report(problem, k=args.top_k, steps=args.lanczos_steps,
                           hutchinson_samples=args.samples, density=args.density, seed=args.seed)
    if args.json:
        print(json.dumps({"source": label, **rep.to_json()}))
        return 0
    top = ", ".join(f"{v:.4g}" for v in rep.top_eigenvalues)
    print(f"{label}, step {rep.step}: loss {rep.loss:.5g}, ‖∇L‖ {rep.grad_norm:.3g} "
          f"(eval mode, {rep.subset} training examples)")
    print(f"top-{len(rep.top_eigenvalues)} eigenvalues: {top}")
    print(f"λₘᵢₙ: {rep.lambda_min:.4g}")
    if rep.trace == rep.trace:
        print(f"trace: {rep.trace:.4g} ± {rep.trace_stderr:.2g} (Hutchinson)")
    print(f"2/lr: {rep.two_over_lr:.4g}   stability limit ({rep.optimizer}): "
          f"{rep.stability_limit:.4g}")
    print(f"status: {rep.status.replace('_', ' ')}: {rep.message}")
    for note in rep.notes:
        print("note:", note)
    print(f"{rep.lanczos_steps} Lanczos steps, {rep.hvps} Hessian-vector products, "
          f"{rep.seconds:.2f} s")
    return 0
