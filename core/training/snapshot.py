"""Turn a live trainer into session data and back (the file format is in core/sessions)."""

from __future__ import annotations

import datetime

import numpy as np
import torch

from core.errors import SessionError
from core.sessions import SessionData
from core.training.early_stop import EarlyStopper
from core.training.history import History
from core.training.trainer import Trainer


def _version() -> str:
    from core import __version__

    return __version__


def session_from_trainer(tr: Trainer, history: History, note: str = "") -> SessionData:
    """Everything needed to continue the run exactly where it stands."""
    model_state = {k: v.detach().cpu().clone() for k, v in tr.model.state_dict().items()}
    optim_state = _to_cpu(tr.optimizer.state_dict())
    order = tr._order.cpu().numpy() if tr._order is not None else np.zeros(0, np.int64)
    rng = {"batch_gen": tr.batch_gen.get_state().numpy(),
           "aug_gen": tr.aug_gen.get_state().numpy(),
           "torch_cpu": torch.get_rng_state().numpy(),
           "batch_order": order.astype(np.int64),
           "cursor": np.array([tr._cursor], np.int64)}
    meta = {"app_version": _version(), "step": tr.step_count, "note": note,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "diverged": tr.diverged is not None, "early_stopped": tr.stopped is not None,
            "best_step": tr.best_weights[0] if tr.best_weights is not None else None,
            "rolled_back": tr.rolled_back}
    best = (None if tr.best_weights is None else
            {k: v.detach().cpu().clone() for k, v in tr.best_weights[1].items()})
    return SessionData(config=tr.config, model_state=model_state, optim_state=optim_state,
                       history=history, rng_state=rng, meta=meta, best_weights=best)


def trainer_from_session(data: SessionData, device: str | None = None) -> Trainer:
    """A trainer whose weights, optimizer and batch order continue the saved run.

    A file can be well-formed yet not fit its own config (edited, or assembled from two runs):
    every part is checked against the network the config builds, and a mismatch is a
    SessionError naming the part, never an exception from deep inside torch."""
    tr = Trainer(data.config, device=device)
    _check_weights(tr.model.state_dict(), data.model_state)
    try:
        tr.model.load_state_dict(data.model_state)
    except (RuntimeError, TypeError, ValueError) as e:
        raise _mismatch("the weights", e) from None
    _load_optimizer(tr, data.optim_state)
    _load_rng(tr, data.rng_state)
    step = data.meta.get("step", len(data.history))
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= 10**12:
        raise SessionError(f"the session's step {step!r} is not a step count")
    tr.step_count = step
    # Early stopping's state is a function of the recorded test losses: rebuilt, not stored,
    # so the resumed run stops at the step an uninterrupted one would.
    tr.early = EarlyStopper.from_history(data.history)
    # A run saved after it diverged stays ended: no step, and no early stop (nor roll-back)
    # from a patience lowered afterwards.
    tr.diverged = data.history.divergence
    _load_best(tr, data)
    return tr


def _load_best(tr: Trainer, data: SessionData) -> None:
    """The weights of the best evaluation (so that a resumed run rolls back to them as an
    uninterrupted one would), and whether the saved weights already are those."""
    best_step, rolled = data.meta.get("best_step"), data.meta.get("rolled_back")
    for name, v in (("best_step", best_step), ("rolled_back", rolled)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int)
                              or not 0 <= v <= tr.step_count):
            raise SessionError(f"the session's {name} {v!r} is not a step of the run")
    if data.best_weights is not None:
        if best_step is None:
            raise SessionError("the session has best weights (best.npz) but no best_step")
        expected = tr.model.state_dict()
        _check_weights(expected, data.best_weights)
        bad = [k for k, v in data.best_weights.items()
               if v.is_floating_point() and not bool(torch.isfinite(v).all())]
        if bad:      # the best evaluation's loss was finite: no run writes these
            raise SessionError(f"the best weights (best.npz) are not finite: {bad[0]!r} holds "
                               "Inf or NaN")
        # The network's dtypes, as load_state_dict gives weights.npz (a float64 copy would
        # double the memory and be saved as float64 again).
        tr.best_weights = (best_step, {k: v.to(tr.device, expected[k].dtype)
                                       for k, v in data.best_weights.items()})
    tr.rolled_back = rolled


def _kind(dtype: torch.dtype) -> str:
    if dtype == torch.bool:
        return "bool"
    return "complex" if dtype.is_complex else "float" if dtype.is_floating_point else "integer"


