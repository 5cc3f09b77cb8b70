"""The hand-written backward of a plain MLP's hidden layers against torch autograd."""

import gc
import weakref

import pytest
import torch

from core.models.capture import Capture
from core.models.fused_stack import FUSABLE
from core.models.mlp import MLP
from core.training.losses import mean_loss


def _net(activation, seed=0):
    torch.manual_seed(seed)
    net = MLP(3, 4, depth=4, width=8, activation=activation)
    with torch.no_grad():
        for lin in net.linears:   # biases away from 0 so ReLU-like kinks are exercised
            lin.bias.normal_(0, 0.5)
    return net


@pytest.mark.parametrize("kind", ["cross_entropy", "mse"])
@pytest.mark.parametrize("activation", sorted(FUSABLE))
def test_gradients_equal_autograd(activation, kind):
    net = _net(activation)
    assert net.fusable
    x = torch.randn(16, 3, dtype=torch.float64, requires_grad=True)
    y = torch.randint(0, 4, (16,)) if kind == "cross_entropy" else torch.randn(16, 4,
                                                                            dtype=torch.float64)
    net = net.double()

    # the oracle: the module's own layer loop, gradients of every h_l retained by autograd
    ref = Capture()
    net.fusable = False
    mean_loss(net(x, ref), y, kind).backward()
    want = {n: p.grad.clone() for n, p in net.named_parameters()}
    want_h = [o.grad.clone() for o in ref.outputs]
    want_x = x.grad.clone()
    net.zero_grad(set_to_none=True)
    x.grad = None

    cap = Capture()
    net.fusable = True
    out = net(x, cap)
    assert out.grad_fn is not None and cap.grads is None
    mean_loss(out, y, kind).backward()
    for n, p in net.named_parameters():
        torch.testing.assert_close(p.grad, want[n], rtol=1e-10, atol=1e-12, msg=n)
    for got, exp in zip(cap.output_grads(), want_h, strict=True):
        torch.testing.assert_close(got, exp, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(x.grad, want_x, rtol=1e-10, atol=1e-12)
    for a, b in zip(cap.act, ref.act, strict=True):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("kw", [{"skip": "residual"}, {"norm": "batch"}, {"dropout": 0.1},
                                {"activation": "prelu"}, {"activation": "maxout"},
                                {"activation": "linear"}])
def test_other_nets_keep_autograd(kw):
    args = {"activation": "tanh", **kw}
    assert not MLP(3, 2, depth=2, width=4, **args).fusable


def test_no_reference_cycle_without_backward():
    """A probed forward whose backward never runs (a diverged loss) is freed at once."""
    net = _net("tanh")
    cap = Capture()
    out = net(torch.randn(5, 3), cap)
    ref = weakref.ref(cap.act[0])
    gc.disable()
    try:
        del out, cap
        assert ref() is None
    finally:
        gc.enable()
