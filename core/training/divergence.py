"""Plain-words forensics for the first non-finite number of a run."""

from __future__ import annotations

from core.config import RECURRENT_KINDS, ExperimentConfig
from core.numfmt import num
from core.training.record import Divergence

WHERE_TEXT = {
    "forward": "the activations of layer {name} became Inf/NaN in the forward pass",
    "loss": "the loss became Inf/NaN",
    "backward": "the gradient ∂L/∂h of layer {name} became Inf/NaN in the backward pass",
    "parameters": "the weights became Inf/NaN after the update",
}


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
        cause = (f"the initial weights are too large (init.scale σ_w = {num(i.scale)} with "
                 f"{i.scheme}): each of the {m.depth} layers multiplies the signal, so it "
                 f"overflows float32 {when}.")
        advice = "lower init.scale toward 1, use he_normal (ReLU) or xavier (tanh), or add batch norm."
    elif early and where == "backward":
        cause = (f"exploding gradients at initialization: each layer multiplies ∂L/∂h by about "
                 f"σ_w·√E[φ'²] > 1 (init.scale = {num(i.scale)}), over {m.depth} layers."
                 if not recurrent else
                 f"exploding gradients at initialization: each step back through time multiplies "
                 f"∂L/∂hₜ by about ρ = {rho or 'the radius of W_hh'}, over "
                 f"{cfg.data.seq_len} steps.")
        advice = "lower init.scale, use an initialization matched to the activation, or clip gradients."
    else:
        cause = (f"the learning rate η = {num(o.lr)} is too large for the curvature of the loss: "
                 "once the largest Hessian eigenvalue exceeds 2/η, each step overshoots and the "
                 "error grows geometrically" + (" (the gradient norm grew over the last steps)."
                                                 if grew else "."))
        advice = "lower optim.lr (try η/10)" + (", enable gradient clipping (optim.clip_norm)"
                                              if o.clip_norm == 0 else "") + ", or use adam."
    return Divergence(step=step, where=where, layer=layer, layer_name=layer_name,
                      message=message, cause=cause, advice=advice)