def _check_weights(expected: dict[str, torch.Tensor], weights: dict) -> None:
    """Names, shapes and kinds of numbers, checked before torch sees them: torch's own error
    names only the model class on its first line, and it silently copies a bool, integer or
    complex array into float weights (dropping the imaginary part)."""
    head = "the weights in the session do not fit the network its config describes"
    missing = [k for k in expected if k not in weights]
    unexpected = [k for k in weights if k not in expected]
    if missing or unexpected:
        what = (f"no {missing[0]!r}" if missing else "") + (" and " if missing and unexpected
                                                               else "")
        what += f"an unknown {unexpected[0]!r}" if unexpected else ""
        raise SessionError(f"{head}: the file has {what} ({len(weights)} entries; the "
                           f"network has {len(expected)})")
    for key, want in expected.items():
        got = weights[key]
        if not isinstance(got, torch.Tensor):
            raise SessionError(f"{head}: {key!r} is not an array")
        if tuple(got.shape) != tuple(want.shape):
            raise SessionError(f"{head}: {key!r} has shape {tuple(got.shape)} in the file, "
                               f"{tuple(want.shape)} in the network")
        if _kind(got.dtype) != _kind(want.dtype):
            raise SessionError(f"{head}: {key!r} holds {_kind(got.dtype)} values "
                               f"({got.dtype}); the network needs {_kind(want.dtype)} ones")


def _mismatch(part: str, e: Exception,
              why: str = "do not fit the network its config describes") -> SessionError:
    first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return SessionError(f"{part} in the session {why} ({first})")


def _load_optimizer(tr: Trainer, state) -> None:
    try:
        tr.optimizer.load_state_dict(state)
    except (RuntimeError, TypeError, ValueError, KeyError, IndexError) as e:
        raise _mismatch("the optimizer state", e) from None
    defaults = tr.optimizer.defaults
    for group in tr.optimizer.param_groups:
        missing = sorted(set(defaults) - set(group))
        if missing:
            raise SessionError(f"the optimizer state in the session is not one of the "
                               f"config's optimizer {tr.config.optim.name!r} (it has no "
                               f"{missing[0]!r})")
        for key, default in defaults.items():
            value = group[key]
            if isinstance(default, bool) or default is None or not isinstance(
                    default, int | float | tuple):
                continue
            values = value if isinstance(value, tuple | list) else (value,)
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
                raise SessionError(f"the optimizer's {key} in the session is {value!r}, "
                                   "not a number")
    for p, st in tr.optimizer.state.items():
        for key, value in st.items():
            if isinstance(value, torch.Tensor) and value.ndim and value.shape != p.shape:
                raise SessionError(f"the optimizer's {key} in the session has shape "
                                   f"{tuple(value.shape)}, its weight {tuple(p.shape)}")


def _load_rng(tr: Trainer, rng: dict) -> None:
    try:
        if "batch_gen" in rng:
            tr.batch_gen.set_state(torch.from_numpy(np.ascontiguousarray(rng["batch_gen"])))
        if "aug_gen" in rng:        # sessions older than augmentation have none: seed's state
            tr.aug_gen.set_state(torch.from_numpy(np.ascontiguousarray(rng["aug_gen"])))
        if "torch_cpu" in rng:
            torch.set_rng_state(torch.from_numpy(np.ascontiguousarray(rng["torch_cpu"])))
    except (RuntimeError, TypeError, ValueError) as e:
        raise _mismatch("the random generator states", e, "are not valid") from None
    order = rng.get("batch_order")
    if order is None or not len(order):
        return
    order, cursor = np.asarray(order), np.asarray(rng.get("cursor", []))
    n = len(tr.x_train)
    if order.dtype.kind not in "iu" or order.ndim != 1 or len(order) != n \
            or order.min() < 0 or order.max() >= n or len(np.unique(order)) != n:
        # a repeated index would train on some examples twice an epoch and never on others
        raise SessionError(f"the session's batch order is not a permutation of the {n} "
                           "training examples")
    if cursor.dtype.kind not in "iu" or cursor.shape != (1,) or not 0 <= int(cursor[0]) <= n:
        raise SessionError("the session's batch cursor is missing or out of range")
    tr._order = torch.from_numpy(order.astype(np.int64)).to(tr.device)
    tr._cursor = int(cursor[0])


def _to_cpu(obj):
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu().clone()
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_cpu(v) for v in obj]
    return obj
