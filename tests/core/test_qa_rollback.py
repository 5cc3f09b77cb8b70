"""Early stopping's roll-back at its edges: a diverged run, and best.npz files that no run
could have written (non-finite, another dtype)."""

import numpy as np
import pytest

from core.errors import SessionError
from core.presets import config_from_partial
from core.sessions import load_session, save_session
from core.training.history import History
from core.training.snapshot import session_from_trainer, trainer_from_session
from core.training.trainer import Trainer
from tests.core.test_early_stop_rollback import overfitting


def test_a_patience_lowered_after_divergence_neither_ends_nor_rolls_back_the_run():
    """The run ended by diverging, not by early stopping: lowering the patience afterwards
    loaded the best weights into the diverged net, and `stopped` called it an early stop
    (a session then said both diverged and early_stopped)."""
    cfg = config_from_partial({
        "data": {"name": "spirals", "n_train": 30, "n_test": 200, "noise": 0.3},
        "model": {"depth": 3, "width": 64, "activation": "relu"},
        "init": {"scheme": "he_normal"},
        "optim": {"name": "sgd", "lr": 0.05, "batch_size": 16},
        "train": {"eval_every": 5, "early_stop": 0}})
    tr = Trainer(cfg)
    list(tr.steps(100))
    assert tr.early.best_step < 100
    tr.set_hyper(lr=10.0)
    list(tr.steps(500))
    assert tr.diverged is not None
    before = {k: v.clone() for k, v in tr.model.state_dict().items()}
    tr.set_hyper(early_stop=1)
    assert tr.stopped is None and tr.rolled_back is None
    after = tr.model.state_dict()                     # the diverged net, as it was
    assert all(np.array_equal(before[k].numpy(), after[k].numpy(), equal_nan=True)
               for k in before)
    meta = session_from_trainer(tr, History()).meta
    assert meta["diverged"] and not meta["early_stopped"] and meta["rolled_back"] is None


def _saved(tmp_path, edit):
    tr = Trainer(overfitting(3))
    hist = History()
    hist.extend(tr.steps(20))
    data = session_from_trainer(tr, hist)
    edit(data.best_weights)
    save_session(tmp_path / "s.gradlab", data)
    return load_session(tmp_path / "s.gradlab")


def test_non_finite_best_weights_are_refused(tmp_path):
    """The best evaluation had a finite test loss: a NaN in best.npz is a damaged file, and
    rolling back to it would end the run on a net that outputs NaN."""
    def poison(best):
        best["linears.1.weight"][0, 0] = float("nan")

    with pytest.raises(SessionError, match=r"best\.npz.*not finite.*'linears\.1\.weight'"):
        trainer_from_session(_saved(tmp_path, poison))


def test_best_weights_of_another_float_dtype_take_the_networks(tmp_path):
    """float64 best weights were kept as float64 (twice the memory) and saved again so,
    unlike weights.npz, which takes the network's dtypes."""
    def widen(best):
        for k, v in best.items():
            if v.is_floating_point():
                best[k] = v.double()

    tr = trainer_from_session(_saved(tmp_path, widen))
    want = tr.model.state_dict()
    assert all(v.dtype == want[k].dtype for k, v in tr.best_weights[1].items())
    again = session_from_trainer(tr, History()).best_weights
    assert all(np.asarray(v).dtype == np.asarray(want[k].cpu()).dtype for k, v in again.items())


def test_session_info_says_the_weights_are_rolled_back(tmp_path, capsys):
    """`session info` printed 'step 130, loss …' and nothing about the stop, of a file whose
    weights are step 100's (it does say 'diverged' of a diverged run)."""
    import json

    from core.cli.main import main

    out = tmp_path / "es"
    assert main(["run", "--preset", "early_stopping", "--steps", "300", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["session", "info", str(out / "session.gradlab")]) == 0
    text = capsys.readouterr().out
    assert "early-stopped at step 130; weights rolled back to step 100" in text
    assert main(["session", "info", str(out / "session.gradlab"), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["early_stopped"] is True and info["rolled_back"] == 100


def test_a_reopened_diverged_session_stays_ended(tmp_path):
    """The divergence is in the history; the reopened trainer knew nothing of it, so a lowered
    patience rolled its net back (and `steps` trained a diverged net on)."""
    cfg = config_from_partial({
        "data": {"name": "spirals", "n_train": 30, "n_test": 200, "noise": 0.3},
        "model": {"depth": 3, "width": 64, "activation": "relu"},
        "init": {"scheme": "he_normal"},
        "optim": {"name": "sgd", "lr": 0.05, "batch_size": 16},
        "train": {"eval_every": 5}})
    tr = Trainer(cfg)
    hist = History()
    hist.extend(tr.steps(100))
    tr.set_hyper(lr=10.0)
    hist.extend(tr.steps(500))
    assert tr.diverged is not None and hist.divergence is not None
    save_session(tmp_path / "d.gradlab", session_from_trainer(tr, hist))
    back = trainer_from_session(load_session(tmp_path / "d.gradlab"))
    assert back.diverged == tr.diverged
    back.set_hyper(early_stop=1)
    assert back.stopped is None and back.rolled_back is None
    assert list(back.steps(5)) == []
