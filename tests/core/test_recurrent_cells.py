"""Our unrolled RNN/LSTM/GRU against torch's own cells (the oracle) with the same state_dict.

Outputs and every gradient (weights, biases, input) agree to 1e-5; the linear RNN, which torch
lacks, is checked against the recurrence written out in float64 numpy.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from core.models.capture import Capture
from core.models.recurrent import RecurrentNet

TOL = 1e-5


def _model(kind, activation="tanh", in_dim=3, out_dim=2, hidden=7, loss_steps=1, seed=0):
    torch.manual_seed(seed)
    m = RecurrentNet(kind, in_dim, out_dim, hidden, activation, loss_steps)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn(p.shape) * 0.5)
    return m


def _oracle(model, kind, activation):
    c = model.cell
    if kind == "rnn":
        cell = nn.RNNCell(c.weight_ih.shape[1], c.hidden, nonlinearity=activation)
    else:
        cell = {"lstm": nn.LSTMCell, "gru": nn.GRUCell}[kind](c.weight_ih.shape[1], c.hidden)
    cell.load_state_dict(c.state_dict())   # same parameter names and layout
    out = nn.Linear(c.hidden, model.out.out_features)
    out.load_state_dict(model.out.state_dict())
    return cell, out


def _oracle_forward(cell, out, kind, x, loss_steps):
    B, T, _ = x.shape
    h = x.new_zeros(B, cell.hidden_size)
    mem = x.new_zeros(B, cell.hidden_size)
    hs = []
    for t in range(T):
        if kind == "lstm":
            h, mem = cell(x[:, t], (h, mem))
        else:
            h = cell(x[:, t], h)
        hs.append(h)
    y = out(torch.stack(hs[T - loss_steps:], dim=1))
    return (y[:, 0] if loss_steps == 1 else y), hs


@pytest.mark.parametrize("kind,activation", [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"),
                                             ("gru", "tanh")])
@pytest.mark.parametrize("loss_steps", [1, 3])
def test_matches_torch_cells(kind, activation, loss_steps):
    model = _model(kind, activation, loss_steps=loss_steps)
    cell, out = _oracle(model, kind, activation)
    x = torch.randn(5, 9, 3, generator=torch.Generator().manual_seed(1))
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    cap = Capture()
    y1 = model(x1, cap)
    y2, hs = _oracle_forward(cell, out, kind, x2, loss_steps)
    torch.testing.assert_close(y1, y2, atol=TOL, rtol=TOL)
    for a, b in zip(cap.outputs, hs, strict=True):
        torch.testing.assert_close(a, b, atol=TOL, rtol=TOL)
    w = torch.randn(y1.shape, generator=torch.Generator().manual_seed(2))
    (y1 * w).sum().backward()
    (y2 * w).sum().backward()
    torch.testing.assert_close(x1.grad, x2.grad, atol=TOL, rtol=TOL)
    ours = dict(model.cell.named_parameters())
    for name, p in cell.named_parameters():
        torch.testing.assert_close(ours[name].grad, p.grad, atol=TOL, rtol=TOL, msg=name)
    for name, p in out.named_parameters():
        torch.testing.assert_close(dict(model.out.named_parameters())[name].grad, p.grad,
                                   atol=TOL, rtol=TOL, msg=name)


def test_linear_rnn_is_the_plain_recurrence():
    model = _model("rnn", "linear")
    x = torch.randn(4, 6, 3, generator=torch.Generator().manual_seed(3))
    y = model(x).detach().double().numpy()
    p = {k: v.detach().double().numpy() for k, v in model.state_dict().items()}
    h = np.zeros((4, 7))
    for t in range(6):
        h = h @ p["cell.weight_hh"].T + p["cell.bias_hh"] + x[:, t].double().numpy() \
            @ p["cell.weight_ih"].T + p["cell.bias_ih"]
    np.testing.assert_allclose(y, h @ p["out.weight"].T + p["out.bias"], rtol=TOL, atol=TOL)


def test_gates_are_captured_per_step():
    """LSTM captures its forget gate, GRU its update gate, one (B, H) tensor per step."""
    x = torch.randn(2, 5, 3)
    for kind in ("lstm", "gru"):
        model = _model(kind)
        cap = Capture()
        model(x, cap)
        assert len(cap.gates) == 5 and cap.gates[0].shape == (2, 7)
        c = model.cell
        xi = x[:, 0] @ c.weight_ih.T + c.bias_ih
        hh = c.bias_hh.expand(2, -1)        # h_0 = 0
        k = 1  # f is block 1 of (i, f, g, o); z is block 1 of (r, z, n)
        h = c.hidden
        want = torch.sigmoid(xi[:, k * h:(k + 1) * h] + hh[:, k * h:(k + 1) * h])
        torch.testing.assert_close(cap.gates[0], want.detach(), atol=TOL, rtol=TOL)
