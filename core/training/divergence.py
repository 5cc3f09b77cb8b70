"""Plain-words forensics for the first non-finite number of a run."""

from __future__ import annotations

import math

from core.config import RECURRENT_KINDS, ExperimentConfig
from core.numfmt import num
from core.training.record import Divergence

# Dropout is named as a cause once its scaling alone grows the signal by more than this factor
# over the net (a decade: p = 0.9 from 3 layers on, p = 0.5 from 7, p = 0.2 from 21, p = 0.1
# from 44).
DROPOUT_MATTERS = 10.0

WHERE_TEXT = {
    "forward": "the activations of layer {name} became Inf/NaN in the forward pass",
    "loss": "the loss became Inf/NaN",
    "backward": "the gradient ∂L/∂h of layer {name} became Inf/NaN in the backward pass",
    "parameters": "the weights became Inf/NaN after the update",
}


def dropout_growth(cfg: ExperimentConfig) -> float | None:
    """How much dropout's 1/(1−p) scaling grows the signal over the net, where it matters.

    Inverted dropout keeps a unit with probability 1 − p and scales it by 1/(1−p), so it
    multiplies E[h²] by 1/(1−p) and the activations' size by 1/√(1−p) at each of the `depth`
    layers it follows; the backward pass scales ∂L/∂h the same way. Over the net that is
    (1−p)^(−depth/2). None when that is DROPOUT_MATTERS or less, for recurrent nets (no dropout)
    and with batch or layer norm (the next layer's normalisation undoes the scale)."""
    m = cfg.model
    if m.kind in RECURRENT_KINDS or m.norm != "none" or not 0 < m.dropout < 1:
        return None
    log_growth = -0.5 * m.depth * math.log1p(-m.dropout)
    return math.exp(log_growth) if log_growth > math.log(DROPOUT_MATTERS) + 1e-9 else None


def _dropout_words(cfg: ExperimentConfig, growth: float) -> str:
    """'it scales the units it keeps by 1/(1−p) = 10, which multiplies …'"""
    p, depth = cfg.model.dropout, cfg.model.depth
    return (f"it scales the units it keeps by 1/(1−p) = {num(1 / (1 - p))}, "
            f"which multiplies the activations and ∂L/∂h by about 1/√(1−p) = "
            f"{num((1 - p) ** -0.5)} per layer, {num(growth)} over the {depth} layers")


def _dropout_advice(cfg: ExperimentConfig) -> str:
    """'lower model.dropout to 0.14 or less (for 30 layers)': p (to 2 decimals, rounded down)
    whose scaling grows the signal at most DROPOUT_MATTERS-fold over the net."""
    depth = cfg.model.depth
    p_max = math.floor(100 * -math.expm1(-2 * math.log(DROPOUT_MATTERS) / depth)) / 100
    return f"lower model.dropout to {num(p_max, 2)} or less (for {depth} layers)"


