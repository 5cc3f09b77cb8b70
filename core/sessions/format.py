"""Save and load a whole session (config, weights, optimizer, history, RNG, meta) as one .gradlab zip.

The member layout and the no-code-on-load guarantee are documented in FORMAT.md next to this file.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import zipfile
from dataclasses import dataclass

import numpy as np
import torch

from core.config import ExperimentConfig
from core.errors import SessionError
from core.sessions import optim_state
from core.sessions.archive import write_atomic, write_json, write_npz
from core.sessions.history_check import check_history_arrays
from core.sessions.info import open_session, read_config_and_meta
from core.sessions.manifest import FORMAT_NAME, FORMAT_VERSION
from core.training.history import History

MEMBERS = ("manifest.json", "config.json", "weights.npz", "optimizer.json", "optimizer.npz",
           "history.npz", "rng.npz", "meta.json")


@dataclass(frozen=True, eq=False)   # eq=False: comparing dicts of tensors has no single answer
class SessionData:
    """Everything needed to resume a run exactly where it was saved."""

    config: ExperimentConfig
    model_state: dict[str, torch.Tensor]   # model.state_dict(), tensors on CPU
    optim_state: dict                      # optimizer.state_dict(), tensors on CPU
    history: History
    rng_state: dict[str, np.ndarray]        # e.g. {"torch_cpu": uint8, "batch_order": int64}
    meta: dict                              # JSON-able: app_version, created, step, note
    # The model at early stopping's best evaluation (meta "best_step"), where one was kept:
    # the optional member best.npz, laid out as weights.npz.
    best_weights: dict[str, torch.Tensor] | None = None


def app_version() -> str:
    """The installed GradLab version, or "unknown" when running from a source tree."""
    try:
        return importlib.metadata.version("gradlab")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def save_session(path: str | os.PathLike, data: SessionData) -> None:
    """Write `data` to `path` atomically: a failure at any point leaves an old file as it was.

    meta.json gets app_version, created (ISO 8601, UTC) and step filled in where `data.meta`
    lacks them. SessionError when something cannot be stored or the file cannot be written."""
    last = data.history.last
    meta = {"app_version": app_version(),
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "step": last.step if last is not None else 0, "note": "", **data.meta}
    manifest = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
                **{k: meta[k] for k in ("app_version", "created", "step")}}
    # Convert everything before the file is opened, so bad input never leaves a temp file.
    weights = {k: _tensor(v, f"model weight {k}") for k, v in data.model_state.items()}
    best = (None if data.best_weights is None else
            {k: _tensor(v, f"best weight {k}") for k, v in data.best_weights.items()})
    optim_tree, optim_arrays = optim_state.encode(data.optim_state)
    rng = {k: _array(v, f"rng state {k}") for k, v in data.rng_state.items()}
    try:
        json.dumps(meta, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise SessionError(f"cannot save session {os.fspath(path)!r}: meta is not JSON ({e})") from None

    def fill(zf: zipfile.ZipFile) -> None:
        write_json(zf, "manifest.json", manifest)
        write_json(zf, "config.json", data.config.to_dict())
        write_npz(zf, "weights.npz", weights)
        if best is not None:
            write_npz(zf, "best.npz", best)
        write_json(zf, "optimizer.json", optim_tree)
        write_npz(zf, "optimizer.npz", optim_arrays)
        write_npz(zf, "history.npz", data.history.to_arrays(), compress=True)
        write_npz(zf, "rng.npz", rng)
        write_json(zf, "meta.json", meta)

    try:
        write_atomic(path, fill)
    except OSError as e:
        raise SessionError(f"cannot save session {os.fspath(path)!r}: "
                           f"{e.strerror or e}") from None


def load_session(path: str | os.PathLike) -> SessionData:
    """Read a session file; SessionError naming the file and the problem for anything amiss.

    Never unpickles and never executes code from the file (see FORMAT.md)."""
    with open_session(path) as (r, _manifest):
        missing = [m for m in MEMBERS if m not in r.names]
        if missing:
            raise r.fail(f"member {missing[0]} is missing (the file is incomplete or damaged)")
        config, meta = read_config_and_meta(r)
        weights = {k: optim_state.numpy_to_tensor(a) for k, a in r.npz("weights.npz").items()}
        try:
            optim = optim_state.decode(r.json("optimizer.json"), r.npz("optimizer.npz"), r.fail)
        except RecursionError:
            raise r.fail("optimizer.json is nested absurdly deep") from None
        except SessionError:
            raise
        except (TypeError, ValueError, KeyError, IndexError) as e:
            raise r.fail(f"optimizer.json is not an optimizer state ({e})") from None
        if not isinstance(optim, dict):
            raise r.fail("optimizer.json is not an optimizer state_dict")
        try:
            arrays = r.npz("history.npz")
            check_history_arrays(arrays)
            history = History.from_arrays(arrays)
        except (ValueError, TypeError, KeyError, IndexError, OverflowError) as e:
            raise r.fail(f"history.npz: {e}") from None
        best = ({k: optim_state.numpy_to_tensor(a) for k, a in r.npz("best.npz").items()}
                if "best.npz" in r.names else None)        # optional: older files lack it
        return SessionData(config=config, model_state=weights, optim_state=optim,
                           history=history, rng_state=r.npz("rng.npz"), meta=meta,
                           best_weights=best)


def _tensor(t, what: str) -> np.ndarray:
    if not isinstance(t, torch.Tensor):
        raise SessionError(f"cannot save {what}: expected a tensor, got {type(t).__name__}")
    return optim_state.tensor_to_numpy(t, what)


def _array(a, what: str) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return optim_state.tensor_to_numpy(a, what)
    a = np.asarray(a)
    if a.dtype.kind not in "biufc":
        raise SessionError(f"cannot save {what}: dtype {a.dtype} is not numeric")
    return a
