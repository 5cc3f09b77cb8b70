"""The decision-boundary panel's second view: the input gradient along a line (shattering)."""

from __future__ import annotations

import numpy as np

from core.analysis.shattered import shattering
from core.sessions import load_session
from core.training.snapshot import trainer_from_session
from tests.desktop_app.conftest import small_config


def _gradient_view(win, qtbot):
    lab = win.current_lab()
    panel = lab.boundary
    panel.mode_box.setCurrentIndex(panel.mode_box.findData("shatter"))
    qtbot.waitUntil(lambda: panel.gradient.result is not None, timeout=30000)
    return lab, panel


def test_the_view_shows_the_trainers_input_gradient(make_window, qtbot, tmp_path):
    win = make_window(small_config(**{"model.activation": "relu", "init.scheme": "he_normal"}))
    lab, panel = _gradient_view(win, qtbot)
    assert [t.name for t in lab.tasks()] == ["input_gradient"]    # the boundary is not computed
    assert panel.gradient_view.isVisible() and not panel.boundary_view.isVisible()
    c = win.controller
    c.step(3)
    qtbot.waitUntil(lambda: panel.gradient.result is not None
                    and panel.gradient.result[0] == 3, timeout=30000)
    step, shown = panel.gradient.result
    # The same weights, saved to a session file and measured again in this thread.
    path, errors = str(tmp_path / "run.gradlab"), []
    c.save_session(path, lambda err, _step: errors.append(err))
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=30000)
    assert errors == [""] or errors == [None]
    expected = shattering(trainer_from_session(load_session(path)))
    np.testing.assert_allclose(shown.grad, expected.grad, rtol=1e-5, atol=1e-7)
    lab.refresh(c.history, force_range=True)
    x, y = panel.gradient.curve.getData()
    np.testing.assert_allclose(y, shown.grad, rtol=1e-6)
    assert panel.note.full_text.startswith("r₁ = ")
    assert "x₁" in panel.gradient.plot.getAxis("bottom").labelText
    assert "input gradient" in panel.key_row.text()
    header, rows = panel.csv_table()
    assert header[0] == "t" and header[-1] == "dy_dt" and len(rows) == len(shown.t)


def test_switching_back_restores_the_boundary(make_window, qtbot):
    win = make_window()
    lab, panel = _gradient_view(win, qtbot)
    panel.mode_box.setCurrentIndex(panel.mode_box.findData("boundary"))
    assert [t.name for t in lab.tasks()] == ["boundary"]
    assert panel.boundary_view.isVisible() and not panel.gradient_view.isVisible()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=30000)
    assert "train" in panel.key_row.text()


def test_a_preset_chooses_the_view_its_lesson_needs(make_window, qtbot):
    win = make_window(backend="process")     # the app's default: the result crosses processes
    panel = win.current_lab().boundary
    assert panel.mode == "boundary"
    assert win.load_preset("shattered_gradients_plain")
    assert panel.mode == "shatter" and panel.gradient_view.isVisible()
    qtbot.waitUntil(lambda: panel.gradient.result is not None, timeout=30000)
    assert win.load_preset("vanishing_sigmoid")          # no view: the decision boundary
    assert panel.mode == "boundary" and panel.boundary_view.isVisible()


def test_a_vanishing_gradient_fills_the_plot_height(make_window, qtbot):
    """A vanishing sigmoid net's input gradient (~10⁻¹⁷) was drawn flat at 0 on a ±5 × 10⁻¹³
    axis (span's absolute least height): the axis now follows the values' own size."""
    from core.analysis.shattered import Shattering
    from desktop_app.plots.input_gradient import y_range

    win = make_window()
    lab, panel = _gradient_view(win, qtbot)
    t = np.linspace(-2.0, 2.0, 64)
    grad = -1e-17 * (1.0 + 0.5 * np.sin(t))
    panel.gradient.result = (7, Shattering(t=t, grad=grad, acf=np.array([1.0, 0.98]),
                                           origin=np.zeros(2), direction=np.array([1.0, 0.0]),
                                           output="the logit margin z₁ − z₀"))
    panel.gradient.draw(rerange=True)
    lo, hi = panel.gradient.plot.viewRange()[1]
    assert lo < grad.min() and hi >= 0.0
    assert hi - lo < 1e-16                       # the curve spans most of the height
    assert y_range(np.zeros(5)) == (-1.0, 1.0)
    assert y_range(np.array([np.nan, np.inf])) == (-1.0, 1.0)


def test_axis_titles_have_the_themes_size_and_colour(make_window, qtbot):
    """The titles were set after the theme had styled the (then untitled) axes and kept
    pyqtgraph's default: small and grey, tiny in presentation mode."""
    win = make_window()
    _lab, panel = _gradient_view(win, qtbot)
    t = panel.theme
    for side in ("left", "bottom"):
        style = panel.gradient.plot.getAxis(side).labelStyle
        assert style.get("font-size") == f"{t.tick_pt + 1:g}pt", side
        assert style.get("color") == t.fg, side


def test_a_narrow_title_drops_the_parenthesis_not_the_word(make_window, qtbot):
    """At 1920 × 1080 in presentation mode the title read "Input gradient ∂y/∂x₁ (sh…"."""
    win = make_window()
    _lab, panel = _gradient_view(win, qtbot)
    box = panel.mode_box
    full, fm = box.currentText(), box.fontMetrics()
    assert box.shown_text(fm.horizontalAdvance(full) + 1) == full
    short = "Input gradient ∂y/∂x₁"
    assert box.shown_text(fm.horizontalAdvance(full) - 10) == short
    assert box.shown_text(fm.horizontalAdvance(short) // 2).endswith("…")


def test_r1_keeps_two_decimals():
    """0.903 was shown as "r₁ = 0.9 …: smooth", the very threshold between the verdicts."""
    from desktop_app.plots.input_gradient import r1_text

    assert r1_text(0.903) == "0.90" and r1_text(0.987) == "0.99"
    assert r1_text(-0.05) == "−0.05" and r1_text(float("nan")) == "—"
