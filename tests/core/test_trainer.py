"""The training loop: records, determinism, live hyper-parameters, clipping, divergence."""

import math

import numpy as np
import pytest
import torch

from core.config import ACTIVATIONS, ExperimentConfig
from core.presets import config_from_partial, load_preset
from core.training.history import History
from core.training.trainer import Trainer


def small(**sections):
    base = {"model": {"depth": 3, "width": 16}, "data": {"n_train": 64, "n_test": 64},
            "optim": {"batch_size": 32}}
    for k, v in sections.items():
        base.setdefault(k, {}).update(v)
    return config_from_partial(base)


def test_record_has_per_layer_arrays_and_evaluations():
    tr = Trainer(small(train={"eval_every": 5}))
    recs = list(tr.steps(10))
    r = recs[-1]
    assert r.step == 10 and r.finite and r.probed
    for name in ("grad_h", "grad_w", "update_ratio", "act_mean", "act_std", "fprime_mean",
                 "meanfield_grad_h"):
        assert getattr(r, name).shape == (3,), name
    assert r.pre_pct.shape == (3, 7) and np.all(np.diff(r.pre_pct, axis=1) >= 0)
    assert np.all(r.saturated >= 0) and np.all(np.isnan(r.dead))  # tanh: saturation, no "dead"
    evaluated = [x.step for x in recs if not math.isnan(x.test_loss)]
    assert evaluated == [1, 5, 10]


def test_grad_h_matches_autograd_oracle():
    """grad_h[l] is ‖∂L/∂h_l‖ computed independently with torch.autograd.grad."""
    tr = Trainer(small())
    rec = tr.probe()
    x, y = tr.x_train, tr.y_train
    m = tr.model
    hs, h = [], x
    for lin, act in zip(m.linears, m.acts, strict=True):
        h = act(lin(h))
        hs.append(h)
    loss = torch.nn.functional.cross_entropy(m.out(h), y)
    grads = torch.autograd.grad(loss, hs)
    want = np.array([g.norm().item() for g in grads])
    np.testing.assert_allclose(rec.grad_h, want, rtol=1e-5)


def test_same_seed_same_run():
    a = [r.loss for r in Trainer(small()).steps(15)]
    b = [r.loss for r in Trainer(small()).steps(15)]
    c = [r.loss for r in Trainer(small().with_value("seed", 1)).steps(15)]
    assert a == b and a != c


def test_learning_rate_changes_live_without_reset():
    tr = Trainer(small(optim={"name": "momentum", "lr": 0.1}))
    list(tr.steps(5))
    w = tr.model.linears[1].weight
    buf_before = tr.optimizer.state[w]["momentum_buffer"].clone()
    tr.set_hyper(lr=1e-3)
    before = w.detach().clone()
    rec = tr.step()
    assert rec.step == 6 and rec.lr == 1e-3
    buf = tr.optimizer.state[w]["momentum_buffer"]
    assert not torch.equal(buf, buf_before)  # the buffer carried on, it was not reset
    torch.testing.assert_close(w.detach() - before, -1e-3 * buf)
    with pytest.raises(KeyError):
        tr.set_hyper(depth=3)


def test_clipping_bounds_the_update():
    tr = Trainer(small(optim={"clip_norm": 0.01, "lr": 0.5}))
    before = [p.detach().clone() for p in tr.model.parameters()]
    rec = tr.step()
    assert rec.clipped and rec.grad_norm > 0.01
    delta = math.sqrt(sum((p.detach() - b).square().sum().item()
                          for p, b in zip(tr.model.parameters(), before, strict=True)))
    assert delta == pytest.approx(0.5 * 0.01, rel=1e-4)


def test_clipping_scales_a_finite_gradient_whose_norm_passes_float32s_largest_value():
    """A weight gradient of 1e38 per entry is finite in float32, but its norm (~1e40) is not:
    the clip factor must come from the float64 norm, or the gradient is zeroed instead of
    scaled and the step moves nothing."""
    tr = Trainer(small(optim={"clip_norm": 0.01, "lr": 0.5}))
    w = tr.model.linears[1].weight
    w.register_hook(lambda g: torch.full_like(g, 1e38))
    before = [p.detach().clone() for p in tr.model.parameters()]
    rec = tr.step()
    assert rec.finite and rec.clipped and 3.5e38 < rec.grad_norm < math.inf
    delta = math.sqrt(sum((p.detach().double() - b.double()).square().sum().item()
                          for p, b in zip(tr.model.parameters(), before, strict=True)))
    assert delta == pytest.approx(0.5 * 0.01, rel=1e-3)


