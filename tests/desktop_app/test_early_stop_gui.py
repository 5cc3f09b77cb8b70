"""Deep network lab: the augmentation and early-stopping controls, the best-test-loss marker,
and what the window says when early stopping ends a run (and when Play is pressed after)."""

from __future__ import annotations

import math

import numpy as np

from tests.desktop_app.conftest import small_config


def overfitting(patience: int):
    """The core tests' fixture: a net that memorises 30 noisy spiral points."""
    return small_config(**{"data.name": "spirals", "data.n_train": 30, "data.n_test": 200,
                           "data.noise": 0.3, "model.depth": 3, "model.width": 64,
                           "model.activation": "relu", "init.scheme": "he_normal",
                           "optim.name": "adam", "optim.lr": 0.01, "optim.batch_size": 16,
                           "train.eval_every": 5, "train.early_stop": patience})


def play_until_early_stop(win, qtbot):
    """Press Play and wait until early stopping has ended the run; the EarlyStop."""
    c = win.controller
    with qtbot.waitSignal(c.early_stopped, timeout=30000) as sig:
        win.act_play.trigger()
    qtbot.waitUntil(lambda: not c.running, timeout=30000)
    return sig.args[0]


def hand_best_and_stop(steps, test_loss, patience):
    """(step of the lowest test loss, step where patience ran out or None), by a plain loop."""
    best, best_step, since, stop = math.inf, None, 0, None
    for s, v in zip(steps, test_loss, strict=True):
        if not math.isfinite(v):
            continue
        if v < best:
            best, best_step, since = v, int(s), 0
        else:
            since += 1
        if stop is None and patience and since >= patience:
            stop = int(s)
    return best_step, stop


def test_controls_set_the_keys_with_leftmost_off(make_window, qtbot):
    win = make_window(start=False)
    panel = win.labs["deep"].controls_panel
    noise = panel.widgets["data.augment_noise"]
    assert noise.minimum() == 0.0 and noise.value() == 0.0            # leftmost = off
    noise.setValue(0.3)
    assert win.state.config.data.augment_noise == 0.3
    patience = panel.widgets["train.early_stop"]
    assert patience.edit.text() == "0 (off)" and patience.slider.value() == 0
    patience.slider.setValue(patience.position_of(8))
    assert win.state.config.train.early_stop == 8
    patience.slider.setValue(0)
    assert win.state.config.train.early_stop == 0
    win.state.set_value("train.early_stop", 5)                        # a preset's value: exact
    assert patience.value() == 5 and patience.edit.text() == "5"


def test_best_marker_sits_at_the_lowest_test_loss(make_window, qtbot):
    win = make_window(overfitting(0))
    c, lab = win.controller, win.labs["deep"]
    c.step(60)
    qtbot.waitUntil(lambda: c.step_count == 60, timeout=20000)
    lab.loss.dirty = True
    lab.refresh(c.history, force_range=True)
    steps, vl = c.history.column("step"), c.history.column("test_loss")
    want = int(steps[np.nanargmin(vl)])
    assert want == hand_best_and_stop(steps, vl, 0)[0]
    for _plot, line in lab.loss.best_lines:
        assert line.isVisible() and line.value() == want
    top = lab.loss.best_lines[0][1]
    assert top.label.toPlainText() == f"best test loss, step {want}"
    assert "Early stopping" not in lab.loss.note.full_text


def test_early_stop_pauses_says_so_and_play_explains(make_window, qtbot):
    win = make_window(overfitting(2))
    c, lab = win.controller, win.labs["deep"]
    stop = play_until_early_stop(win, qtbot)
    steps, vl = c.history.column("step"), c.history.column("test_loss")
    best, when = hand_best_and_stop(steps, vl, 2)
    assert stop.step == when == c.step_count and stop.best_step == best and stop.restored
    assert "Early stopping ended the run at step" in win.status_text     # full; a narrow
    assert "the net is rolled back to it" in win.status_text             # bar: short form
    assert not win.statusBar().currentMessage().startswith("⚠")
    assert not lab.banner.isVisible()                        # good news: no red banner
    lab.loss.dirty = True
    lab.refresh(c.history, force_range=True)
    assert lab.loss.note.full_text.startswith(
        f"Early stopping ended the run at step {when} and rolled the net back to step {best}: "
        "no lower test loss in 2 evaluations")
    assert lab.loss.best_lines[0][1].value() == best
    # The boundary is drawn from the net rolled back to the best step, and says so.
    qtbot.waitUntil(lambda: lab.boundary.result is not None and lab.boundary.result.rolled_back,
                    timeout=20000)
    assert lab.boundary.result.step == best
    lab.boundary.dirty = True
    lab.refresh(c.history, force_range=True)
    assert lab.boundary.note.full_text == (f"Model output at step {best}: early stopping rolled "
                                           "the net back to it.")
    # Play now does nothing, and says why and how to go on.
    win.act_play.trigger()
    qtbot.wait(200)
    assert not c.running and c.step_count == when
    msg = win.statusBar().currentMessage()
    assert "raise Early stop patience" in msg and "Reset" in msg and not msg.startswith("⚠")
    # Raising the patience lets it go on, from the same network.
    gen = c.gen
    win.state.set_value("train.early_stop", 100)
    c.step(5)
    qtbot.waitUntil(lambda: c.step_count == when + 5, timeout=30000)
    assert c.gen == gen
    lab.loss.dirty = True
    lab.refresh(c.history, force_range=True)
    assert "Early stopping" not in lab.loss.note.full_text


