"""Fast path for plain feed-forward nets: a hand-batched forward over many grid points at once.

Grid point p has weights θ + c_p·V (c_p = (α_p, β_p), V = the directions). For a chunk of P
points the forward is written out with batched matrix products:
- The first layer's input x is shared by every point, so its pre-activation is linear in c_p:
  x W_pᵀ + b_p = U₀ + α_p U₁ + β_p U₂ with U₀ = xWᵀ + b, U₁ = xD₁ᵀ + d₁, U₂ = xD₂ᵀ + d₂. Three small
  products, then one (P × 3)·(3 × N·J) product writes all P pre-activations.
- Every later layer is one `baddbmm` over the chunk: (P, N, K)·(P, K, J) + bias.
- The loss is computed per example, so train and test subsets share one pass.
Chunks of a few dozen points keep each layer's activations inside the L2/L3 cache on a CPU.

Supported: core MLP (any activation, plain/residual/dense skips, layer norm, batch norm in eval
mode, dropout off), `nn.Linear`, and `nn.Sequential` of Linear layers and elementwise
activations. Anything else returns None from `FastMLP.compile` and takes the vmap path.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from core.analysis.landscape_space import ParamSpace
from core.models.activations import Maxout
from core.models.mlp import MLP

# Parameter-free elementwise activations, and the in-place torch function where one exists.
_ELEMENTWISE = (nn.Tanh, nn.ReLU, nn.Sigmoid, nn.LeakyReLU, nn.ELU, nn.SELU, nn.GELU, nn.SiLU,
                nn.Softplus, nn.Identity, Maxout)
_INPLACE = {nn.Tanh: torch.tanh_, nn.ReLU: torch.relu_, nn.Sigmoid: torch.sigmoid_}


@dataclass(frozen=True)
class _Linear:
    w: slice
    b: slice | None
    out_features: int
    in_features: int


@dataclass(frozen=True)
class _Layer:
    lin: _Linear
    norm: tuple | None      # ("layer", γ, β, eps) or ("batch", γ, β, mean, var, eps)
    act: nn.Module | None
    prelu: slice | None     # PReLU slope parameter, perturbed like any other


class FastMLP:
    """A compiled feed-forward net; `per_example_loss` evaluates many weight vectors at once."""

    def __init__(self, layers: list[_Layer], out: _Linear, skip: str):
        self.layers, self.out, self.skip = layers, out, skip

    # ---- compilation ------------------------------------------------------------------------
    @classmethod
    def compile(cls, model: nn.Module, space: ParamSpace) -> FastMLP | None:
        """The fast plan for `model`, or None when the model is not a supported feed-forward net."""
        names = {id(p): n for n, p in model.named_parameters()}
        where = space.slices()

        def lin(m: nn.Linear) -> _Linear:
            b = where[names[id(m.bias)]] if m.bias is not None else None
            return _Linear(where[names[id(m.weight)]], b, m.out_features, m.in_features)

        try:
            if isinstance(model, MLP):
                layers = []
                for lm, nm, am in zip(model.linears, model.norms, model.acts, strict=True):
                    act, prelu = _activation(am, names, where)
                    layers.append(_Layer(lin(lm), _norm(nm, names, where), act, prelu))
                return cls(layers, lin(model.out), model.skip)
            if isinstance(model, nn.Linear):
                return cls([], lin(model), "none")
            if isinstance(model, nn.Sequential):
                return cls._from_sequential(model, lin, names, where)
        except _Unsupported:
            return None
        return None

    @classmethod
    def _from_sequential(cls, model, lin, names, where):
        mods = [m for m in model if not isinstance(m, nn.Dropout)]
        if not mods or not isinstance(mods[-1], nn.Linear):
            raise _Unsupported
        body, layers, i = mods[:-1], [], 0
        while i < len(body):
            if not isinstance(body[i], nn.Linear):
                raise _Unsupported
            act, prelu, step = None, None, 1
            if i + 1 < len(body) and not isinstance(body[i + 1], nn.Linear):
                act, prelu = _activation(body[i + 1], names, where)
                step = 2
            layers.append(_Layer(lin(body[i]), None, act, prelu))
            i += step
        return cls(layers, lin(mods[-1]), "none")

    # ---- evaluation --------------------------------------------------------------------------
    @torch.no_grad()
    def outputs(self, theta: torch.Tensor, V: torch.Tensor, coeffs: torch.Tensor,
                x: torch.Tensor) -> torch.Tensor:
        """Network outputs (P, N, C) at the P weight vectors θ + coeffs @ V on inputs x (N, d)."""
        P = coeffs.shape[0]
        flat = torch.addmm(theta, coeffs, V)          # (P, n): every point's weights, one GEMM
        c1 = torch.cat([coeffs.new_ones(P, 1), coeffs], dim=1)
        basis = torch.cat([theta[None], V])           # (1 + k, n)
        first = self.layers[0].lin if self.layers else self.out
        h = self._first_linear(first, basis, c1, x)
        if not self.layers:
            return h
        h = self._finish(self.layers[0], h, flat)
        seen = [x.expand(P, *x.shape), h]
        for layer in self.layers[1:]:
            inp = torch.cat(seen, dim=-1) if self.skip == "dense" else h
            z = self._finish(layer, self._linear(layer.lin, flat, inp), flat)
            h = h + z if self.skip == "residual" else z
            if self.skip == "dense":
                seen.append(h)
        return self._linear(self.out, flat, h)

    def _first_linear(self, ln: _Linear, basis, c1, x):
        """x W_pᵀ + b_p for all points from the 1 + k shared products (linear in α, β)."""
        k1 = basis.shape[0]
        W = basis[:, ln.w].reshape(k1, ln.out_features, ln.in_features)
        U = torch.matmul(x, W.transpose(1, 2))          # (1 + k, N, J)
        if ln.b is not None:
            U = U + basis[:, ln.b][:, None, :]
        N = x.shape[0]
        return torch.mm(c1, U.reshape(k1, -1)).view(-1, N, ln.out_features)

    @staticmethod
    def _linear(ln: _Linear, flat, h):
        P = flat.shape[0]
        W = flat[:, ln.w].reshape(P, ln.out_features, ln.in_features)
        if ln.b is None:
            return torch.bmm(h, W.transpose(1, 2))
        return torch.baddbmm(flat[:, ln.b][:, None, :], h, W.transpose(1, 2))

    @staticmethod
    def _finish(layer: _Layer, pre, flat):
        """Normalisation and activation of one layer, on (P, N, J)."""
        P = flat.shape[0]
        if layer.norm is not None:
            kind, g, b = layer.norm[:3]
            if kind == "layer":
                pre = F.layer_norm(pre, pre.shape[-1:], eps=layer.norm[3])
            else:
                mean, var, eps = layer.norm[3:]
                pre = (pre - mean) * torch.rsqrt(var + eps)
            pre = torch.addcmul(flat[:, b].view(P, 1, -1), pre, flat[:, g].view(P, 1, -1))
        if layer.prelu is not None:
            a = flat[:, layer.prelu].reshape(P, 1, -1)
            return torch.where(pre >= 0, pre, a * pre)
        act = layer.act
        if act is None:
            return pre
        fn = _INPLACE.get(type(act))
        return fn(pre) if fn is not None else act(pre)

    def flops_per_example(self) -> int:
        """Multiply-adds × 2 of one example's forward (the standard FLOP count)."""
        lins = [layer.lin for layer in self.layers] + [self.out]
        return sum(2 * ln.in_features * ln.out_features for ln in lins)

    def activation_floats(self) -> int:
        """Floats of activations one example keeps alive at once (for chunk sizing)."""
        widths = [layer.lin.out_features for layer in self.layers] + [self.out.out_features]
        keep = sum(widths) if self.skip == "dense" else 0
        return keep + 3 * max(widths + [self.out.in_features])


class _Unsupported(Exception):
    pass


def _activation(m: nn.Module, names, where):
    if isinstance(m, nn.PReLU):
        return None, where[names[id(m.weight)]]
    if isinstance(m, _ELEMENTWISE):
        return m, None
    raise _Unsupported


def _norm(m: nn.Module, names, where):
    if isinstance(m, nn.Identity):
        return None
    if isinstance(m, nn.LayerNorm) and m.elementwise_affine and m.bias is not None \
            and len(m.normalized_shape) == 1:
        return ("layer", where[names[id(m.weight)]], where[names[id(m.bias)]], m.eps)
    if isinstance(m, nn.BatchNorm1d) and m.affine and m.track_running_stats \
            and m.running_mean is not None:
        return ("batch", where[names[id(m.weight)]], where[names[id(m.bias)]],
                m.running_mean.detach().clone(), m.running_var.detach().clone(), m.eps)
    raise _Unsupported
