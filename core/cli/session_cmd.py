"""`session`: inspect a .gradlab session file, or open it and save it again.

    python main.py session info FILE [--json]
    python main.py session resave IN OUT

`info` loads the whole file (every check of `load_session` applies) and prints what it holds.
`resave` loads IN and writes it to OUT in the current format (atomically), keeping its meta
data: a way to check that a file opens and to bring an old one up to date.
"""

from __future__ import annotations

import json
import math


def register(sub) -> None:
    p = sub.add_parser("session", help="inspect a session file, or open and save it again",
                       description="Inspect a .gradlab session, or open one and save it again.")
    ss = p.add_subparsers(dest="session_command", required=True, metavar="ACTION")
    info = ss.add_parser("info", help="load a session and print what it holds")
    info.add_argument("file", help="a .gradlab session file")
    info.add_argument("--json", action="store_true", help="print a JSON object")
    info.set_defaults(func=run_info)
    resave = ss.add_parser("resave", help="load a session and save it to another file")
    resave.add_argument("src", metavar="IN", help="the session to open")
    resave.add_argument("dst", metavar="OUT", help="where to save it (replaced atomically)")
    resave.set_defaults(func=run_resave)


def summary(path: str) -> dict:
    """What the session at `path` holds, as JSON-able values (SessionError if it is amiss)."""
    from core.sessions import load_session

    data = load_session(path)
    cfg = data.config.to_dict()
    last = data.history.last
    n_params = sum(int(t.numel()) for t in data.model_state.values())
    return {
        "file": str(path),
        "app_version": _text(data.meta.get("app_version")),
        "created": _text(data.meta.get("created")),
        "step": last.step if last is not None else 0,
        "records": len(data.history),
        "loss": float(last.loss) if last is not None and math.isfinite(last.loss) else None,
        "diverged": data.history.divergence is not None,
        "early_stopped": data.meta.get("early_stopped") is True,
        # The step whose weights weights.npz holds when early stopping rolled the net back:
        # the last step's loss above is then not that of the saved net.
        "rolled_back": _step(data.meta.get("rolled_back")),
        "model": {k: cfg["model"][k] for k in ("kind", "depth", "width", "activation")},
        "data": cfg["data"]["name"],
        "init": cfg["init"]["scheme"],
        "optimizer": cfg["optim"]["name"],
        "parameters": n_params,
        "note": _text(data.meta.get("note", "")),
    }


def _step(value) -> int | None:
    """A meta field that names a step, or None (an edited file may hold anything there)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value) -> str | None:
    """A meta field as text (an edited file may hold NaN or a list there: JSON has no NaN)."""
    return value if value is None or isinstance(value, str) else str(value)


def run_info(args) -> int:
    s = summary(args.file)
    if args.json:
        print(json.dumps(s, indent=2))
        return 0
    m = s["model"]
    print(f"{s['file']}: GradLab session, saved by {s['app_version']} at {s['created']}")
    print(f"  step {s['step']} ({s['records']} records)"
          + (f", loss {s['loss']:.4g}" if s["loss"] is not None else "")
          + (", diverged" if s["diverged"] else "")
          + (f", early-stopped at step {s['step']}" if s["early_stopped"] else "")
          + (f"; weights rolled back to step {s['rolled_back']}"
             if s["rolled_back"] is not None else ""))
    print(f"  {m['kind']} depth {m['depth']} width {m['width']} {m['activation']}, "
          f"{s['parameters']} parameters; data {s['data']}, init {s['init']}, "
          f"optimizer {s['optimizer']}")
    return 0


def run_resave(args) -> int:
    from core.sessions import load_session, save_session

    data = load_session(args.src)
    save_session(args.dst, data)
    last = data.history.last
    print(f"opened {args.src} (step {last.step if last is not None else 0}) and saved it to "
          f"{args.dst}")
    return 0
