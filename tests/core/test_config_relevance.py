"""inactive_keys: the keys a run ignores, each checked against what the trainer actually does."""

import torch

from core.config_relevance import inactive_keys
from core.presets import config_from_partial
from core.training.trainer import Trainer


def test_plain_sgd_ignores_momentum_and_the_momentum_optimizer_uses_it():
    sgd = config_from_partial({"optim": {"name": "sgd"}})
    assert "optim.momentum" in inactive_keys(sgd)
    assert "optim.momentum" not in inactive_keys(sgd.with_value("optim.name", "momentum"))
    a = Trainer(sgd.with_value("optim.momentum", 0.1))
    b = Trainer(sgd.with_value("optim.momentum", 0.9))
    for _ in range(3):
        a.step(), b.step()
    assert all(torch.equal(p, q) for p, q in zip(a.model.parameters(), b.model.parameters(),
                                                  strict=True))


def test_recurrent_configs_ignore_mlp_keys_and_mlps_ignore_recurrent_ones():
    mlp = inactive_keys(config_from_partial({}))
    assert {"init.spectral_radius", "init.forget_bias", "data.seq_len"} <= set(mlp)
    assert "model.depth" not in mlp and "data.noise" not in mlp
    lstm = inactive_keys(config_from_partial({"model": {"kind": "lstm"},
                                              "data": {"name": "adding"}}))
    assert {"model.depth", "model.activation", "data.noise", "data.copy_symbols"} <= set(lstm)
    assert "init.forget_bias" not in lstm and "init.spectral_radius" not in lstm
    copy = inactive_keys(config_from_partial({"model": {"kind": "rnn"},
                                              "data": {"name": "copy", "seq_len": 20}}))
    assert "data.copy_symbols" not in copy and "model.activation" not in copy
    assert all(isinstance(v, str) and v for v in lstm.values())


def test_every_activation_and_scheme_has_a_one_line_explanation():
    from core.choice_help import choice_help
    from core.config import ACTIVATIONS, INIT_SCHEMES

    assert all(choice_help("model.activation", a) for a in ACTIVATIONS)
    assert all(choice_help("init.scheme", s) for s in INIT_SCHEMES)
    assert choice_help("optim.name", "sgd") is None
