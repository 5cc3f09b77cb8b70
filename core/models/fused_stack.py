"""A plain MLP's hidden layers as one autograd node, with backpropagation written out.

Why: the probes need every layer's ∂L/∂h_l. Through autograd that means a retained gradient per
layer, and for a small net (depth 10 × width 64, a step under a millisecond) autograd's
per-layer bookkeeping costs as much as the probes themselves. Written out, backpropagation
computes ∂L/∂h_l anyway, the textbook way:

    δ_l = ∂L/∂h_l ⊙ φ'(a_l),   ∂L/∂W_l = δ_lᵀ h_(l-1),   ∂L/∂b_l = Σ_batch δ_l,
    ∂L/∂h_(l-1) = δ_l W_l

and hands it to the Capture. Only nets whose layers are exactly h_l = φ(W_l h_(l-1) + b_l) use
it (no skips, normalisation, dropout, PReLU or maxout); tests compare every gradient with
autograd's. It is differentiable once: Hessian and landscape code never pass a Capture, so they
use the module's ordinary forward.
"""

from __future__ import annotations

import weakref

import torch
from torch.autograd.function import once_differentiable

from core.models.activations import derivative
from core.models.capture import Capture

# Linear is left out: its output would be its pre-activation, an output kept on ctx.
FUSABLE = frozenset({"sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu", "silu",
                     "softplus"})


class _HiddenStack(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, cap: Capture, activation: str, acts, *params):
        pres, outs, h = [], [], x
        for l, act in enumerate(acts):
            pre = torch.addmm(params[2 * l + 1], h, params[2 * l].t())
            h = act(pre)
            pres.append(pre)
            outs.append(h)
        # Intermediates are kept on ctx (the node runs backward once); the output only through
        # save_for_backward and the Capture only by weak reference, since either on ctx would
        # be a reference cycle through the output's grad_fn, freed late if no backward runs.
        ctx.save_for_backward(h)
        ctx.x, ctx.pres, ctx.outs, ctx.params = x, pres, outs[:-1], params
        ctx.cap, ctx.activation, ctx.acts = weakref.ref(cap), activation, acts
        cap.pre.extend(pres)
        cap.act.extend(outs)
        cap.outputs.extend(outs)
        return h

    @staticmethod
    @once_differentiable
    def backward(ctx, g_top):
        pres, outs, params, acts = ctx.pres, ctx.outs + list(ctx.saved_tensors), ctx.params, ctx.acts
        L = len(acts)
        grads_h: list[torch.Tensor] = [g_top] * L
        grads: list[torch.Tensor | None] = [None] * (2 * L)
        g_in = None
        for l in range(L - 1, -1, -1):
            delta = grads_h[l] * derivative(ctx.activation, pres[l], outs[l], acts[l])
            h_prev = outs[l - 1] if l else ctx.x
            grads[2 * l] = delta.t().mm(h_prev)
            grads[2 * l + 1] = delta.sum(0)
            if l:
                grads_h[l - 1] = delta.mm(params[2 * l])
            elif ctx.needs_input_grad[0]:
                g_in = delta.mm(params[0])
        cap = ctx.cap()
        if cap is not None:
            cap.grads = grads_h
        ctx.x = ctx.pres = ctx.outs = ctx.params = ctx.cap = None
        return (g_in, None, None, None, *grads)


def hidden_stack(x: torch.Tensor, linears, acts, activation: str, cap: Capture) -> torch.Tensor:
    """h_L of the hidden layers, recording each layer into `cap` (its grads after backward)."""
    params = [t for lin in linears for t in (lin.weight, lin.bias)]
    return _HiddenStack.apply(x, cap, activation, list(acts), *params)
