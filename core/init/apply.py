"""Initialise a whole model from the config's init section."""

from __future__ import annotations

import torch

from core.config import InitConfig
from core.init.lsuv import lsuv
from core.init.schemes import init_bias, init_weight, set_spectral_radius
from core.models.mlp import MLP
from core.models.recurrent import RecurrentNet


@torch.no_grad()
def initialize(model, cfg: InitConfig, gen: torch.Generator, batch: torch.Tensor | None = None):
    """Draw every weight and bias; for LSUV, `batch` is the data batch it normalises on."""
    if isinstance(model, MLP):
        for lin in [*model.linears, model.out]:
            init_weight(lin.weight, cfg.scheme, cfg.scale, gen)
            init_bias(lin.bias, cfg.bias_std, gen)
        if cfg.scheme == "lsuv":
            if batch is None:
                raise ValueError("LSUV needs a data batch")
            lsuv(model, batch)
            if cfg.scale != 1:
                for w in model.hidden_weights:
                    w.mul_(cfg.scale)
    elif isinstance(model, RecurrentNet):
        _init_recurrent(model, cfg, gen)
    else:
        raise TypeError(f"unknown model {type(model).__name__}")


def _init_recurrent(model: RecurrentNet, cfg: InitConfig, gen: torch.Generator):
    c = model.cell
    scheme = "orthogonal" if cfg.scheme == "lsuv" else cfg.scheme
    h = c.hidden
    # Each gate has its own block of W_hh; each block gets the scheme (and the radius) alone.
    for block in c.weight_hh.split(h, dim=0):
        init_weight(block, scheme, cfg.scale, gen)
        if cfg.spectral_radius > 0:
            set_spectral_radius(block, cfg.spectral_radius)
    # Input weights: the scheme's variance with fan_in = input dim; identity makes no sense there.
    in_scheme = "xavier_normal" if scheme in ("identity", "orthogonal") else scheme
    for block in c.weight_ih.split(h, dim=0):
        init_weight(block, in_scheme, cfg.scale, gen)
    init_bias(c.bias_ih, cfg.bias_std, gen)
    init_bias(c.bias_hh, cfg.bias_std, gen)
    if model.kind == "lstm":
        c.bias_ih[h:2 * h] = cfg.forget_bias
        c.bias_hh[h:2 * h] = 0.0
    init_weight(model.out.weight, "xavier_normal" if scheme == "zeros" else in_scheme, 1.0, gen)
    torch.nn.init.zeros_(model.out.bias)
