"""Early stopping's roll-back as the window shows it: the landscape lab centres on the rolled-back
net and names its step, and the loss caption claims only what is true."""

from __future__ import annotations

from tests.desktop_app.test_early_stop_gui import overfitting, play_until_early_stop

FAST = {"resolution": 11, "subset": 64}


def open_landscape(make_window, qtbot, cfg):
    win = make_window(cfg)
    lab = win.labs["landscape"]
    lab.set_settings(**FAST)
    assert win.show_lab("landscape")
    qtbot.waitUntil(lambda: lab.frame is not None, timeout=30000)
    return win, lab


def test_a_live_lowered_patience_redraws_the_landscape_at_the_rolled_back_net(make_window,
                                                                             qtbot):
    """Lowering the patience while paused rolls the net back without a step: the landscape
    kept the frame of the last step's weights (its request key is the step), centred on a
    net the trainer no longer holds."""
    win, lab = open_landscape(make_window, qtbot, overfitting(0))
    c = win.controller
    c.step(60)
    qtbot.waitUntil(lambda: c.step_count == 60, timeout=30000)
    qtbot.waitUntil(lambda: lab.frame is not None and lab.frame.step == 60 and not lab.busy,
                    timeout=30000)
    before = lab.frame
    win.state.set_value("train.early_stop", 1)          # the run is over: it rolls back
    stop = c.early_stop()
    assert stop is not None and stop.best_step < 60
    qtbot.waitUntil(lambda: lab.frame is not before and not lab.busy, timeout=30000)
    assert lab.frame.step == stop.best_step
    assert lab.settle(timeout_s=5)
    lab.refresh(c.history, force_range=True)
    assert f"Step {stop.best_step}: " in lab.map.note.full_text
    assert "Step 60" not in lab.map.note.full_text


def test_the_landscape_of_an_early_stopped_run_names_the_best_step_and_settles(make_window,
                                                                               qtbot):
    """Its caption said 'Step <last>' about the net of the best step, and the screenshot's
    wait must still end."""
    win, lab = open_landscape(make_window, qtbot, overfitting(2))
    stop = play_until_early_stop(win, qtbot)
    assert stop.restored and stop.best_step < stop.step
    assert lab.settle(timeout_s=20)
    assert lab.frame.step == stop.best_step
    assert lab.readout.report is None or lab.readout.report.step == stop.best_step


def test_the_loss_tooltip_names_only_the_panels_that_show_the_rolled_back_net(make_window,
                                                                              qtbot):
    """It said 'the boundary and the other panels now show step N's net', but the gradient and
    activation panels are measured at every step: they still show the last one."""
    win = make_window(overfitting(2))
    c, lab = win.controller, win.labs["deep"]
    stop = play_until_early_stop(win, qtbot)
    lab.loss.dirty = True
    lab.refresh(c.history, force_range=True)
    detail = lab.loss.note.detail
    assert "the other panels now show" not in detail
    assert f"the gradient and activation panels show step {stop.step}'s measurements" in detail
    assert lab.activations.note.full_text.startswith(f"Step {stop.step}")


def test_a_diverged_run_is_not_said_to_be_early_stopped_or_rolled_back(make_window, qtbot):
    """A patience lowered after a divergence ends nothing (the trainer keeps the diverged
    net): the loss caption said early stopping had ended the run and rolled the net back."""
    win = make_window(overfitting(0))
    c, lab = win.controller, win.labs["deep"]
    c.step(60)
    qtbot.waitUntil(lambda: c.step_count == 60, timeout=30000)
    lab.loss.mark_divergence(58)              # as a run that overflowed at step 58 shows it
    lab.loss.set_patience(1)
    lab.loss.dirty = True
    lab.refresh(c.history, force_range=True)
    assert "Early stopping" not in lab.loss.note.full_text
    assert "rolled" not in lab.loss.note.detail


def test_the_gate_panel_says_its_net_is_rolled_back(qtbot):
    """The spectrum said 'Step 130, rolled back to step 100'; the gate panel, drawn from the
    same snapshot of the same rolled-back net, said 'Step 130: …% of unit-steps open'."""
    import numpy as np

    from core.training.history import History
    from desktop_app.plots.rnn_gates import RnnGatePlot
    from desktop_app.plots.rnn_task import RecurrentSnapshot
    from desktop_app.theme import Theme

    p = RnnGatePlot(Theme())
    qtbot.addWidget(p)
    p.kind = "lstm"
    p._mode()
    gates = np.full((8, 4), 0.95)
    p.set_snapshot(RecurrentSnapshot(130, "lstm", None, gates, "forget gate", None,
                                     np.array([0.9, 0.99]), rolled_back=100))
    p.draw(History(), rerange=True)
    assert p.note.full_text.startswith("Step 130, rolled back to step 100: 100% of unit-steps")
    p.kind = "rnn"
    p._mode()
    p.set_snapshot(RecurrentSnapshot(130, "rnn", None, None, "", np.array([0.5, 0.6]),
                                     rolled_back=100))
    p.draw(History(), rerange=True)
    assert p.note.full_text.startswith("Step 130, rolled back to step 100: gain")
    p.set_snapshot(RecurrentSnapshot(131, "rnn", None, None, "", np.array([0.5, 0.6])))
    p.draw(History(), rerange=True)
    assert p.note.full_text.startswith("Step 131: gain")


