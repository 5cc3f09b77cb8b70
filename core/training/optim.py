"""Optimizers by name. Weights get L2 decay; biases and norm parameters do not."""

from __future__ import annotations

import torch

from core.config import OptimConfig


def param_groups(model) -> list[dict]:
    """Two groups: matrices (decayed, L1-penalised) and the rest."""
    weights = [p for p in model.parameters() if p.ndim >= 2]
    others = [p for p in model.parameters() if p.ndim < 2]
    return [{"params": weights, "name": "weights"}, {"params": others, "name": "others",
                                                      "weight_decay": 0.0}]


def build_optimizer(model, cfg: OptimConfig) -> torch.optim.Optimizer:
    """The optimizer the config names, with L2 weight decay on the weights group."""
    groups = param_groups(model)
    lr, wd, mom = cfg.lr, cfg.weight_decay, cfg.momentum
    if cfg.name == "sgd":
        return torch.optim.SGD(groups, lr=lr, weight_decay=wd)
    if cfg.name in ("momentum", "nesterov"):
        opt = torch.optim.SGD(groups, lr=lr, momentum=mom, weight_decay=wd)
        if cfg.name == "nesterov":
            # torch refuses nesterov=True with momentum 0 in the constructor, yet its step uses
            # the flag only when momentum ≠ 0 (β = 0 is plain SGD, as in the formula). Set after
            # construction, a momentum slider can pass through 0 and back to Nesterov.
            opt.defaults["nesterov"] = True
            for g in opt.param_groups:
                g["nesterov"] = True
        return opt
    if cfg.name == "rmsprop":
        return torch.optim.RMSprop(groups, lr=lr, weight_decay=wd)
    cls = torch.optim.AdamW if cfg.name == "adamw" else torch.optim.Adam
    return cls(groups, lr=lr, betas=(mom, 0.999), weight_decay=wd)


def set_hyper(opt: torch.optim.Optimizer, lr: float | None = None,
              weight_decay: float | None = None) -> None:
    """Change learning rate and weight decay mid-run, keeping the optimizer's state."""
    for g in opt.param_groups:
        if lr is not None:
            g["lr"] = lr
        if weight_decay is not None and g.get("name") == "weights":
            g["weight_decay"] = weight_decay
