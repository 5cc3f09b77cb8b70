"""A session's history.npz with nonsense in a column (a complex loss, a step of -3 or 2.5, steps
out of order, an accuracy of 7, ...) is refused on load with a message naming the column, as
the weights and the batch order already are; nothing is coerced silently."""

import io
import json
import os
import zipfile

import numpy as np
import pytest
import torch
from torch import nn

from core.config import ExperimentConfig
from core.errors import SessionError
from core.sessions import SessionData, load_session, save_session
from core.training.history import History
from core.training.record import StepRecord


def _history() -> History:
    h = History()
    for s in range(0, 4):                   # step 0: the probe at initialization
        probed = s % 2 == 0
        arrays = {"grad_h": np.array([1.0, 2.0]), "dead": np.zeros(2)} if probed else {}
        h.append(StepRecord(step=s, loss=1 / (s + 1), train_acc=0.5, lr=0.1, grad_norm=2.0,
                            clipped=False, finite=True, probed=probed, **arrays))
    h.append(StepRecord(step=4, loss=np.inf, train_acc=np.nan, lr=0.1, grad_norm=np.inf,
                        clipped=True, finite=False))
    return h


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    path = tmp_path / "run.gradlab"
    save_session(path, SessionData(config=ExperimentConfig().with_value("model.depth", 1),
                                   model_state=model.state_dict(), optim_state=opt.state_dict(),
                                   history=_history(), rng_state={}, meta={}))
    return path


def _arrays(path) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(path) as z:
        raw = z.read("history.npz")
    with np.load(io.BytesIO(raw), allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def _with(saved, dst, **change):
    arrays = {**_arrays(saved), **change}
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    with zipfile.ZipFile(saved) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = buf.getvalue() if info.filename == "history.npz" else zin.read(info)
            zout.writestr(info.filename, data)
    return dst


def test_the_untouched_file_loads(saved, tmp_path):
    back = load_session(_with(saved, tmp_path / "same.gradlab"))
    assert back.history.column("step").tolist() == [0, 1, 2, 3, 4]
    assert back.history.column("loss")[-1] == np.inf      # a diverged step's loss is data


BAD = {
    "complex loss": ("loss", lambda a: a.astype(complex) + 1j, ["'loss'", "complex"]),
    "complex accuracy": ("train_acc", lambda a: a.astype(complex), ["'train_acc'", "complex"]),
    "negative loss": ("loss", lambda a: a - 5, ["'loss'", "negative"]),
    "loss of -inf": ("loss", lambda a: np.where(np.arange(len(a)) == 1, -np.inf, a),
                     ["'loss'", "negative"]),
    "accuracy above 1": ("train_acc", lambda a: a * 14, ["'train_acc'", "0 to 1"]),
    "negative test accuracy": ("test_acc", lambda a: np.full_like(a, -0.5), ["'test_acc'"]),
    "negative step": ("step", lambda a: a - 3, ["'step'", "negative"]),
    "non-integer step": ("step", lambda a: a + 0.5, ["'step'", "whole"]),
    "integral float step": ("step", lambda a: a.astype(float), ["'step'", "whole"]),
    "bool step": ("step", lambda a: a > 0, ["'step'", "whole"]),
    "steps not increasing": ("step", lambda a: a[::-1].copy(), ["'step'", "increas"]),
    "repeated step": ("step", lambda a: np.array([0, 1, 1, 2, 3]), ["'step'", "increas"]),
    "negative grad_norm": ("grad_norm", lambda a: -a, ["'grad_norm'", "negative"]),
    "NaN lr": ("lr", lambda a: np.full_like(a, np.nan), ["'lr'"]),
    "negative lr": ("lr", lambda a: -a, ["'lr'"]),
    "flag of 2": ("clipped", lambda a: a.astype(np.int64) + 2, ["'clipped'", "true/false"]),
    "float flag": ("finite", lambda a: a.astype(float), ["'finite'", "true/false"]),
    "complex per-layer values": ("grad_h", lambda a: a.astype(complex), ["'grad_h'", "complex"]),
    "bool per-layer values": ("dead", lambda a: a > 0, ["'dead'"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_nonsense_in_a_column_is_refused_naming_it(saved, tmp_path, case):
    column, change, words = BAD[case]
    path = _with(saved, tmp_path / "bad.gradlab", **{column: change(_arrays(saved)[column])})
    with pytest.raises(SessionError) as e:
        load_session(path)
    msg = str(e.value)
    assert os.fspath(path) in msg and "history.npz" in msg, msg
    for w in words:
        assert w in msg, msg


def test_integer_and_zero_one_columns_that_mean_the_same_still_load(saved, tmp_path):
    a = _arrays(saved)
    path = _with(saved, tmp_path / "ok.gradlab", step=a["step"].astype(np.int32),
                 clipped=a["clipped"].astype(np.uint8), lr=np.full(len(a["lr"]), 1))
    back = load_session(path)
    assert back.history.column("step").tolist() == [0, 1, 2, 3, 4]
    assert back.history.column("clipped").tolist() == [0, 0, 0, 0, 1]


def _divergences(**item):
    base = {"row": 4, "step": 4, "where": "loss", "layer": None, "layer_name": None,
            "message": "NaN.", "cause": "lr", "advice": "lower"}
    return np.frombuffer(json.dumps([{**base, **item}]).encode(), dtype=np.uint8).copy()


@pytest.mark.parametrize("item,words", [
    ({}, None),
    ({"step": "4"}, ["'divergences'", "step '4'"]),
    ({"step": -1}, ["'divergences'", "step -1"]),
    ({"where": "kitchen"}, ["'divergences'", "kitchen"]),
    ({"layer": 1.5}, ["'divergences'", "layer 1.5"]),
    ({"message": 3}, ["'divergences'", "message"]),
])
def test_divergences_must_say_where_in_words(saved, tmp_path, item, words):
    path = _with(saved, tmp_path / "d.gradlab", divergences=_divergences(**item))
    if words is None:
        assert load_session(path).history.divergence.step == 4
        return
    with pytest.raises(SessionError) as e:
        load_session(path)
    for w in words:
        assert w in str(e.value), str(e.value)
