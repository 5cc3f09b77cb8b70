"""Fast path for plain feed-forward nets: a hand-batched forward over many grid points at once.

Grid point p has weights θ + c_p·V (c_p = (α_p, β_p), V = the directions). For a chunk of P
points the forward is written out with batched matrix products:
- The first layer's input x is shared by every point, so its pre-activation is linear in c_p:
  x W_pᵀ + b_p = U₀ + α_p U₁ + β_p U₂ with U₀ = xWᵀ + b, U₁ = xD₁ᵀ + d₁, U₂ = xD₂ᵀ + d₂: three
  shared products, then a few passes over the output (used when x has more features than
  directions + 1; for 2-D toy inputs the direct product is cheaper).
- Every later layer is one `baddbmm` over the chunk: (P, N, K)·(P, K, J) + bias; the output
  layer writes (P, C, N) so the loss reduces along contiguous memory.
- tanh on a CPU is one sigmoid pass, with the affine rest folded into the next layer's product.
- The loss is computed per example, so train and test subsets share one pass.
Chunks of a few dozen points keep each layer's activations inside the L2 cache of a CPU, and
scratch buffers are reused across chunks (fresh large tensors cost page faults).

Accuracy: about 1e-6 relative to a float64 forward for ordinary nets (tested to 1e-5 against
plain forward passes). Nets in the chaotic phase amplify every float32 rounding: there a plain
float32 forward is ~1e-5 off float64 and this path ~5e-5 (use path "vmap" to compare).

Supported: core MLP (any activation, plain/residual/dense skips, layer norm, batch norm in eval
mode, dropout off), `nn.Linear`, and `nn.Sequential` of Linear layers and elementwise
activations. Anything else returns None from `FastMLP.compile` and takes the vmap path.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from core.analysis.landscape_kernels import FAST_TANH_MIN_RMS, Workspace, tanh_
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
                x: torch.Tensor, ws: Workspace | None = None) -> torch.Tensor:
        """Network outputs (P, N, C) at the P weight vectors θ + coeffs @ V on inputs x (N, d)."""
        return self.outputs_t(theta, V, coeffs, x, ws).transpose(1, 2)

    @torch.no_grad()
    def per_example_loss(self, theta: torch.Tensor, V: torch.Tensor, coeffs: torch.Tensor,
                         x: torch.Tensor, y: torch.Tensor, kind: str,
                         ws: Workspace | None = None) -> torch.Tensor:
        """Loss of every example at every point, (P, N)."""
        ws = ws if ws is not None else Workspace()
        if kind == "cross_entropy" and self.out.out_features == 2:
            # Two classes: log(e^z₀ + e^z₁) − z_y = softplus(z_other − z_y) = softplus(±(z₀ − z₁)),
            # and the output layer computes only the margin z₀ − z₁.
            m = self.outputs_t(theta, V, coeffs, x, ws, margin=True)[:, 0]
            sign = ws.memo("sign", (y.data_ptr(), y._version), lambda: 2.0 * y.to(m.dtype) - 1)
            return F.softplus(m.mul_(sign))
        out = self.outputs_t(theta, V, coeffs, x, ws)          # (P, C, N)
        if kind == "cross_entropy":
            # Reductions over the short class axis run vectorised along the examples.
            m = out.amax(1, keepdim=True)
            lse = (out - m).exp_().sum(1).log_().add_(m.squeeze(1))
            idx = y.reshape(1, 1, -1).expand(out.shape[0], 1, -1)
            return lse.sub_(out.gather(1, idx).squeeze(1))
        return (out - y.reshape(y.shape[0], -1).T).square_().mean(1)

    @torch.no_grad()
    def outputs_t(self, theta: torch.Tensor, V: torch.Tensor, coeffs: torch.Tensor,
                  x: torch.Tensor, ws: Workspace | None = None,
                  margin: bool = False) -> torch.Tensor:
        """Outputs as (P, C, N): examples last, so the loss reduces along contiguous memory;
        with `margin` (two outputs) only z₀ − z₁, as (P, 1, N).

        Plain tanh chains on a CPU take the folded forward (see _folded_forward); the points it
        hands back, and every other net, take the general forward."""
        ws = ws if ws is not None else Workspace()
        if not self._all_foldable(x):
            return _margin(self._general_forward(theta, V, coeffs, x, ws), margin)
        out, slow = self._folded_forward(theta, V, coeffs, x, ws, margin)
        if slow.numel():
            out[slow] = _margin(self._general_forward(theta, V, coeffs[slow], x, ws), margin)
        return out

    def _general_forward(self, theta, V, coeffs, x, ws: Workspace):
        """Any supported net, layer by layer with batched products; tanh by tanh_."""
        P, N = coeffs.shape[0], x.shape[0]
        flat = torch.addmm(theta, coeffs, V, out=ws.get("flat", (P, theta.numel()), theta))
        xs = x.expand(P, *x.shape)
        dense = self.skip == "dense"
        h, seen = xs, [xs]
        for i, layer in enumerate(self.layers):
            # Dense nets keep every earlier output, so they get fresh tensors, not scratch.
            out = None if dense else ws.get("b" if ws.holds("a", h) else "a",
                                            (P, N, layer.lin.out_features), x)
            if i == 0:
                pre = self._first_linear(layer.lin, theta, V, coeffs, flat, x, out)
            else:
                pre = self._linear(layer.lin, flat, torch.cat(seen, -1) if dense else h, out)
            z = self._finish(layer, pre, flat)
            h = z.add_(h) if self.skip == "residual" and i else z
            seen.append(h)
        return self._linear_t(self.out, flat, h)

    def _all_foldable(self, x: torch.Tensor) -> bool:
        return (self.skip == "none" and bool(self.layers) and x.device.type == "cpu"
                and x.dtype == torch.float32 and self.out.b is not None
                and all(layer.norm is None and isinstance(layer.act, nn.Tanh)
                        and layer.lin.b is not None for layer in self.layers))

    def _folded_params(self, B: torch.Tensor, margin: bool = False) -> torch.Tensor:
        """The weights the folded forward multiplies with, for rows B (m, n) of θ or V.

        Layer 1 (input x): 2W, 2b. Later layers (input s = σ(2a)): 4W, 2(b − W·1). Output layer:
        2W, b − W·1 (with `margin`, row 0 holds the difference of rows 0 and 1). The map is
        linear, so it commutes with θ + Σ c_i V_i: applied once to θ and the directions, one GEMM
        per chunk then yields every point's folded weights."""
        out = B.clone()
        m = B.shape[0]
        lins = [layer.lin for layer in self.layers] + [self.out]
        for i, ln in enumerate(lins):
            W = B[:, ln.w].view(m, ln.out_features, ln.in_features)
            ws, bs, shift = (2.0, 2.0, 0.0) if i == 0 else \
                (4.0, 2.0, -2.0) if i < len(lins) - 1 else (2.0, 1.0, -1.0)
            out[:, ln.w] = ws * B[:, ln.w]
            out[:, ln.b] = bs * B[:, ln.b] + shift * W.sum(-1)
        if margin:
            o = self.out
            W = out[:, o.w].view(m, o.out_features, o.in_features)
            b = out[:, o.b]
            W[:, 0] -= W[:, 1]
            b[:, 0] -= b[:, 1]
        return out

    def _folded_forward(self, theta, V, coeffs, x, ws: Workspace, margin: bool = False):
        """A plain tanh chain with tanh(a) = 2σ(2a) − 1 at one sigmoid pass per layer.

        Between layers the activations are kept as s = σ(2a) = (tanh(a) + 1)/2; the affine rest
        goes into the next layer's weights (W tanh(a) + b = 2Ws + (b − W·1)) and the factor 2 of
        σ(2a) into the layer before, all pre-folded into θ and V (_folded_params). σ(2a) carries
        an absolute error ~1e-7 near s = ½, so a point whose layer signal has RMS < 0.1 (see
        tanh_) drops out of the chunk there; returns the outputs (P, C, N) and the indices of
        the dropped points, whose rows the caller fills from the general forward."""
        key = (theta.data_ptr(), theta._version, V.data_ptr(), V._version, id(self), margin)
        basis = ws.memo("folded", key,
                        lambda: self._folded_params(torch.cat([theta[None], V]), margin))
        P, N = coeffs.shape[0], x.shape[0]
        flat = torch.addmm(basis[0], coeffs, basis[1:], out=ws.get("flat", (P, theta.numel()),
                                                                      theta))
        views = ws.memo(f"views{P}", (flat.data_ptr(), id(self)), lambda: self._views(flat))
        alive = None                     # indices of the points still in the chunk (None: all)
        h = None
        for i, layer in enumerate(self.layers):
            ln = layer.lin
            p = flat.shape[0]
            out = ws.get("b" if ws.holds("a", h) else "a", (p, N, ln.out_features), x)
            if i == 0:
                pre = self._first_linear(ln, basis[0], basis[1:], coeffs, flat, x, out)
            else:
                b, Wt = views[i] if alive is None else self._views(flat)[i]
                pre = torch.baddbmm(b, h, Wt, out=out)
            # One reduction and one sync per layer while every point passes the check.
            norms = torch.linalg.vector_norm(pre[:, :16], dim=(1, 2))
            limit = 2 * FAST_TANH_MIN_RMS * (min(N, 16) * ln.out_features) ** 0.5
            if float(norms.min()) < limit:
                keep = (norms >= limit).nonzero().squeeze(1)
                alive = keep if alive is None else alive[keep]
                if not len(alive):               # every point left: all go the general way
                    return (x.new_empty(P, 1 if margin else self.out.out_features, N),
                            torch.arange(P, device=x.device))
                pre, flat = pre.index_select(0, keep), flat.index_select(0, keep)
            h = pre.sigmoid_()
        b, W = views[-1] if alive is None else self._views(flat)[-1]
        if margin:
            b, W = b[:, :1], W[:, :1]
        res = torch.baddbmm(b, W, h.transpose(1, 2))
        if alive is None:
            return res, torch.zeros(0, dtype=torch.long, device=res.device)
        full = res.new_empty(P, res.shape[1], N)
        full[alive] = res
        mask = torch.ones(P, dtype=torch.bool, device=res.device)
        mask[alive] = False
        return full, mask.nonzero().squeeze(1)

    def _views(self, flat: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """(bias, weight) views of each layer for baddbmm: hidden layers (b[:, None, :], Wᵀ),
        the output layer (b[:, :, None], W) (examples last). Cached per scratch buffer."""
        p = flat.shape[0]
        out = []
        for ln in [layer.lin for layer in self.layers]:
            W = flat[:, ln.w].view(p, ln.out_features, ln.in_features)
            out.append((flat[:, ln.b][:, None, :], W.transpose(1, 2)))
        o = self.out
        out.append((flat[:, o.b][:, :, None], flat[:, o.w].view(p, o.out_features, o.in_features)))
        return out

    def _first_linear(self, ln: _Linear, theta, V, coeffs, flat, x, out):
        """x W_pᵀ + b_p for all points (θ, V and flat may be folded ones).

        With more inputs than directions + 1 it pays to use linearity in (α, β): the 1 + k
        shared products U₀ = xWᵀ + b, U_i = xD_iᵀ + d_i combine as U₀ + Σ c_i U_i (a few passes
        over the output instead of N·d·J multiply-adds per point)."""
        k = V.shape[0]
        if ln.in_features <= k + 1:
            return self._linear(ln, flat, x.expand(coeffs.shape[0], *x.shape), out)
        basis = torch.cat([theta[None], V])
        W = basis[:, ln.w].reshape(k + 1, ln.out_features, ln.in_features)
        U = torch.matmul(x, W.transpose(1, 2))                   # (1 + k, N, J)
        if ln.b is not None:
            U += basis[:, ln.b][:, None, :]
        c = coeffs[:, :, None, None]
        out = torch.mul(U[1][None], c[:, 0], out=out)
        out += U[0]
        for i in range(1, k):
            out.addcmul_(U[i + 1][None], c[:, i])
        return out

    @staticmethod
    def _linear(ln: _Linear, flat, h, out=None):
        """h W_pᵀ + b_p as (P, N, J)."""
        W = flat[:, ln.w].view(flat.shape[0], ln.out_features, ln.in_features)
        if ln.b is None:
            return torch.bmm(h, W.transpose(1, 2), out=out)
        return torch.baddbmm(flat[:, ln.b][:, None, :], h, W.transpose(1, 2), out=out)

    @staticmethod
    def _linear_t(ln: _Linear, flat, h):
        """W_p hᵀ + b_p as (P, C, N): the output layer, examples last."""
        W = flat[:, ln.w].view(flat.shape[0], ln.out_features, ln.in_features)
        if ln.b is None:
            return torch.bmm(W, h.transpose(1, 2))
        return torch.baddbmm(flat[:, ln.b][:, :, None], W, h.transpose(1, 2))

    @staticmethod
    def _finish(layer: _Layer, pre, flat):
        """Normalisation and activation of one layer, on (P, N, J), in place where possible."""
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
        if isinstance(act, nn.Tanh):
            return tanh_(pre)
        fn = _INPLACE.get(type(act))
        return fn(pre) if fn is not None else act(pre)

    def flops_per_example(self) -> int:
        """Multiply-adds × 2 of one example's forward (the standard FLOP count)."""
        lins = [layer.lin for layer in self.layers] + [self.out]
        return sum(2 * ln.in_features * ln.out_features for ln in lins)

    def max_width(self) -> int:
        """The widest layer output (units) of the net."""
        return max([layer.lin.out_features for layer in self.layers] + [self.out.out_features])

    def activation_floats(self) -> int:
        """Floats of activations one example keeps alive at once (for chunk sizing)."""
        widths = [layer.lin.out_features for layer in self.layers] + [self.out.out_features]
        keep = sum(widths) if self.skip == "dense" else 0
        return keep + 3 * max(widths + [self.out.in_features])


def _margin(out: torch.Tensor, margin: bool) -> torch.Tensor:
    """(P, 2, N) logits → (P, 1, N) margins z₀ − z₁ when asked."""
    return out[:, :1] - out[:, 1:2] if margin else out


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