def test_l1_adds_sign_of_weights_to_gradient():
    cfg = small()
    a, b = Trainer(cfg), Trainer(cfg.with_value("optim.l1", 0.01))
    a.probe()
    for tr in (a, b):
        tr.optimizer.zero_grad()
        tr._measure(tr.x_train, tr.y_train, 0, probe=False, update=False)
    w_a, w_b = a.model.linears[1].weight, b.model.linears[1].weight
    torch.testing.assert_close(w_b.grad - w_a.grad, 0.01 * torch.sign(w_a.detach()))


def test_exploding_preset_diverges_with_forensics():
    p = load_preset("exploding_init")
    tr = Trainer(p.config)
    recs = list(tr.steps(50))
    last = recs[-1]
    assert not last.finite and len(recs) < 50
    d = last.divergence
    assert d.step == last.step and d.layer is not None and d.layer_name.startswith("h")
    assert "init" in d.cause and "init.scale" in d.advice
    with pytest.raises(RuntimeError):
        tr.step()


def test_high_learning_rate_divergence_blames_the_learning_rate():
    cfg = small(optim={"lr": 10.0}, model={"activation": "relu", "depth": 6, "width": 32},
                init={"scheme": "he_normal"})
    tr = Trainer(cfg)
    recs = list(tr.steps(200))
    assert tr.diverged is not None
    assert "learning rate" in tr.diverged.cause and recs[-1].divergence is tr.diverged


def test_missing_device_falls_back_with_message():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    tr = Trainer(small().with_value("device", "cuda"))
    assert tr.device.type == "cpu" and "not available" in tr.device_note


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_trains(activation):
    tr = Trainer(small(model={"activation": activation}))
    recs = list(tr.steps(3))
    assert all(r.finite for r in recs)


@pytest.mark.parametrize("skip,norm,dropout", [("residual", "batch", 0.0), ("dense", "layer", 0.2),
                                               ("none", "batch", 0.5)])
def test_architecture_variants_train(skip, norm, dropout):
    tr = Trainer(small(model={"skip": skip, "norm": norm, "dropout": dropout, "depth": 4}))
    assert all(r.finite for r in tr.steps(5))
    if skip == "dense":
        fan_ins = [lin.weight.shape[1] for lin in tr.model.linears]
        assert fan_ins == [2, 18, 34, 50]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"])
def test_optimizers_reduce_the_loss(optimizer):
    lr = 0.01 if optimizer in ("rmsprop", "adam", "adamw") else 0.1
    tr = Trainer(small(optim={"name": optimizer, "lr": lr, "batch_size": 64}))
    losses = [r.loss for r in tr.steps(60)]
    assert np.mean(losses[-10:]) < np.mean(losses[:10])


def test_session_round_trip_continues_identically(tmp_path):
    from core.sessions import load_session, save_session
    from core.training.snapshot import session_from_trainer, trainer_from_session

    cfg = small(optim={"name": "adam", "lr": 0.01}, model={"dropout": 0.1})
    straight = [r.loss for r in Trainer(cfg).steps(20)]
    tr = Trainer(cfg)
    hist = History()
    hist.extend(tr.steps(10))
    save_session(tmp_path / "s.gradlab", session_from_trainer(tr, hist))
    back = trainer_from_session(load_session(tmp_path / "s.gradlab"))
    assert back.step_count == 10
    resumed = [r.loss for r in back.steps(10)]
    assert resumed == straight[10:]


def test_predict_gives_probabilities_on_a_grid():
    tr = Trainer(small())
    p = tr.predict(np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32))
    assert p.shape == (50,) and np.all((p >= 0) & (p <= 1))


def test_full_default_config_is_valid():
    assert Trainer(ExperimentConfig()).step().finite


def test_copy_task_accuracy_with_one_symbol_counts_per_example():
    cfg = config_from_partial({"data": {"name": "copy", "seq_len": 5, "copy_symbols": 1,
                                        "n_train": 32, "n_test": 32},
                               "model": {"kind": "lstm", "width": 8}})
    tr = Trainer(cfg)
    out = torch.zeros(4, 4)
    out[torch.arange(4), torch.tensor([0, 1, 2, 3])] = 1.0
    y = torch.tensor([[0], [1], [2], [0]])
    assert tr._accuracy(out, y) == 0.75