def test_a_patience_lowered_in_the_window_says_the_run_ended_and_rolled_back(make_window, qtbot):
    """No step record carries this stop: the status bar said nothing, and the caption could
    only guess whether the net was rolled back."""
    win = make_window(overfitting(0))
    c, lab = win.controller, win.labs["deep"]
    c.step(80)
    qtbot.waitUntil(lambda: c.step_count == 80, timeout=30000)
    with qtbot.waitSignal(c.early_stopped, timeout=30000) as sig:
        win.state.set_value("train.early_stop", 1)
    stop = sig.args[0]
    assert stop.restored and stop.best_step < 80 and stop.step == 80
    assert "the net is rolled back to it" in win.status_text
    lab.loss.dirty = True
    lab.refresh(c.history, force_range=True)
    assert lab.loss.note.full_text.startswith(
        f"Early stopping ended the run at step 80 and rolled the net back to step "
        f"{stop.best_step}: ")


def test_a_session_without_best_weights_is_not_said_to_roll_back(make_window, qtbot, tmp_path):
    """A file from before the roll-back (no best.npz) resumed and stopped early keeps its last
    weights: the caption said it had rolled the net back."""
    from core.sessions import save_session
    from core.training.history import History
    from core.training.snapshot import session_from_trainer
    from core.training.trainer import Trainer

    cfg = overfitting(0)
    tr = Trainer(cfg)
    hist = History()
    hist.extend([tr.probe()])
    hist.extend(tr.steps(80))
    data = session_from_trainer(tr, hist)
    data.meta.pop("best_step"), data.meta.pop("rolled_back")
    save_session(tmp_path / "old.gradlab", type(data)(**{**data.__dict__, "best_weights": None}))
    win = make_window(cfg)
    c, lab = win.controller, win.labs["deep"]
    with qtbot.waitSignal(win.sessions.opened, timeout=30000):
        win.sessions.open(str(tmp_path / "old.gradlab"))
    with qtbot.waitSignal(c.early_stopped, timeout=30000) as sig:
        win.state.set_value("train.early_stop", 1)
    stop = sig.args[0]
    assert not stop.restored
    assert "its weights were not kept" in win.status_text
    lab.loss.dirty = True
    lab.refresh(c.history, force_range=True)
    assert lab.loss.note.full_text.startswith(
        "Early stopping ended the run at step 80: no lower test loss")
    assert f"The weights of step {stop.best_step} were not kept" in lab.loss.note.detail


def test_the_landscape_settles_when_the_patience_is_raised_without_a_step(make_window, qtbot):
    """The net is still the rolled-back one until the next step, but no stop is reported any
    more: settling waited for a snapshot of the last step that the trainer no longer holds."""
    win, lab = open_landscape(make_window, qtbot, overfitting(2))
    c = win.controller
    stop = play_until_early_stop(win, qtbot)
    assert lab.settle(timeout_s=20) and lab.frame.step == stop.best_step
    win.state.set_value("train.early_stop", 100)
    assert c.early_stop() is None
    assert lab.settle(timeout_s=20)
    assert lab.frame.step == stop.best_step and lab.loss.rolled_back == stop.best_step


def test_a_rolled_back_snapshot_is_logged_at_its_own_step_or_not_at_all(make_window, qtbot):
    """The step-gain and gate logs over training, and ρ per step for the ‖∂L/∂hₜ‖ note, took
    the rolled-back net (step 20's) as the last step's (40): a false point at 40, and the
    note's "ρ now" beside step 40's gradients was step 20's."""
    import numpy as np
    import pytest

    from desktop_app.plots.rnn_task import RecurrentSnapshot, Spectrum

    win = make_window(start=False)
    lab = win.labs["recurrent"]
    p = lab.gates
    p.kind = "rnn"
    p._mode()

    def spec(rho):
        return Spectrum(rho, np.array([rho]), np.array([0.0]), np.array([rho]))

    for step, jac, rho in ((20, [0.5, 0.5], 1.1), (40, [0.8, 0.8], 1.3)):
        lab.on_task("recurrent", RecurrentSnapshot(step, "rnn", spec(rho), None, "",
                                                   np.array(jac)))
    lab.on_task("recurrent", RecurrentSnapshot(40, "rnn", spec(1.1), None, "",
                                               np.array([0.5, 0.5]), rolled_back=20))
    assert [r[0] for r in p.gain_log] == [20, 40]
    assert p.gain_log[-1][1] == pytest.approx(0.8)          # step 40's own gain kept
    assert p.jac_data.tolist() == [0.5, 0.5]                # the panel shows the net it has
    assert lab.grad_time.radii[40] == 1.3 and lab.grad_time.radii[20] == 1.1
    from core.training.history import History

    p.draw(History(), rerange=True)                         # its caption: that net's gain
    assert "rolled back to step 20: gain 0.5 per step" in p.note.full_text
    # A best step no snapshot saw while training is filed where it belongs.
    lab.on_task("recurrent", RecurrentSnapshot(40, "rnn", spec(1.0), None, "",
                                               np.array([0.6, 0.6]), rolled_back=30))
    assert [r[0] for r in p.gain_log] == [20, 30, 40]
    assert p.gain_log[1][1] == pytest.approx(0.6)
