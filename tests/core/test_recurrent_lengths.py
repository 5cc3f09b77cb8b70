"""Sequence lengths 5 to 500 for both tasks and every kind: the trainer steps and probes."""

from __future__ import annotations

import numpy as np
import pytest

from core.presets import config_from_partial
from core.training.trainer import Trainer


def _trainer(kind, task, seq_len):
    return Trainer(config_from_partial({
        "device": "cpu", "model": {"kind": kind, "width": 16},
        "data": {"name": task, "seq_len": seq_len, "copy_symbols": 2, "n_train": 16, "n_test": 8},
        "init": {"scheme": "orthogonal", "spectral_radius": 1.0},
        "optim": {"name": "adam", "lr": 1e-3, "batch_size": 16, "clip_norm": 1.0},
        "train": {"eval_every": 1}}))


@pytest.mark.parametrize("task", ["adding", "copy"])
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_shortest_sequences(kind, task):
    tr = _trainer(kind, task, 5)
    rec = tr.step()
    assert rec.finite and len(rec.grad_t) == 5
    assert (rec.gate_t is None) == (kind == "rnn")


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_five_hundred_steps_train(kind):
    """T = 500 trains and probes every step (its cost is in benchmarks/bench_recurrent.py)."""
    tr = _trainer(kind, "copy", 500)
    recs = [tr.step() for _ in range(2)]
    for rec in recs:
        assert rec.finite and len(rec.grad_t) == 500
        assert np.all(np.isfinite(rec.grad_t)) and np.all(rec.grad_t >= 0)
        assert np.isfinite(rec.test_loss)
    if kind != "rnn":
        assert len(recs[-1].gate_t) == 500
