"""The Recurrent lab: the ρ slider and the eigenvalue preview, presets in the controls, every
plot filled by a short run, the ρ₀ᵀ⁻ᵗ line, the gates (and training opening them), the
RNN vs LSTM vs GRU comparison (and its Cancel), divergence, and a clean close."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest


def rnn_config(**changes):
    """A tiny recurrent net: trains a step in a few milliseconds."""
    from core.presets import config_from_partial

    cfg = config_from_partial({
        "seed": 0, "device": "cpu",
        "model": {"kind": "rnn", "width": 8, "activation": "linear"},
        "data": {"name": "adding", "seq_len": 12, "n_train": 64, "n_test": 32},
        "init": {"scheme": "orthogonal", "spectral_radius": 0.9},
        "optim": {"name": "adam", "lr": 0.01, "batch_size": 32},
        "train": {"eval_every": 5}})
    for k, v in changes.items():
        cfg = cfg.with_value(k, v)
    return cfg


@pytest.fixture
def open_lab(make_window, qtbot):
    """open_lab(cfg, start=True) → (window, recurrent lab), the lab shown before the first build."""

    def make(cfg=None, start=True):
        win = make_window(cfg or rnn_config(), start=False)
        assert win.show_lab("recurrent")
        lab = win.labs["recurrent"]
        if start:
            with qtbot.waitSignal(win.controller.run_started, timeout=60000):
                win.start()
            qtbot.waitUntil(lambda: len(win.controller.history) >= 1, timeout=30000)
        return win, lab

    return make


def redraw(win, lab):
    for p in lab.panels():
        p.dirty = True
    lab.refresh(win.controller.history, force_range=True)


# Underscore or caret notation in what a student reads: h_t, f_t, h_(t−1), h_0, σ_max, ρ^(T−t)
# (identifiers such as W_hh, train.eval_every or CSV headers are not math notation).
UNDERSCORE_MATH = re.compile(r"[A-Za-zσλñ]_(t\b|\(|max\b|0\b|T\b)|\^\(")


def visible_texts(lab) -> list[str]:
    """Everything the lab shows as text: titles and their choices, keys, notes and their
    tooltips, axis titles, the lesson card."""
    texts = [lab.lesson.heading.text(), lab.lesson.body.text()]
    for p in lab.panels():
        texts += [p.shown_title(), p.note.text(), p.note.toolTip()]
        if getattr(p, "key_row", None) is not None:
            texts.append(p.key_row.text())
        box = getattr(p, "title_choice", None)
        if box is not None:
            texts += [box.itemText(i) for i in range(box.count())] + [box.toolTip()]
        for item in p.plot_items():
            texts += [item.getAxis(side).labelText for side in ("left", "bottom")]
    return texts


def assert_subscripts(lab) -> None:
    bad = [t for t in visible_texts(lab) if UNDERSCORE_MATH.search(t)]
    assert not bad, bad


def eig_radius(lab) -> float:
    x, y = lab.spectrum.current.getData()
    assert len(x) > 0
    return float(np.max(np.hypot(x, y)))


def test_rho_slider_moves_the_eigenvalues_before_any_training(open_lab, qtbot):
    win, lab = open_lab(rnn_config(**{"model.width": 16}), start=False)
    assert win.controller.info is None                     # no network built, no step taken
    qtbot.waitUntil(lambda: lab.spectrum.spec is not None, timeout=60000)
    redraw(win, lab)
    assert eig_radius(lab) == pytest.approx(0.9, abs=1e-6)
    # Fine steps near 1, coarse far away; the range is 0.1–3 (0 = the scheme's own radius).
    vals = lab.rho.values
    assert vals[0] == 0 and vals[1] == pytest.approx(0.1) and vals[-1] == pytest.approx(3.0)
    near = np.diff([v for v in vals if 0.95 <= v <= 1.05])
    assert near.max() <= 0.002 + 1e-12 and np.diff([v for v in vals if v >= 2]).min() >= 0.1 - 1e-12
    before = lab.spectrum.current.getData()[0].copy()
    for rho in (1.3, 0.998, 2.5):
        lab.rho.slider.setValue(lab.rho.position_of(rho))   # as a drag would: no waiting below
        assert win.state.config.init.spectral_radius == pytest.approx(rho)
        redraw(win, lab)
        assert eig_radius(lab) == pytest.approx(rho, abs=1e-6)
        assert "preview" in lab.spectrum.note.text()
    assert not np.allclose(lab.spectrum.current.getData()[0], before)
    # The unit circle is drawn, the ρ circle follows the slider.
    ux, uy = lab.spectrum.unit.getData()
    assert np.allclose(np.hypot(ux, uy), 1.0)
    rx, ry = lab.spectrum.rho_circle.getData()
    assert np.allclose(np.hypot(rx, ry), 2.5)
    # Singular values beside them: orthogonal W at radius 2.5 has every σ = 2.5.
    assert np.allclose(lab.spectrum.sv_points.getData()[1], 2.5)
    assert win.controller.step_count == 0


def test_recurrent_presets_load_into_the_controls(open_lab, qtbot):
    from core.presets import load_preset, preset_names

    win, lab = open_lab(start=False)
    names = [n for n in preset_names() if load_preset(n).lab == "recurrent"]
    assert len(names) >= 6
    w = lab.controls_panel.widgets
    for name in names:
        p = load_preset(name)
        assert win.load_preset(name)
        cfg = p.config
        assert win.current_lab() is lab
        assert win.state.config == cfg
        assert w["model.kind"].currentData() == cfg.model.kind
        assert w["model.activation"].currentData() == cfg.model.activation
        assert w["init.scheme"].currentData() == cfg.init.scheme
        assert "not available" not in w["init.scheme"].currentText()
        assert lab.rho.value() == pytest.approx(cfg.init.spectral_radius)
        assert w["data.seq_len"].value() == cfg.data.seq_len
        assert w["init.forget_bias"].value() == pytest.approx(cfg.init.forget_bias)
        assert w["optim.lr"].value() == pytest.approx(cfg.optim.lr)
        assert w["optim.clip_norm"].value() == pytest.approx(cfg.optim.clip_norm)
        assert lab.lesson.heading.text() == p.title


def test_short_run_fills_the_plots_and_the_linear_prediction_is_rho_power(open_lab, qtbot):
    win, lab = open_lab()
    c = win.controller
    T = 12
    # The spectrum panel reads "Step 0" from the cached preview before the training thread's
    # first snapshot arrives; the step gains come only with that snapshot, so wait for it.
    qtbot.waitUntil(lambda: lab.spectrum.label == "Step 0", timeout=30000)
    qtbot.waitUntil(lambda: lab.gates.jac_data is not None, timeout=30000)
    assert lab.gates.gates_step == 0
    redraw(win, lab)
    # Step 0, linear RNN with W_hh = 0.9·orthogonal: measured ‖∂L/∂h_t‖ lies on ρᵀ⁻ᵗ.
    t, y = lab.grad_time.measured.getData()
    tp, yp = lab.grad_time.prediction.getData()
    assert len(t) == T and np.array_equal(t, tp)
    g, pred = 10 ** y, 10 ** yp                           # log axis: the items hold log10
    np.testing.assert_allclose(pred, g[-1] * 0.9 ** (T - t), rtol=1e-6)
    np.testing.assert_allclose(g, pred, rtol=1e-4)
    assert "exact" in lab.grad_time.note.text()
    # Linear RNN, orthogonal W_hh: every step's gain is exactly ρ (rms = ρ·rms(φ′), φ′ = 1).
    np.testing.assert_allclose(lab.gates.jac.getData()[1], 0.9, rtol=1e-5)
    c.step(10)
    qtbot.waitUntil(lambda: c.step_count == 10, timeout=30000)
    qtbot.waitUntil(lambda: lab.spectrum.label == "Step 10", timeout=30000)
    redraw(win, lab)
    t, y = lab.grad_time.measured.getData()
    assert len(t) == T and np.all(np.isfinite(y))
    # After training the line is still the theory for the network as initialized: slope
    # ρ₀ = 0.9, through the gradient shown at the last step (not the step-0 probe's, which
    # reads other examples), so the current curve's departure from it is the lesson.
    gt = lab.grad_time
    assert gt.rho0 == pytest.approx(0.9, abs=1e-6)
    ti, _ = gt.initial.getData()
    tp, yp = gt.prediction.getData()
    assert len(ti) == T and np.array_equal(ti, tp)           # step 0 for comparison
    np.testing.assert_allclose(10 ** yp, 10 ** y[-1] * 0.9 ** (T - tp), rtol=1e-6)
    assert "ρ₀ᵀ⁻ᵗ" in gt.key_row.text()
    # The note gives the current ρ of the W_hh the gradients went through (the one measured
    # nearest to 9 updates: step 10's backward pass runs before its update) beside ρ₀.
    rho, k = gt.radius_for(10)
    assert gt.rho == rho and k >= 1 and rho != pytest.approx(0.9, abs=1e-6)
    from desktop_app.plots.rnn_spectrum import rho_text

    note = getattr(gt.note, "full_text", "") or gt.note.text()
    assert f"ρ = {rho_text(rho)} now (ρ₀ = 0.9)" in note
    # …and says the line is exact for step 0 only: W_hh has left the orthogonal group.
    assert "the line is exact." not in note and "exact for step 0" in note
    assert gt.radii[10] == pytest.approx(eig_radius(lab), rel=1e-12)
    img = lab.heatmap.image.image
    assert img is not None and img.shape == (11, T) and np.isfinite(img).all()
    x, y = lab.loss.batch.getData()
    assert len(x) == 11 and np.all(np.isfinite(y))
    assert len(lab.loss.test.getData()[0]) >= 2
    assert not lab.loss.bottom.isVisible()                    # adding is a regression
    # ... and the loss plot then takes the accuracy row's room too.
    assert lab.loss.top.geometry().height() > 0.9 * lab.loss.view.ci.geometry().height()
    assert lab.spectrum.spec0 is not None                     # hollow: where λ started
    assert len(lab.spectrum.initial.getData()[0]) == 8
    for p in lab.panels():
        assert p.csv_table()[1], p.title
    # An RNN has no gates: that panel shows the step gain ‖∂h_t/∂h_(t−1)‖ for t = 2..T.
    assert not lab.gates.image.isVisible() and "Step gain" in lab.gates.title_label.text()
    x, y = lab.gates.jac.getData()
    assert np.array_equal(x, np.arange(2, T + 1)) and np.all(y > 0)
    assert_subscripts(lab)                    # hₜ, σₘₐₓ, not h_t, σ_max


def test_every_plot_exports_png_svg_and_csv(open_lab, qtbot, tmp_path):
    from desktop_app.plots.export import export_panel

    win, lab = open_lab(rnn_config(**{"model.kind": "gru", "init.spectral_radius": 1.0}))
    qtbot.waitUntil(lambda: lab.gates.gates is not None and lab.spectrum.spec is not None,
                    timeout=30000)
    redraw(win, lab)
    for p in lab.panels():
        paths = export_panel(p, str(tmp_path / p.key))
        assert [path.rsplit(".", 1)[1] for path in paths] == ["png", "svg", "csv"]
        lines = Path(paths[2]).read_text(encoding="utf-8").splitlines()
        assert len(lines) >= 2 and lines[0], p.key
    assert "Update gate" in lab.gates.title_label.text()


def _dataset(win):
    from core.data import build_dataset

    cfg = win.state.config
    return build_dataset(cfg.data, cfg.seed)


def test_copy_task_shows_accuracy_and_clipped_steps(open_lab, qtbot):
    win, lab = open_lab()                                   # the adding problem: no accuracy
    c = win.controller
    assert lab.loss.bottom not in lab.loss.view.ci.items
    assert lab.loss.shown_title() == "Loss"                 # no accuracy: not in the title
    # No memory: the training targets' mean, scored on train and on test (independently here).
    ds = _dataset(win)
    y_tr, y_te = ds.y_train.astype(np.float64), ds.y_test.astype(np.float64)
    want_train, want_test = y_tr.var(), np.mean((y_te - y_tr.mean()) ** 2)
    assert want_test != pytest.approx(y_te.var(), rel=1e-6)  # the split's means differ
    redraw(win, lab)
    loss = lab.loss
    assert loss.baseline.isVisible() and loss.baseline_test.isVisible()
    assert loss.baseline.value() == pytest.approx(math.log10(want_train), rel=1e-9)   # log axis
    assert loss.baseline_test.value() == pytest.approx(math.log10(want_test), rel=1e-9)
    assert {"no memory, train", "no memory, test"} <= set(
        label for _, _, label in loss.key_row.entries)
    from desktop_app.plots.clean import fmt

    assert f"No memory: train {fmt(want_train)}, test {fmt(want_test)}." in loss.note.text()
    with qtbot.waitSignal(c.run_started, timeout=30000):
        assert win.state.set_values({"model.activation": "tanh", "data.name": "copy",
                                     "data.copy_symbols": 2, "optim.clip_norm": 0.01})
    qtbot.waitUntil(lambda: len(c.history) >= 1, timeout=30000)
    c.step(6)
    qtbot.waitUntil(lambda: c.step_count == 6, timeout=30000)
    redraw(win, lab)
    assert lab.loss.bottom.isVisible() and lab.loss.bottom in lab.loss.view.ci.items
    assert lab.loss.shown_title() == "Loss and accuracy"
    # Copy: the training symbols' frequencies p, as cross-entropy on train and on test.
    ds = _dataset(win)
    p = np.bincount(ds.y_train.ravel(), minlength=ds.n_outputs) / ds.y_train.size
    assert lab.loss.baseline.value() == pytest.approx(
        math.log10(-np.sum(p * np.log(p))), rel=1e-9)
    assert lab.loss.baseline_test.value() == pytest.approx(
        math.log10(-np.mean(np.log(p[ds.y_test.ravel()]))), rel=1e-9)
    assert len(lab.loss.test_acc.getData()[0]) >= 1
    assert "Clipped steps: 6 of 6" in lab.loss.note.text()
    # Copy reads the last k = 2 steps: the prediction is anchored at t = T − 2.
    tp, _ = lab.grad_time.prediction.getData()
    assert tp.max() == 11                                    # t = T − k + 1


def test_lstm_gates_heatmap_and_open_versus_default_forget_gate(open_lab, qtbot):
    cfg = rnn_config(**{"model.kind": "lstm", "init.scheme": "xavier_normal",
                        "init.spectral_radius": 0.0, "init.forget_bias": 3.0,
                        "data.seq_len": 60, "model.width": 16})
    win, lab = open_lab(cfg)
    c = win.controller
    qtbot.waitUntil(lambda: lab.gates.gates is not None, timeout=30000)
    redraw(win, lab)
    img = lab.gates.image.image
    assert img.shape == (60, 16) and np.all((img > 0) & (img < 1))
    assert img.mean() > 0.9                                    # σ(3) ≈ 0.95: open
    assert len(lab.gates.mean.getData()[0]) == 1
    _, p90 = lab.gates.pct_hi.getData()                      # percentiles over batch × units
    _, p10 = lab.gates.pct_lo.getData()
    assert len(p90) == 1 and 0.9 < p10[0] <= p90[0] < 1
    assert "Forget gate fₜ" in lab.gates.title_label.text()
    assert "mean fₜ" in lab.gates.key_row.text()
    assert_subscripts(lab)
    assert not lab.grad_time.prediction.isVisible()           # no ρ₀ᵀ⁻ᵗ for gated units
    assert "gates change it" in lab.grad_time.note.text()
    open_ratio = lab.grad_time.ratio
    # The default LSTM (forget bias 0, f ≈ 0.5) vanishes at initialization too.
    with qtbot.waitSignal(c.run_started, timeout=30000):
        win.state.set_value("init.forget_bias", 0.0)
    qtbot.waitUntil(lambda: len(c.history) >= 1 and lab.gates.gates is not None, timeout=30000)
    redraw(win, lab)
    closed_ratio = lab.grad_time.ratio
    assert open_ratio > 1e-2 and closed_ratio < 1e-5 and open_ratio > 1e4 * closed_ratio
    assert 0.4 < lab.gates.image.image.mean() < 0.6


def test_training_opens_the_forget_gate_on_a_delay_task(open_lab, qtbot):
    cfg = rnn_config(**{"model.kind": "lstm", "model.width": 16, "init.scheme": "xavier_normal",
                        "init.spectral_radius": 0.0, "data.name": "copy", "data.copy_symbols": 2,
                        "data.n_train": 256, "train.eval_every": 1000})
    win, lab = open_lab(cfg)
    c = win.controller
    c.step(100)
    qtbot.waitUntil(lambda: c.step_count == 100, timeout=60000)
    redraw(win, lab)
    _, mean_f = lab.gates.mean.getData()
    assert len(mean_f) == 101
    assert 0.4 < mean_f[:5].mean() < 0.6 and mean_f[-10:].mean() > mean_f[:5].mean() + 0.1


def test_compare_gives_three_curves_and_can_be_cancelled(open_lab, qtbot):
    win, lab = open_lab(rnn_config(**{"model.activation": "tanh", "train.eval_every": 2}),
                        start=False)
    cmp_ = lab.compare
    with qtbot.waitSignal(cmp_.state_changed, timeout=60000,
                          check_params_cb=lambda on: not on):
        assert cmp_.start(steps=6)
    assert lab.loss.mode == "compare"
    assert [cv.kind for cv in cmp_.result] == ["rnn", "lstm", "gru"]
    assert all(len(cv.steps) == 6 and cv.done and not cv.error for cv in cmp_.result)
    redraw(win, lab)
    for kind in ("rnn", "lstm", "gru"):
        x, y = lab.loss.kind_test[kind].getData()
        assert {2, 4, 6} <= set(x.astype(int)) and np.all(np.isfinite(y))   # every eval_every
        assert len(lab.loss.kind_batch[kind].getData()[0]) == 6
    assert {row[0] for row in lab.loss.csv_table()[1]} == {"rnn", "lstm", "gru"}
    assert "RNN" in lab.loss.key_row.text() and "GRU" in lab.loss.key_row.text()
    # The comparison's curves are test losses: no training-set no-memory line beside them.
    assert not lab.loss.baseline.isVisible()
    assert "no memory, train" not in lab.loss.key_row.text()
    # A long comparison: the GUI keeps running while it trains, Cancel stops it within a step.
    assert cmp_.start(steps=100_000)
    qtbot.waitUntil(lambda: bool(cmp_.result) and len(cmp_.result[0].steps) > 5, timeout=30000)
    ticks = []
    from PySide6.QtCore import QTimer

    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    qtbot.wait(200)
    timer.stop()
    assert len(ticks) >= 5                                  # the event loop was not blocked
    with qtbot.waitSignal(cmp_.state_changed, timeout=30000):
        cmp_.button.click()                                 # the button reads "Cancel" now
    assert not cmp_.running and cmp_.progress.format() == "cancelled"
    assert len(cmp_.result) == 1 and not cmp_.result[0].done


def test_exploding_preset_shows_the_banner_and_reset_recovers(open_lab, qtbot):
    win, lab = open_lab()
    c = win.controller
    with qtbot.waitSignal(c.run_started, timeout=30000):
        win.load_preset("rnn_exploding")
    # The loss panel shows the RNN·LSTM·GRU comparison while the run diverges.
    lab.loss.mode_box.setCurrentIndex(lab.loss.mode_box.findData("compare"))
    with qtbot.waitSignal(c.diverged, timeout=30000) as sig:
        c.play()
    div = sig.args[0]
    qtbot.waitUntil(lambda: not c.running, timeout=30000)
    assert lab.banner.isVisible() and f"step {div.step}" in lab.banner.title.text()
    lab.loss.mode_box.setCurrentIndex(lab.loss.mode_box.findData("run"))
    redraw(win, lab)                                      # nothing breaks on Inf/NaN
    assert lab.heatmap.div_line is not None and lab.heatmap.div_line.value() == div.step
    assert lab.loss.div_lines and lab.loss.div_lines[0][1].value() == div.step
    # Through the comparison view and back, the marker stays.
    for mode in ("compare", "run"):
        lab.loss.mode_box.setCurrentIndex(lab.loss.mode_box.findData(mode))
        redraw(win, lab)
        assert lab.loss.div_lines[0][1].isVisible() == (mode == "run")   # on the loss plot
    assert lab.loss.div_lines[0][1].value() == div.step
    assert f"diverged at step {div.step}" in lab.grad_time.note.text()
    t, y = lab.grad_time.measured.getData()
    assert len(t) and np.all(np.isfinite(y))              # the last finite profile
    # Its ρ₀ᵀ⁻ᵗ line is the step-0 W_hh's (1.1) through the shown gradient, which it matches
    # exactly: the shown gradients went through that same W_hh (no update yet). (Through the
    # step-0 probe's curve it sat 4× below the shown one: that probe reads other examples.)
    assert lab.grad_time.rho0 == pytest.approx(1.1, abs=1e-6)
    np.testing.assert_allclose(lab.grad_time.prediction.getData()[1],
                               lab.grad_time.measured.getData()[1], atol=1e-5)
    # The app keeps responding: a Reset gives a fresh run at step 0 without the banner.
    with qtbot.waitSignal(c.run_started, timeout=30000):
        win.act_reset.trigger()
    qtbot.waitUntil(lambda: len(c.history) == 1, timeout=30000)
    assert not lab.banner.isVisible() and c.step_count == 0
    redraw(win, lab)
    assert lab.heatmap.div_line is None
    # The new run's eigenvalues, never the diverged run's (they come from the preview cache
    # at once, or with the first snapshot: until then the panel is empty, not stale).
    def new_eigenvalues():
        redraw(win, lab)
        x, _ = lab.spectrum.current.getData()
        return x is not None and len(x) > 0 and eig_radius(lab) == pytest.approx(1.1, abs=1e-6)

    qtbot.waitUntil(new_eigenvalues, timeout=30000)


def test_closing_mid_run_leaves_no_running_thread(open_lab, qtbot):
    win, lab = open_lab()
    c = win.controller
    c.play()
    qtbot.waitUntil(lambda: c.step_count >= 3, timeout=30000)
    assert lab.compare.start(steps=100_000)
    qtbot.waitUntil(lambda: bool(lab.compare.result), timeout=30000)
    compare_thread = lab.compare.thread
    assert lab.threads_running()          # the app would leave with os._exit if still so
    win.close()
    assert not c.thread.isRunning()
    assert not compare_thread.isRunning()
    assert not lab.preview_thread.isRunning()
    assert not lab.threads_running()
    assert math.isfinite(c.step_count)
