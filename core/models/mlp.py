"""The multilayer perceptron: h_l = φ(norm(W_l x_l + b_l)), with optional skips and dropout.

x_l is h_(l-1) (plain and residual) or the concatenation [x, h_1, …, h_(l-1)] (dense,
DenseNet-style). Residual layers add the branch to h_(l-1) from layer 2 on (layer 1 changes
the dimension from the input's to the width).
"""

from __future__ import annotations

import torch
from torch import nn

from core.models.activations import make_activation
from core.models.capture import Capture


class MLP(nn.Module):
    def __init__(self, in_dim: int, out_dim: int, depth: int, width: int, activation: str,
                 skip: str = "none", norm: str = "none", dropout: float = 0.0, pieces: int = 2):
        super().__init__()
        self.skip = skip
        k = pieces if activation == "maxout" else 1
        fan_ins = [in_dim + l * width if skip == "dense" and l else (in_dim if l == 0 else width)
                   for l in range(depth)]
        self.linears = nn.ModuleList(nn.Linear(f, width * k) for f in fan_ins)
        norm_cls = {"batch": nn.BatchNorm1d, "layer": nn.LayerNorm}.get(norm)
        self.norms = nn.ModuleList(norm_cls(width * k) if norm_cls else nn.Identity()
                                   for _ in range(depth))
        self.acts = nn.ModuleList(make_activation(activation, pieces) for _ in range(depth))
        self.drop = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.out = nn.Linear(width, out_dim)

    @property
    def hidden_weights(self) -> list[torch.Tensor]:
        """W_l of every hidden layer, input to output."""
        return [lin.weight for lin in self.linears]

    def layer_names(self) -> list[str]:
        return [f"h{l + 1}" for l in range(len(self.linears))]

    def forward(self, x: torch.Tensor, capture: Capture | None = None) -> torch.Tensor:
        h, seen = x, [x]
        for l, (lin, norm, act) in enumerate(zip(self.linears, self.norms, self.acts, strict=True)):
            inp = torch.cat(seen, dim=-1) if self.skip == "dense" and l else h
            pre = norm(lin(inp))
            z = act(pre)
            out = self.drop(z)
            if self.skip == "residual" and l:
                out = h + out
            if capture is not None:
                capture.add(pre, z, out)
            h = out
            if self.skip == "dense":
                seen.append(h)
        return self.out(h)
