"""Augmentation noise (data.augment_noise) and early stopping (train.early_stop): config,
the noise's size and seeding, clean evaluations, the stopping step against a hand computation,
live patience changes, and a session resumed mid-run stopping where an uninterrupted run does."""

import json
import math

import numpy as np
import pytest
import torch

from core.cli.main import main
from core.config import SCHEMA_VERSION, ExperimentConfig
from core.errors import ConfigError
from core.presets import config_from_partial
from core.sessions import load_session, save_session
from core.training.early_stop import EarlyStopper
from core.training.history import History
from core.training.losses import mean_loss
from core.training.snapshot import session_from_trainer, trainer_from_session
from core.training.trainer import Trainer


def overfitting(**train):
    """A net that memorises 30 noisy spiral points: its test loss falls, then climbs."""
    return config_from_partial({
        "data": {"name": "spirals", "n_train": 30, "n_test": 200, "noise": 0.3},
        "model": {"depth": 3, "width": 64, "activation": "relu"},
        "init": {"scheme": "he_normal"},
        "optim": {"name": "adam", "lr": 0.01, "batch_size": 16},
        "train": {"eval_every": 5, **train}})


def hand_stop(records, patience):
    """The first evaluation after which the test loss has not beaten its best for `patience`
    evaluations, computed directly: (stop step, best step, best loss) or None."""
    best, best_step, since = math.inf, None, 0
    for r in records:
        if math.isnan(r.test_loss):
            continue
        if r.test_loss < best:
            best, best_step, since = r.test_loss, r.step, 0
        else:
            since += 1
        if since >= patience:
            return r.step, best_step, best
    return None


# ---- config ----------------------------------------------------------------------------------
def test_new_keys_round_trip_exactly_and_old_files_load_with_them_off():
    cfg = ExperimentConfig().with_values({"data.augment_noise": "0.15", "train.early_stop": 7})
    text = json.dumps(cfg.to_dict())
    back = ExperimentConfig.from_dict(json.loads(text))
    assert back == cfg and json.dumps(back.to_dict()) == text
    assert back.data.augment_noise == 0.15 and back.train.early_stop == 7
    # A file written before the keys existed (same schema version; or version 1) loads: off.
    old = ExperimentConfig().to_dict()
    del old["data"]["augment_noise"], old["train"]["early_stop"]
    assert old["schema_version"] == SCHEMA_VERSION
    loaded = ExperimentConfig.from_dict(old)
    assert loaded.data.augment_noise == 0.0 and loaded.train.early_stop == 0
    v1 = ExperimentConfig.from_dict({"schema_version": 1, "init": {"sigma_w": 2.0},
                                     "train": {"eval_every": 5}})
    assert v1.train.early_stop == 0 and v1.data.augment_noise == 0.0


@pytest.mark.parametrize(("key", "value", "message"), [
    ("data.augment_noise", -0.1, r"data\.augment_noise: -0\.1 is out of range; allowed 0\.0 to 5\.0"),
    ("train.early_stop", 1001, r"train\.early_stop: 1001 is out of range; allowed 0 to 1000"),
    ("train.early_stop", 2.5, r"train\.early_stop: must be a whole number, got 2\.5"),
])
def test_out_of_range_values_are_named(key, value, message):
    with pytest.raises(ConfigError, match=message):
        ExperimentConfig().with_value(key, value)


def test_sequence_tasks_refuse_augmentation_noise_with_a_reason():
    seq = {"data.name": "copy", "model.kind": "lstm", "data.seq_len": 20}
    assert ExperimentConfig().with_values(seq).data.augment_noise == 0.0
    with pytest.raises(ConfigError, match=r"data\.augment_noise: 0\.2 is not allowed for the "
                                          r"sequence task 'copy' \(its inputs are symbols"):
        ExperimentConfig().with_values({**seq, "data.augment_noise": 0.2})


# ---- augmentation ------------------------------------------------------------------------------
def _noise(seed, sigma, n=4000):
    cfg = config_from_partial({"seed": seed, "data": {"name": "moons", "n_train": n,
                                                      "augment_noise": sigma},
                               "optim": {"batch_size": n}})
    tr = Trainer(cfg)
    xb, _ = tr._next_batch()       # full batch: the whole training set, noised
    return (xb - tr.x_train).numpy().astype(np.float64), tr


def test_noise_has_the_configured_std_and_is_fresh_each_step():
    eps, tr = _noise(seed=3, sigma=0.25)
    # 8 000 draws: the sample std is within 3 % of σ with probability ≫ 0.999 (σ/√(2n) ≈ 0.8 %)
    assert eps.std() == pytest.approx(0.25, rel=0.03)
    assert abs(eps.mean()) < 4 * 0.25 / math.sqrt(eps.size)
    again, _ = tr._next_batch()
    assert not torch.equal(again - tr.x_train, torch.as_tensor(eps, dtype=torch.float32))


def test_noise_is_reproducible_by_seed_and_off_at_zero():
    a, _ = _noise(seed=5, sigma=0.4)
    b, _ = _noise(seed=5, sigma=0.4)
    c, _ = _noise(seed=6, sigma=0.4)
    zero, _ = _noise(seed=5, sigma=0.0)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)
    assert not zero.any()