def diagnose(cfg: ExperimentConfig, step: int, where: str, layer: int | None,
             layer_name: str | None, grad_norms: list[float]) -> Divergence:
    """Name the step and layer, and guess the cause from the config and the recent gradients.

    `grad_norms` are the global gradient norms of the steps before, oldest first.
    """
    what = WHERE_TEXT[where].format(name=layer_name or "?")
    if layer_name is None:                      # not located: no "layer ?"
        what = what.replace(" of layer ?", "").replace(" layer ?", " a layer")
    message = f"The run diverged at step {step}: {what}."
    m, i, o = cfg.model, cfg.init, cfg.optim
    recurrent = m.kind in RECURRENT_KINDS
    early = step <= 2
    rho = num(i.spectral_radius) if i.spectral_radius else None
    drop = dropout_growth(cfg)
    grew = len(grad_norms) >= 5 and grad_norms[-1] > 10 * max(min(grad_norms[-5:]), 1e-30)
    if recurrent and where == "forward" and step <= 1:
        # The initial weights overflow h_t itself (a ReLU or linear RNN; tanh is bounded):
        # no gradient or learning rate is involved yet, and depth is not what repeats.
        radius = (f"ρ = {rho}" if rho else
                  f"ρ (set by init.scale σ_w = {num(i.scale)} with {i.scheme})")
        cause = (f"the hidden state explodes through time: W_hh multiplies hₜ at each of the "
                 f"{cfg.data.seq_len} time steps, and with spectral radius {radius} above 1 "
                 "hₜ grows like ρᵗ until it overflows float32 before training starts.")
        advice = ("lower init.spectral_radius below 1 (or init.scale), use tanh, "
                  "or use an LSTM/GRU.")
    elif recurrent and o.clip_norm == 0 and (i.spectral_radius > 1 or grew):
        cause = (f"exploding gradients through time: with spectral radius ρ = "
                 f"{rho or 'unset'}, ∂L/∂hₜ grows like ρᵀ⁻ᵗ over "
                 f"{cfg.data.seq_len} steps, and nothing limits the step.")
        advice = "clip the gradient norm (optim.clip_norm = 1), lower the spectral radius below 1, "
        advice += "or use an LSTM/GRU."
    elif early and where in ("forward", "loss") and m.norm == "none":
        when = ("before training starts" if step <= 1 else
                "after the first update, which the equally huge gradients make enormous")
        if drop and i.scale <= 1:       # the scheme's own scale: dropout is what grows
            cause = (f"dropout p = {num(m.dropout)} is too strong for {m.depth} layers: "
                     f"{_dropout_words(cfg, drop)}, so the signal overflows float32 {when}.")
            advice = (f"{_dropout_advice(cfg)}, or add batch norm, which undoes the scaling at "
                      "the next layer.")
        else:
            cause = (f"the initial weights are too large (init.scale σ_w = {num(i.scale)} with "
                     f"{i.scheme}): each of the {m.depth} layers multiplies the signal, so it "
                     f"overflows float32 {when}.")
            advice = ("lower init.scale toward 1, use he_normal (ReLU) or xavier (tanh), or add "
                      "batch norm.")
            if drop:
                cause += f" Dropout p = {num(m.dropout)} adds to it: {_dropout_words(cfg, drop)}."
                advice = f"{_dropout_advice(cfg)}, " + advice
    elif early and where == "backward":
        cause = (f"exploding gradients at initialization: each layer multiplies ∂L/∂h by about "
                 f"σ_w·√E[φ'²]{'/√(1−p)' if drop else ''} > 1 (init.scale = {num(i.scale)}"
                 f"{f', dropout p = {num(m.dropout)}' if drop else ''}), over {m.depth} layers."
                 if not recurrent else
                 f"exploding gradients at initialization: each step back through time multiplies "
                 f"∂L/∂hₜ by about ρ = {rho or 'the radius of W_hh'}, over "
                 f"{cfg.data.seq_len} steps.")
        advice = "lower init.scale, use an initialization matched to the activation, or clip gradients."
        if drop:
            cause += f" Dropout p = {num(m.dropout)} is part of it: {_dropout_words(cfg, drop)}."
            advice = f"{_dropout_advice(cfg)}, " + advice
    else:
        cause = (f"the learning rate η = {num(o.lr)} is too large for the curvature of the loss: "
                 "once the largest Hessian eigenvalue exceeds 2/η, each step overshoots and the "
                 "error grows geometrically" + (" (the gradient norm grew over the last steps)."
                                                 if grew else "."))
        advice = "lower optim.lr (try η/10)" + (", enable gradient clipping (optim.clip_norm)"
                                              if o.clip_norm == 0 else "") + ", or use adam."
        if drop:
            cause += (f" Dropout p = {num(m.dropout)} makes the steps larger: "
                      f"{_dropout_words(cfg, drop)}.")
            advice = f"{_dropout_advice(cfg)}, or " + advice
    return Divergence(step=step, where=where, layer=layer, layer_name=layer_name,
                      message=message, cause=cause, advice=advice)
