"""The loss panel's key lists only what is drawn: a run whose whole-set loss is not finite
(exploding_init) drew no train/test loss and no gap, and its key listed them."""

from __future__ import annotations

from tests.desktop_app.conftest import small_config


def _exploding():
    return small_config(**{"model.depth": 30, "model.width": 64, "model.activation": "relu",
                           "init.scheme": "normal", "init.scale": 5.0, "optim.lr": 0.1,
                           "train.eval_every": 1})


def _n(item) -> int:
    x = item.getData()[0]
    return 0 if x is None else len(x)


def test_a_non_finite_whole_set_loss_leaves_train_test_and_gap_out_of_the_key(make_window, qtbot):
    win = make_window(_exploding())
    c, panel = win.controller, win.labs["deep"].loss
    if c.history.divergence is None:
        with qtbot.waitSignal(c.diverged, timeout=30000):
            c.play()
    qtbot.waitUntil(lambda: not c.running, timeout=30000)
    panel.dirty = True
    panel.refresh(c.history, force_range=True)
    assert _n(panel.train) + _n(panel.test) == 0      # what the key must not claim
    names = panel.key_row.text()
    assert "gap" not in names and "train test" not in names
    assert names.startswith("batch")
    if _n(panel.train_acc):        # accuracies drawn: named as such
        assert "train acc." in names and "test acc." in names
    # A fresh run that trains normally lists everything again.
    win.state.set_value("init.scale", 1.0)
    with qtbot.waitSignal(c.run_started, timeout=30000):
        win.labs["deep"].banner.reset_button.click()
    c.step(3)
    qtbot.waitUntil(lambda: c.step_count == 3, timeout=30000)
    panel.dirty = True
    panel.refresh(c.history, force_range=True)
    assert panel.key_row.text() == "batch train test gap"
