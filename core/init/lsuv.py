"""Layer-sequential unit variance (Mishkin & Matas 2015).

Start from orthogonal weights; then, layer by layer from the input, divide W_l by the standard
deviation of its output (the pre-activation W_l x + b on a data batch) until that variance is 1
within a tolerance. The output of the linear map is what LSUV normalises, as in the paper's
Algorithm 1.
"""

from __future__ import annotations

import torch

from core.models.capture import Capture


@torch.no_grad()
def lsuv(model, batch: torch.Tensor, tol: float = 0.01, max_iter: int = 10) -> list[float]:
    """Rescale the model's hidden weights in place; returns each layer's final variance."""
    finals = []
    for l, w in enumerate(model.hidden_weights):
        var = float("nan")
        for _ in range(max_iter):
            # In float64: inputs of 1e20 give a float32 variance of Inf, and W / √Inf = 0 would
            # silently kill the layer (and every gradient with it).
            var = _linear_output(model, batch, l).double().var().item()
            if not var > 0 or abs(var - 1) < tol:
                break
            w.div_(var ** 0.5)
        finals.append(var)
    return finals


def _linear_output(model, batch, layer):
    """The output of layer `layer`'s linear map (before norm and φ)."""
    cap = Capture(track_grad=False)
    handle = model.linears[layer].register_forward_hook(lambda m, i, o: cap.pre.append(o))
    try:
        model(batch)
    finally:
        handle.remove()
    return cap.pre[0]
