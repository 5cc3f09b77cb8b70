"""Keys above the plots: they list what is drawn, in its colours, and no legend covers a plot."""

from __future__ import annotations

from tests.desktop_app.conftest import small_config


def _legends(panel):
    return [p.legend for p in panel.plot_items() if p.legend is not None and p.legend.items]


def test_deep_lab_keys_follow_the_view(make_window, qtbot):
    win = make_window()
    lab = win.current_lab()
    for p in (lab.grad, lab.activations, lab.loss, lab.boundary):
        assert not _legends(p), p.key           # the key is above the plot, not on it
    assert lab.grad.key_row.text() == "at the start mean-field prediction now (measured)"
    assert "median" in lab.activations.top_key.text()
    assert lab.loss.key_row.text() == "batch train test gap"
    assert lab.boundary.key_row.text() == "train test colour: class"
    lab.grad.mode_box.setCurrentIndex(lab.grad.mode_box.findData("over_time"))
    names = lab.grad.key_row.text().split()
    assert names and names == [lab.grad.layer_names[line.layer] for line in lab.grad.lines]
    lab.grad.mode_box.setCurrentIndex(lab.grad.mode_box.findData("grad_w"))
    assert "mean-field" not in lab.grad.key_row.text()       # the theory is for ∂L/∂h only


def test_keys_for_a_residual_net_and_1d_data(make_window, qtbot):
    win = make_window(small_config(**{"model.skip": "residual", "data.name": "sine"}))
    lab = win.current_lab()
    # No mean-field line for a residual net, so no key entry for it either.
    assert lab.grad.key_row.text() == "at the start now (measured)"
    assert lab.boundary.key_row.text() == "train test model output"
    win.set_theme("dark")        # the key is rebuilt in the theme's colours
    assert win.theme.fg in lab.boundary.key_row.label.text()
