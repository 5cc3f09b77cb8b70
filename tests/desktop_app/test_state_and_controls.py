"""Controls and config stay in sync both ways; bad values are refused and undone."""

from __future__ import annotations

from superqt import QLabeledSlider

from desktop_app.state import ExperimentState, changed_keys
from tests.desktop_app.conftest import small_config


def test_state_set_value_and_reject(qtbot):
    state = ExperimentState(small_config())
    with qtbot.waitSignal(state.changed) as sig:
        assert state.set_value("model.depth", 9)
    cfg, keys = sig.args
    assert cfg.model.depth == 9 and keys == {"model.depth"}
    with qtbot.waitSignal(state.message) as msg, qtbot.waitSignal(state.rejected):
        assert not state.set_value("model.depth", 1000)
    assert "out of range" in msg.args[0]
    assert state.config.model.depth == 9


def test_changed_keys():
    a = small_config()
    assert changed_keys(a, a.with_value("optim.lr", 0.5)) == {"optim.lr"}


def _panel(qtbot):
    from desktop_app.labs.deep_lab import SECTIONS
    from desktop_app.widgets.controls_panel import ControlsPanel

    state = ExperimentState(small_config())
    panel = ControlsPanel(state, SECTIONS)
    qtbot.addWidget(panel)
    return state, panel


def test_controls_write_to_config(qtbot):
    state, panel = _panel(qtbot)
    depth = panel.widgets["model.depth"]
    assert isinstance(depth, QLabeledSlider)
    depth.setValue(12)
    assert state.config.model.depth == 12
    act = panel.widgets["model.activation"]
    act.setCurrentIndex(act.findData("relu"))
    assert state.config.model.activation == "relu"
    lr = panel.widgets["optim.lr"]
    lr.slider.setValue(lr.slider.maximum())
    assert state.config.optim.lr == 10.0
    clip = panel.widgets["optim.clip_norm"]
    clip.slider.setValue(0)
    assert state.config.optim.clip_norm == 0.0
    scale = panel.widgets["init.scale"]
    scale.setValue(2.5)
    assert abs(state.config.init.scale - 2.5) < 1e-9


def test_config_echoes_into_controls(qtbot):
    state, panel = _panel(qtbot)
    state.set_values({"model.depth": 33, "optim.lr": 0.003, "model.skip": "residual",
                      "optim.batch_size": 128, "init.scale": 1.75})
    assert panel.widgets["model.depth"].value() == 33
    assert panel.widgets["model.skip"].currentData() == "residual"
    assert abs(panel.widgets["optim.lr"].value() - 0.003) < 1e-12
    assert panel.widgets["optim.batch_size"].value() == 128
    assert abs(panel.widgets["init.scale"].value() - 1.75) < 1e-9
    # A value beyond the slider's usual span widens it instead of being clipped.
    state.set_value("init.scale", 7.5)
    assert panel.widgets["init.scale"].value() == 7.5
    state.set_values({"model.depth": 2, "model.width": 1000})
    assert panel.widgets["model.width"].value() == 1000


def test_refused_value_snaps_back(qtbot):
    state, panel = _panel(qtbot)
    lr = panel.widgets["optim.lr"]
    lr.edit.setText("50")          # out of range (max 10)
    lr.edit.editingFinished.emit()
    assert state.config.optim.lr == small_config().optim.lr
    assert abs(lr.value() - state.config.optim.lr) < 1e-12


def test_every_control_has_a_tooltip(qtbot):
    _, panel = _panel(qtbot)
    for key, w in panel.widgets.items():
        assert len(w.toolTip()) > 10, key
    assert "W ← W − η" in panel.widgets["optim.lr"].toolTip()


def test_presets_load_into_controls(make_window, qtbot):
    from core.presets import load_preset, preset_names

    win = make_window()
    panel = win.labs["deep"].controls_panel
    deep = [n for n in preset_names() if load_preset(n).lab == "deep"]
    assert deep, "no deep-lab presets shipped"
    for name in deep[:3]:
        p = load_preset(name)
        assert win.load_preset(name)            # controls follow at once, before the build
        assert win.state.config == p.config
        assert panel.widgets["model.depth"].value() == p.config.model.depth
        assert panel.widgets["model.activation"].currentData() == p.config.model.activation
        assert panel.widgets["init.scheme"].currentData() == p.config.init.scheme
        assert win.labs["deep"].lesson.heading.text() == p.title
    assert win.presets_menu.actions()
    qtbot.waitUntil(lambda: win.controller.info.config == p.config, timeout=60000)


def test_controls_the_config_ignores_are_greyed_out_with_a_reason(make_window):
    win = make_window(start=False)
    panel = win.current_lab().controls_panel
    mom = panel.widgets["optim.momentum"]
    win.state.set_value("optim.name", "sgd")
    assert not mom.isEnabled() and "No effect now" in mom.toolTip()
    win.state.set_value("optim.name", "momentum")
    assert mom.isEnabled() and "No effect now" not in mom.toolTip()
