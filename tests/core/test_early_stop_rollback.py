"""Early stopping rolls the network back to the weights of its best evaluation: checked against
a second run stopped by hand at that step, through a lowered patience, a raised one, and
sessions saved before and after the stop (and files from before the roll-back existed)."""

import math

import pytest
import torch

from core.errors import SessionError
from core.presets import config_from_partial
from core.sessions import load_session, save_session
from core.training.history import History
from core.training.snapshot import session_from_trainer, trainer_from_session
from core.training.trainer import Trainer


def overfitting(patience: int):
    """30 noisy spiral points and a 3-layer ReLU net: the test loss falls, then climbs."""
    return config_from_partial({
        "data": {"name": "spirals", "n_train": 30, "n_test": 200, "noise": 0.3},
        "model": {"depth": 3, "width": 64, "activation": "relu", "norm": "batch"},
        "init": {"scheme": "he_normal"},
        "optim": {"name": "adam", "lr": 0.01, "batch_size": 16},
        "train": {"eval_every": 5, "early_stop": patience}})


def same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_the_stop_leaves_the_weights_of_the_best_step_as_a_run_stopped_there_has_them():
    """Batch norm is on, so its running statistics (refreshed before each evaluation) must
    come back too: the restored net's test loss is the best one, to the last bit."""
    tr = Trainer(overfitting(3))
    recs = list(tr.steps(400))
    stop = recs[-1].early_stop
    assert stop is not None and stop.restored and stop.best_step < stop.step
    assert tr.stopped == stop and tr.rolled_back == stop.best_step
    ref = Trainer(overfitting(0))
    list(ref.steps(stop.best_step))
    ref.refresh_batchnorm()
    assert same_weights(tr.model.state_dict(), ref.model.state_dict())
    assert tr.evaluate(tr.x_test, tr.y_test)[0] == stop.best_test_loss
    assert "rolled back to the weights of step" in stop.summary()


def test_a_lowered_patience_ends_the_run_and_rolls_back_without_a_step():
    tr = Trainer(overfitting(0))
    list(tr.steps(300))
    best = tr.early.best_step
    assert tr.early.since >= 2 and best < tr.step_count
    tr.set_hyper(early_stop=2)
    assert tr.stopped is not None and tr.stopped.restored and tr.rolled_back == best
    assert same_weights(tr.model.state_dict(), tr.best_weights[1])


def test_a_raised_patience_goes_on_from_the_best_weights():
    tr = Trainer(overfitting(2))
    list(tr.steps(400))
    assert same_weights(tr.model.state_dict(), tr.best_weights[1])
    best = {k: v.clone() for k, v in tr.model.state_dict().items()}
    tr.set_hyper(early_stop=50)
    assert tr.stopped is None
    first = next(tr.steps(1))
    assert math.isfinite(first.loss) and first.step == tr.step_count
    assert tr.rolled_back is None                      # the step moved the weights on
    assert not torch.equal(tr.model.linears[1].weight, best["linears.1.weight"])


@pytest.mark.parametrize("save_after", [False, True])
def test_sessions_keep_the_best_weights(tmp_path, save_after):
    """Saved mid-run (after the best evaluation) or after the stop, the resumed run ends
    with the same weights as the uninterrupted one."""
    straight = Trainer(overfitting(3))
    recs = list(straight.steps(400))
    stop = recs[-1].early_stop
    tr = Trainer(overfitting(3))
    hist = History()
    hist.extend(tr.steps(stop.step if save_after else stop.best_step + 5))
    save_session(tmp_path / "s.gradlab", session_from_trainer(tr, hist))
    back = trainer_from_session(load_session(tmp_path / "s.gradlab"))
    list(back.steps(400))
    assert back.stopped == stop
    assert same_weights(back.model.state_dict(), straight.model.state_dict())


def test_a_session_from_before_the_roll_back_says_the_best_weights_were_not_kept(tmp_path):
    """Files written before best.npz existed resume, and the stop says what the net holds."""
    tr = Trainer(overfitting(3))
    stop = list(tr.steps(400))[-1].early_stop
    tr2 = Trainer(overfitting(3))
    hist = History()
    hist.extend(tr2.steps(stop.best_step + 5))
    data = session_from_trainer(tr2, hist)
    data.meta.pop("best_step"), data.meta.pop("rolled_back")
    old = type(data)(**{**data.__dict__, "best_weights": None})
    save_session(tmp_path / "old.gradlab", old)
    back = trainer_from_session(load_session(tmp_path / "old.gradlab"))
    list(back.steps(400))
    assert back.stopped.step == stop.step and not back.stopped.restored
    assert f"the weights of step {stop.best_step} were not kept" in back.stopped.summary()


@pytest.mark.parametrize(("meta", "message"), [
    ({"best_step": "10"}, r"best_step '10' is not a step of the run"),
    ({"best_step": 10**9}, r"best_step 1000000000 is not a step of the run"),
    ({"rolled_back": True}, r"rolled_back True is not a step of the run"),
    ({"best_step": None}, r"best weights \(best\.npz\) but no best_step"),
])
def test_bad_best_step_meta_is_refused_by_name(tmp_path, meta, message):
    tr = Trainer(overfitting(3))
    hist = History()
    hist.extend(tr.steps(20))
    data = session_from_trainer(tr, hist)
    data.meta.update(meta)
    save_session(tmp_path / "bad.gradlab", data)
    with pytest.raises(SessionError, match=message):
        trainer_from_session(load_session(tmp_path / "bad.gradlab"))


def test_best_weights_that_do_not_fit_the_network_are_refused(tmp_path):
    tr = Trainer(overfitting(3))
    hist = History()
    hist.extend(tr.steps(20))
    data = session_from_trainer(tr, hist)
    data.best_weights["linears.1.weight"] = torch.zeros(3, 3)
    save_session(tmp_path / "bad.gradlab", data)
    with pytest.raises(SessionError, match=r"'linears\.1\.weight' has shape \(3, 3\)"):
        trainer_from_session(load_session(tmp_path / "bad.gradlab"))
