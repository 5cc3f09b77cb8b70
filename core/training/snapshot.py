"""Turn a live trainer into session data and back (the file format is in core/sessions)."""

from __future__ import annotations

import datetime

import numpy as np
import torch

from core.sessions import SessionData
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
           "torch_cpu": torch.get_rng_state().numpy(),
           "batch_order": order.astype(np.int64),
           "cursor": np.array([tr._cursor], np.int64)}
    meta = {"app_version": _version(), "step": tr.step_count, "note": note,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "diverged": tr.diverged is not None}
    return SessionData(config=tr.config, model_state=model_state, optim_state=optim_state,
                       history=history, rng_state=rng, meta=meta)


def trainer_from_session(data: SessionData, device: str | None = None) -> Trainer:
    """A trainer whose weights, optimizer and batch order continue the saved run."""
    tr = Trainer(data.config, device=device)
    tr.model.load_state_dict(data.model_state)
    tr.optimizer.load_state_dict(data.optim_state)
    rng = data.rng_state
    if "batch_gen" in rng:
        tr.batch_gen.set_state(torch.from_numpy(np.ascontiguousarray(rng["batch_gen"])))
    if "torch_cpu" in rng:
        torch.set_rng_state(torch.from_numpy(np.ascontiguousarray(rng["torch_cpu"])))
    order = rng.get("batch_order")
    if order is not None and len(order):
        tr._order = torch.from_numpy(np.asarray(order)).to(tr.device)
        tr._cursor = int(rng["cursor"][0])
    tr.step_count = int(data.meta.get("step", len(data.history)))
    return tr


def _to_cpu(obj):
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu().clone()
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_cpu(v) for v in obj]
    return obj