def test_overflow_at_initialization_ends_the_run_at_the_probe():
    cfg = config_from_partial({"model": {"depth": 60, "width": 32, "activation": "linear"},
                               "init": {"scheme": "normal", "scale": 8.0}})
    tr = Trainer(cfg)
    rec = tr.probe()
    assert not rec.finite and tr.diverged is rec.divergence and rec.divergence.step == 0
    with pytest.raises(RuntimeError):
        tr.step()


@pytest.mark.parametrize("optim", [{"name": "sgd"}, {"name": "momentum"},
                                   {"name": "momentum", "clip_norm": 0.05},
                                   {"name": "sgd", "clip_norm": 0.05},
                                   {"name": "nesterov"}, {"name": "sgd", "weight_decay": 0.01},
                                   {"name": "adam", "lr": 0.01}])
def test_update_ratio_equals_measured_weight_change(optim):
    """update_ratio, however it is computed, equals ‖W_after − W_before‖/‖W_before‖."""
    tr = Trainer(small(optim=optim))
    list(tr.steps(3))
    before = [w.detach().clone() for w in tr.model.hidden_weights]
    rec = tr.step()
    want = [(w.detach() - b).norm().item() / b.norm().item()
            for w, b in zip(tr.model.hidden_weights, before, strict=True)]
    np.testing.assert_allclose(rec.update_ratio, want, rtol=1e-4)


def test_grad_w_is_measured_before_clipping():
    cfg = small(optim={"clip_norm": 1e-4})
    rec = Trainer(cfg).step()
    free = Trainer(cfg.with_value("optim.clip_norm", 0)).step()
    assert rec.clipped and not free.clipped
    np.testing.assert_allclose(rec.grad_w, free.grad_w, rtol=1e-5)


def test_meanfield_prediction_uses_the_weights_the_gradients_were_measured_with():
    """At a refresh step the prediction is the theory for the pre-step weights (σ_w² =
    fan_in·mean(W²), σ_b² = mean(b²), q_1 from the data), anchored at the measured top layer."""
    from core.analysis import meanfield

    tr = Trainer(small(model={"activation": "relu", "depth": 4}, init={"bias_std": 0.2},
                       optim={"lr": 0.5}))
    for _ in range(tr._meanfield.REFRESH):   # refreshed at step 1, next at 1 + REFRESH
        tr.step()
    lins = tr.model.linears
    sw2 = np.array([lin.weight.square().mean().item() * lin.weight.shape[1] for lin in lins])
    sb2 = np.array([lin.bias.square().mean().item() for lin in lins])
    q1 = sw2[0] * float(np.mean(np.square(tr.dataset.x_train, dtype=np.float64))) + sb2[0]
    rec = tr.step()                      # step REFRESH: the shape is recomputed
    assert tr._meanfield._at == rec.step
    want = meanfield.predicted_grad_h("relu", sw2, sb2, q1, rec.grad_h[-1])
    np.testing.assert_allclose(rec.meanfield_grad_h, want, rtol=1e-4)


def test_whole_set_loss_of_a_batchnorm_net_uses_the_current_weights_statistics():
    """Eval mode normalises with the statistics of the current weights on the training set
    (precise BN), not running averages ten steps behind: for fixed_batchnorm's σ_w = 5 net
    those made the whole-set loss 1e14 at step 1 against a batch loss of 1.6."""
    cfg = load_preset("fixed_batchnorm").config.with_value("model.depth", 12)
    tr = Trainer(cfg)
    rec = tr.step()
    assert rec.eval_train_loss < 3 * rec.loss
    # The oracle: batch statistics over the whole training set in one pass (n ≤ one chunk).
    # Running variances are unbiased (n/(n−1) = 1.0025 here), and each layer's offset passes
    # on through the ReLUs' mean, so over 12 layers the two agree to ~2 %.
    tr.model.train()
    with torch.no_grad():
        want = torch.nn.functional.cross_entropy(tr.model(tr.x_train), tr.y_train).item()
    assert rec.eval_train_loss == pytest.approx(want, rel=0.04)
    # Training itself is unchanged: the same run without the refresh takes the same steps.
    a = [r.loss for r in Trainer(cfg).steps(5)]
    b_tr = Trainer(cfg)
    b_tr.refresh_batchnorm = lambda *args, **kw: None
    assert a == [r.loss for r in b_tr.steps(5)]


