"""Recurrent nets unrolled step by step, so every h_t is a tensor whose gradient we can read.

The cells use torch's parameter names and equations (RNNCell, LSTMCell, GRUCell), which a test
checks against torch's own cells; ours add a linear vanilla RNN and expose the gates.
h_t = φ(W_hh h_(t-1) + W_ih x_t + b): the theory's h_t = Wᵀ h_(t-1) with W = W_hhᵀ.
"""

from __future__ import annotations

import torch
from torch import nn

from core.models.capture import Capture

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


class Cell(nn.Module):
    """Parameters of one recurrent layer, in torch's layout (gate blocks stacked on rows)."""

    def __init__(self, kind: str, in_dim: int, hidden: int):
        super().__init__()
        g = GATES[kind]
        self.kind, self.hidden = kind, hidden
        self.weight_ih = nn.Parameter(torch.empty(g * hidden, in_dim))
        self.weight_hh = nn.Parameter(torch.empty(g * hidden, hidden))
        self.bias_ih = nn.Parameter(torch.zeros(g * hidden))
        self.bias_hh = nn.Parameter(torch.zeros(g * hidden))


class RecurrentNet(nn.Module):
    def __init__(self, kind: str, in_dim: int, out_dim: int, hidden: int, activation: str,
                 loss_steps: int):
        super().__init__()
        self.kind, self.activation, self.loss_steps = kind, activation, loss_steps
        self.cell = Cell(kind, in_dim, hidden)
        self.out = nn.Linear(hidden, out_dim)
        self._phi = {"tanh": torch.tanh, "relu": torch.relu, "linear": lambda a: a}[
            activation if kind == "rnn" else "tanh"]

    @property
    def hidden_weights(self) -> list[torch.Tensor]:
        return [self.cell.weight_hh]

    def layer_names(self) -> list[str]:
        return [self.kind]

    def forward(self, x: torch.Tensor, capture: Capture | None = None) -> torch.Tensor:
        c = self.cell
        B, T, _ = x.shape
        xi = torch.addmm(c.bias_ih, x.reshape(B * T, -1), c.weight_ih.t()).view(B, T, -1)
        # unbind, not xi[:, t]: one backward node gathers all T slices, where T select nodes
        # would each build a zero (B, T, ·) gradient (3× slower backward at T = 200).
        xs = xi.unbind(1)
        h = x.new_zeros(B, c.hidden)
        mem = x.new_zeros(B, c.hidden)  # LSTM cell state
        tops = []
        for t in range(T):
            hh = torch.addmm(c.bias_hh, h, c.weight_hh.t())
            h, mem, pre, gate = self._step(xs[t], hh, h, mem)
            if capture is not None:
                capture.add(pre, h, h)
                if gate is not None:
                    capture.gates.append(gate.detach())
            if t >= T - self.loss_steps:
                tops.append(h)
        y = self.out(torch.stack(tops, dim=1))           # (B, loss_steps, out)
        return y[:, 0] if self.loss_steps == 1 else y

    def _step(self, xi, hh, h, mem):
        if self.kind == "rnn":
            pre = xi + hh
            return self._phi(pre), mem, pre, None
        if self.kind == "lstm":
            i, f, g, o = (xi + hh).chunk(4, dim=1)
            f = torch.sigmoid(f)
            mem = f * mem + torch.sigmoid(i) * torch.tanh(g)
            return torch.sigmoid(o) * torch.tanh(mem), mem, mem, f
        xr, xz, xn = xi.chunk(3, dim=1)
        hr, hz, hn = hh.chunk(3, dim=1)
        r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
        pre = xn + r * hn
        return (1 - z) * torch.tanh(pre) + z * h, mem, pre, z
