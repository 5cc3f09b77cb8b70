"""The loss of a network without memory (the dashed lines of the recurrent loss panel): the
best constant prediction fitted on the training targets, evaluated on train and on test with
the trainer's own loss, checked against torch and against the presets' data."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.analysis.recurrent_series import no_memory_loss
from core.data import build_dataset
from core.presets import load_preset
from core.training.losses import mean_loss


def test_regression_baseline_is_the_train_mean_evaluated_by_the_trainers_loss():
    rng = np.random.default_rng(1)
    y_tr = rng.normal(1.0, 0.4, (200, 1)).astype(np.float32)
    y_te = rng.normal(1.3, 0.3, (70, 1)).astype(np.float32)     # shifted: test ≠ var(y_test)
    train, test = no_memory_loss(y_tr, y_te, classification=False)
    mu = float(y_tr.astype(np.float64).mean())

    def mse(y, c):
        return float(mean_loss(torch.full(y.shape, c, dtype=torch.float64),
                               torch.from_numpy(y.astype(np.float64)), "mse"))

    assert train == pytest.approx(mse(y_tr, mu), rel=1e-12)
    assert test == pytest.approx(mse(y_te, mu), rel=1e-12)
    # The training mean is the best constant on the training set (fitted there)...
    assert all(mse(y_tr, mu + d) > train for d in (-0.05, -0.01, 0.01, 0.05))
    # ...and the test loss is not the test variance: the means differ by about 0.3.
    assert test > float(y_te.astype(np.float64).var()) + 0.05


def test_classification_baseline_is_the_train_class_frequencies():
    rng = np.random.default_rng(2)
    y_tr = rng.choice(4, size=(300, 3), p=[0.4, 0.3, 0.2, 0.1])
    y_te = rng.choice(4, size=(90, 3), p=[0.25, 0.25, 0.25, 0.25])
    train, test = no_memory_loss(y_tr, y_te, classification=True, n_classes=4)
    p = np.bincount(y_tr.ravel(), minlength=4) / y_tr.size
    logits = torch.log(torch.from_numpy(p))

    def ce(y):
        y = torch.from_numpy(y)
        return float(mean_loss(logits.expand(*y.shape, 4), y, "cross_entropy"))

    assert train == pytest.approx(ce(y_tr), rel=1e-12)
    assert test == pytest.approx(ce(y_te), rel=1e-12)
    assert train < np.log(4) < test       # imbalanced train: below chance; balanced test: above
    # A class the training set never shows: the constant predictor gives it probability 0.
    assert no_memory_loss(np.zeros((5, 1), int), np.ones((2, 1), int), True, 2)[1] == np.inf


@pytest.mark.parametrize("name", ["rnn_vanishing", "rnn_long_delay", "rnn_exploding"])
def test_adding_presets_no_memory_loss_on_their_data(name):
    cfg = load_preset(name).config
    ds = build_dataset(cfg.data, cfg.seed)
    train, test = no_memory_loss(ds.y_train, ds.y_test, ds.is_classification, ds.n_outputs)
    y_tr, y_te = ds.y_train.astype(np.float64), ds.y_test.astype(np.float64)
    assert train == pytest.approx(y_tr.var(), rel=1e-12)
    assert test == pytest.approx(((y_te - y_tr.mean()) ** 2).mean(), rel=1e-12)
    # The sum of two U[0, 1] values has variance 1/6: both splits near it.
    assert 0.12 < train < 0.21 and 0.12 < test < 0.21