def test_nesterov_with_zero_momentum_is_plain_sgd_then_nesterov_when_raised():
    """β = 0 is allowed by the config; torch's constructor refuses it for Nesterov. The run
    must equal plain SGD step for step, and raising β mid-run must give Nesterov's update."""
    nes = Trainer(small(optim={"name": "nesterov", "momentum": 0.0}))
    sgd = Trainer(small(optim={"name": "sgd"}))
    for a, b in zip(nes.steps(5), sgd.steps(5), strict=True):
        assert a.loss == b.loss
    nes.set_hyper(momentum=0.5)
    w = [p.detach().clone() for p in nes.model.parameters()]
    bufs = [nes.optimizer.state[p].get("momentum_buffer") for p in nes.model.parameters()]
    assert all(b is None for b in bufs)          # no buffer was kept while β was 0
    nes.step()
    # First step with β > 0: buf = g, update = g + β·buf = (1 + β)·g (no weight decay here).
    grads = [p.grad for p in nes.model.parameters()]
    for p, w0, g in zip(nes.model.parameters(), w, grads, strict=True):
        torch.testing.assert_close(p.detach(), w0 - 0.1 * 1.5 * g)


def _float64_grad_norms(tr, x, y):
    """Independent oracle: the same loss, differentiated with autograd, normed in float64."""
    params = list(tr.model.parameters())
    grads = torch.autograd.grad(tr._loss(tr.model(x), y), params)
    assert all(bool(torch.isfinite(g).all()) for g in grads)       # huge, yet all finite
    return math.sqrt(sum(float((g.double() ** 2).sum()) for g in grads))


def test_huge_but_finite_gradients_are_clipped_not_called_divergence():
    """At σ_w = 100 the gradients of a 12-layer SELU net reach 1e22: finite, but their squares
    overflow a float32 norm. Clipping must act on the true norm (the run goes on), and the
    per-layer ‖∂L/∂h‖ must be the true values, not Inf."""
    cfg = small(model={"depth": 12, "activation": "selu"}, init={"scale": 100.0},
                optim={"clip_norm": 1.0, "batch_size": 64})
    tr = Trainer(cfg)
    expected = _float64_grad_norms(tr, tr.x_train, tr.y_train)   # full batch: the step's batch
    assert expected > 1e20
    rec = tr.step()
    assert rec.finite and rec.divergence is None and rec.clipped
    assert rec.grad_norm == pytest.approx(expected, rel=1e-5)
    assert np.all(np.isfinite(rec.grad_h)) and rec.grad_h.max() > 1e19
    assert tr.step().finite                                      # the clipped step was sane


def test_huge_gradients_without_clipping_diverge_in_the_forward_pass_with_a_layer():
    """Without clipping the same net's first update is enormous and the next forward pass
    overflows: the banner then names a layer, instead of a backward-pass Inf that no gradient
    actually held."""
    cfg = small(model={"depth": 12, "activation": "selu"}, init={"scale": 100.0},
                optim={"batch_size": 64})
    tr = Trainer(cfg)
    recs = list(tr.steps(5))
    assert recs[0].finite
    d = tr.diverged
    assert d is not None and d.layer_name is not None and d.where == "forward"


def test_vanishing_gradients_are_measured_not_flushed_to_zero():
    """In vanishing_sigmoid at step 0 the first layer's ‖∂L/∂h‖ is ~1e-18: a float32 norm
    squares entries of ~1e-20 below float32's smallest normal number and read 0.0. Oracle:
    the same net in float64, its gradients by torch.autograd.grad."""
    import copy

    tr = Trainer(load_preset("vanishing_sigmoid").config)
    rec = tr.probe()
    m = copy.deepcopy(tr.model).double()
    x, y = tr.x_train[:4096].double(), tr.y_train[:4096]
    hs, h = [], x
    for lin, act in zip(m.linears, m.acts, strict=True):
        h = act(lin(h))
        hs.append(h)
    loss = torch.nn.functional.cross_entropy(m.out(h), y)
    grads = torch.autograd.grad(loss, hs + [lin.weight for lin in m.linears])
    L = len(hs)
    want_h = np.array([g.norm().item() for g in grads[:L]])
    want_w = np.array([g.norm().item() for g in grads[L:]])
    assert want_h[0] < 1e-15 and want_w[0] < 1e-15          # the regime in question
    np.testing.assert_allclose(rec.grad_h, want_h, rtol=1e-3)
    np.testing.assert_allclose(rec.grad_w, want_w, rtol=1e-3)