def test_evaluations_use_the_clean_data():
    cfg = overfitting().with_value("data.augment_noise", 2.0)
    tr = Trainer(cfg)
    clean = tr.dataset.x_train.copy()
    rec = list(tr.steps(5))[-1]                    # step 5 is an evaluation
    assert not math.isnan(rec.test_loss)
    tr.model.eval()
    with torch.no_grad():
        test = mean_loss(tr.model(tr.x_test), tr.y_test, tr.dataset.loss_kind).item()
        train = mean_loss(tr.model(tr.x_train), tr.y_train, tr.dataset.loss_kind).item()
        noisy = mean_loss(tr.model(tr.x_test + 2.0 * torch.randn(tr.x_test.shape)),
                          tr.y_test, tr.dataset.loss_kind).item()
    assert rec.test_loss == pytest.approx(test, rel=1e-6)
    assert rec.eval_train_loss == pytest.approx(train, rel=1e-6)
    assert abs(noisy - test) > 0.01 * test         # noise this large would have shown
    assert np.array_equal(tr.x_train.numpy(), clean)   # the stored set was never changed


# ---- early stopping ----------------------------------------------------------------------------
def test_stops_exactly_where_the_recorded_test_losses_say():
    free = list(Trainer(overfitting()).steps(400))
    for patience in (2, 4):
        want = hand_stop(free, patience)
        assert want is not None, "the fixture must overfit within 400 steps"
        tr = Trainer(overfitting(early_stop=patience))
        recs = list(tr.steps(400))
        stop_step, best_step, best = want
        assert recs[-1].step == stop_step
        assert [r.loss for r in recs] == [r.loss for r in free[:stop_step]]
        es = recs[-1].early_stop
        assert (es.step, es.best_step, es.best_test_loss, es.evaluations, es.patience) == \
            (stop_step, best_step, best, patience, patience)
        assert all(r.early_stop is None for r in recs[:-1])
        assert tr.stopped == es
        assert list(tr.steps(10)) == []
        with pytest.raises(RuntimeError, match=r"Early stopping ended the run at step "
                                               rf"{stop_step}.*Raise train\.early_stop"):
            tr.step()


def test_raising_the_patience_lets_the_run_go_on():
    tr = Trainer(overfitting(early_stop=2))
    recs = list(tr.steps(400))
    stopped_at = recs[-1].step
    tr.set_hyper(early_stop=50)
    assert tr.stopped is None
    more = list(tr.steps(10))
    assert more[0].step == stopped_at + 1 and len(more) == 10
    tr.set_hyper(early_stop=1)           # a patience already exceeded ends it at once
    assert tr.stopped is not None and list(tr.steps(5)) == []
    tr.set_hyper(early_stop=0)           # off
    assert len(list(tr.steps(5))) == 5


def test_replay_equals_the_incremental_state():
    losses = [3.0, 1.0, 1.5, 1.0, math.nan, math.inf, 0.5, 0.7, 0.7]
    steps = list(range(1, len(losses) + 1))
    inc = EarlyStopper()
    for s, v in zip(steps, losses, strict=True):
        inc.update(s, v)
    rep = EarlyStopper.replay(np.array(steps), np.array(losses))
    # the tie (1.0 at step 4) is no improvement; NaN and inf are not evaluations
    assert (rep.best_step, rep.best_loss, rep.since, rep.last_step) == (7, 0.5, 2, 9)
    assert (inc.best_step, inc.best_loss, inc.since, inc.last_step) == (7, 0.5, 2, 9)
    assert rep.stop(2) is not None and rep.stop(3) is None and rep.stop(0) is None


@pytest.mark.parametrize("sigma", [0.0, 0.3])
def test_a_session_resumed_mid_run_stops_at_the_same_step(tmp_path, sigma):
    cfg = overfitting(early_stop=3).with_value("data.augment_noise", sigma)
    straight = list(Trainer(cfg).steps(400))
    stop = straight[-1].step
    assert straight[-1].early_stop is not None and stop > 20
    # Save after an evaluation that did not improve, so the count since the best matters.
    free = [r for r in straight if not math.isnan(r.test_loss)]
    cut = next(r.step for i, r in enumerate(free[1:], 1)
               if r.test_loss >= min(x.test_loss for x in free[:i]))
    assert cut < stop
    tr = Trainer(cfg)
    hist = History()
    hist.extend(tr.steps(cut))
    save_session(tmp_path / "s.gradlab", session_from_trainer(tr, hist))
    back = trainer_from_session(load_session(tmp_path / "s.gradlab"))
    assert (back.early.best_step, back.early.since) == (tr.early.best_step, tr.early.since)
    resumed = list(back.steps(400))
    assert resumed[-1].step == stop
    assert [r.test_loss for r in resumed] == [r.test_loss for r in straight[cut:]]
    assert resumed[-1].early_stop == straight[-1].early_stop
    # Saved after the stop, the session opens stopped.
    hist.extend(resumed)
    save_session(tmp_path / "end.gradlab", session_from_trainer(back, hist))
    done = trainer_from_session(load_session(tmp_path / "end.gradlab"))
    assert done.stopped == straight[-1].early_stop and list(done.steps(5)) == []


def test_cli_run_says_why_it_stopped_early(tmp_path, capsys):
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(overfitting(early_stop=2).to_dict()))
    want = hand_stop(list(Trainer(overfitting()).steps(400)), 2)
    out_dir = tmp_path / "run"
    assert main(["run", "--config", str(path), "--steps", "400", "--out", str(out_dir)]) == 0
    out = capsys.readouterr().out
    lines = (out_dir / "metrics.jsonl").read_text().splitlines()
    assert json.loads(lines[-1])["early_stop"]["step"] == want[0] == len(lines)
    assert (f"Early stopping ended the run at step {want[0]}: the test loss has not "
            f"improved for 2 evaluations; its best, {want[2]:.4g}, was at step {want[1]}: "
            f"the network is rolled back to the weights of step {want[1]}.") in out
    assert json.loads(lines[-1])["early_stop"]["restored"] is True
    assert f"{400 - want[0]} of the 400 steps not taken" in out
