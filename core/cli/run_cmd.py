"""`run`: train headless and write config, per-step metrics and a session file."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from core.cli.common import Progress, add_experiment_args, experiment_from_args
from core.errors import ConfigError


def register(sub) -> None:
    p = sub.add_parser("run", help="train headless, writing metrics and a session",
                       description="Train for N steps and write DIR/config.json, "
                       "DIR/metrics.jsonl (one JSON object per step) and DIR/session.gradlab.")
    add_experiment_args(p)
    p.add_argument("--steps", type=int, required=True, help="optimizer steps to take")
    p.add_argument("--out", required=True, help="output folder (created)")
    p.set_defaults(func=run)


def run(args) -> int:
    import torch

    from core.sessions import save_session
    from core.training.cost import matmul_rate, slow_step_note, step_cost
    from core.training.history import History
    from core.training.snapshot import session_from_trainer
    from core.training.trainer import Trainer

    if not 1 <= args.steps <= 10_000_000:
        raise ConfigError(f"--steps: {args.steps} is out of range; allowed 1 to 10000000")
    if not args.out.strip():
        raise ConfigError("--out: give a folder to write into")
    cfg = experiment_from_args(args)
    tr = Trainer(cfg)                 # data and config problems surface before any file is made
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"--out: cannot create {str(out)!r}: {e.strerror}") from None
    if tr.device_note:
        print(tr.device_note)
    cost = step_cost(tr)
    rate = matmul_rate(str(tr.device), torch.get_num_threads())
    if note := slow_step_note(cost.total, rate, cost.evaluation):
        print(note)
    # Written under temporary names and renamed at the end, so the folder holds either the
    # previous complete set or the new one, never a mix (a full disk, an interrupted run).
    final = {name: out / name for name in ("config.json", "metrics.jsonl", "session.gradlab")}
    tmp = {name: out / f".{name}.partial" for name in final}
    try:
        tmp["config.json"].write_text(json.dumps(cfg.to_dict(), indent=2), encoding="utf-8")
        bar = Progress(args.steps, "training")
        history = History()
        with open(tmp["metrics.jsonl"], "w", encoding="utf-8") as f:
            for rec in tr.steps(args.steps):
                history.append(rec)
                f.write(json.dumps(rec.to_json()) + "\n")
                bar.update(rec.step, f"loss {rec.loss:.4g}")
        save_session(tmp["session.gradlab"], session_from_trainer(tr, history))
        for name in final:
            os.replace(tmp[name], final[name])
    except OSError as e:
        raise ConfigError(f"--out: cannot write into {str(out)!r}: "
                          f"{e.strerror or e}; nothing there was changed") from None
    finally:
        for path in tmp.values():
            with contextlib.suppress(OSError):
                path.unlink()
    last = history.last
    if tr.diverged is not None:
        print(tr.diverged.summary())
    elif tr.stopped is not None:        # a normal end before --steps: say why
        print(f"{tr.stopped.summary()} (train.early_stop = {tr.stopped.patience}; "
              f"{args.steps - tr.step_count} of the {args.steps} steps not taken)")
    elif last is not None:
        print(f"step {last.step}: loss {last.loss:.4g}"
              + (f", test accuracy {last.test_acc:.3f}" if last.test_acc == last.test_acc else ""))
    print(f"wrote {out}/config.json, metrics.jsonl, session.gradlab")
    return 0