def test_best_label_fits_beside_its_line_and_leaves_a_diverged_run(make_window, qtbot):
    """In a narrow panel "best test loss, step 140" ran past the plot's left edge; on a
    diverged run the label lay over the divergence marker's."""
    win = make_window(overfitting(0))
    c, lab = win.controller, win.labs["deep"]
    c.step(60)
    qtbot.waitUntil(lambda: c.step_count == 60, timeout=20000)
    loss = lab.loss
    for width in (1800, 900):
        win.resize(width, 800)
        qtbot.wait(50)
        loss.dirty = True
        lab.refresh(c.history, force_range=True)
        label = loss.best_lines[0][1].label
        box = loss.top.getViewBox().sceneBoundingRect()
        text = label.mapRectToScene(label.boundingRect())
        assert box.left() - 1 <= text.left() and text.right() <= box.right() + 1, \
            (width, label.toPlainText())
        assert label.toPlainText().startswith("best")
    loss.mark_divergence(55)
    lab.refresh(c.history, force_range=True)
    assert not any(line.isVisible() for _plot, line in loss.best_lines)
    assert "green line" not in loss.note.detail


def test_loss_key_says_the_batch_loss_is_on_noisy_copies(make_window, qtbot):
    """With augmentation the faint batch curve is the loss on the noisy copies (train and
    test are on the clean data): the key said just "batch"."""
    win = make_window(start=False)
    loss = win.labs["deep"].loss
    assert "batch (noisy)" not in loss.key_row.text()
    win.labs["deep"].controls_panel.widgets["data.augment_noise"].setValue(0.3)
    assert "batch (noisy)" in loss.key_row.text()
    win.state.set_value("data.augment_noise", 0.0)
    assert "batch (noisy)" not in loss.key_row.text() and "batch" in loss.key_row.text()


def test_the_landscape_labs_loss_caption_follows_a_live_patience(make_window, qtbot):
    """The Landscape lab shows the same run (it accepts the Deep lab's networks) with its own
    loss plot, whose patience was set only when a run started: after the patience was raised
    in the Deep lab and the run went on, its caption still said early stopping had ended it."""
    win = make_window(overfitting(2))
    c = win.controller
    with qtbot.waitSignal(c.early_stopped, timeout=30000) as sig:
        win.act_play.trigger()
    qtbot.waitUntil(lambda: not c.running, timeout=30000)
    when = sig.args[0].step
    win.state.set_value("train.early_stop", 100)        # the Deep lab's control: live
    c.step(5)
    qtbot.waitUntil(lambda: c.step_count == when + 5, timeout=30000)
    assert win.show_lab("landscape") and win.controller.gen == c.gen     # same run, no rebuild
    lab = win.labs["landscape"]
    lab.loss.dirty = True
    lab.refresh(c.history, force_range=True)
    assert "Early stopping" not in lab.loss.note.full_text
    win.state.set_value("train.early_stop", 1)          # and back down: it says so again
    lab.loss.dirty = True
    lab.refresh(c.history, force_range=True)
    assert lab.loss.note.full_text.startswith("Early stopping ended the run")
    win.state.set_value("data.augment_noise", 0.3)     # its key follows the noise as well
    assert "noisy" in lab.loss.key_row.text()


def test_best_marker_waits_until_the_test_loss_stops_improving(make_window, qtbot):
    """While the newest evaluation is the best, the marker would sit on the curves' end and
    move with every evaluation: it is drawn once the test loss has not improved."""
    win = make_window(overfitting(0))
    c, lab = win.controller, win.labs["deep"]
    shown, hidden = [], []
    for _ in range(12):
        target = c.step_count + 5
        c.step(5)
        qtbot.waitUntil(lambda t=target: c.step_count == t and c.history.last.step == t,
                        timeout=20000)
        lab.loss.dirty = True
        lab.refresh(c.history, force_range=True)
        steps, vl = c.history.column("step"), c.history.column("test_loss")
        evaluated = np.isfinite(vl)
        best = int(steps[evaluated][np.argmin(vl[evaluated])])
        newest = int(steps[evaluated][-1])
        visible = lab.loss.best_lines[0][1].isVisible()
        assert visible == (best < newest), (best, newest)
        (shown if visible else hidden).append(newest)
    assert shown and hidden                     # both cases were seen


def test_the_recurrent_snapshot_names_the_step_it_was_rolled_back_to():
    """The Recurrent lab's spectrum and gates come from the rolled-back W_hh: its label says so."""
    from core.presets import config_from_partial
    from core.training.trainer import Trainer
    from desktop_app.plots.rnn_task import recurrent_snapshot

    cfg = config_from_partial({
        "model": {"kind": "rnn", "width": 16},
        "data": {"name": "adding", "seq_len": 10, "n_train": 64, "n_test": 64},
        "optim": {"name": "adam", "lr": 0.05}, "train": {"eval_every": 2, "early_stop": 1}})
    tr = Trainer(cfg)
    list(tr.steps(500))
    stop = tr.stopped
    assert stop is not None and stop.restored
    snap = recurrent_snapshot(tr)
    assert snap.step == stop.step and snap.rolled_back == stop.best_step
