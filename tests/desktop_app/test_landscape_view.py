"""What the Landscape tab shows: nothing clipped at the tab's edge, a legend that lists only what
is drawn, a span box that equals the drawn half-width, and a colour scale that can be the same
for every run."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QGroupBox

from tests.desktop_app.test_landscape_lab import FAST, open_lab, wait_frame


def test_landscape_box_keeps_the_margin_of_the_sections_below(make_window, qtbot):
    win = make_window(start=False)
    lab = win.labs["landscape"]
    assert win.show_lab("landscape")
    box = lab.landscape_controls
    section = lab.controls_panel.findChildren(QGroupBox)[0]       # "Network"
    left = box.mapTo(lab.controls, QPoint(0, 0)).x()
    assert left > 0                                               # not on the tab's edge
    assert left == section.mapTo(lab.controls, QPoint(0, 0)).x()  # lined up with the others
    # The column is as wide as its widgets need (the base class sized it from hints taken
    # before the tab was shown, and the box's right edge was cut off).
    qtbot.waitUntil(lambda: lab.controls.width() >= lab.controls.minimumSizeHint().width(),
                    timeout=10000)
    # The whole box is inside the visible part of the scroll area.
    view = lab.controls_scroll.viewport()
    top_left = box.mapTo(view, QPoint(0, 0))
    assert top_left.x() > 0 and top_left.x() + box.width() <= view.width()


def inside_view(panel, item) -> bool:
    """The item's right edge is inside the panel's view (not cut off)."""
    right = item.mapToScene(item.boundingRect().topRight()).x()
    return right <= panel.view.width() + 0.5


def legend_labels(m) -> list[str]:
    return [label for _, _, label in m.key_row.entries]


def test_legend_lists_only_what_the_map_draws(make_window, qtbot):
    win, lab = open_lab(make_window, qtbot)
    m, c = lab.map, win.controller
    for n in (2, 4, 6):                           # a path of a few snapshots
        c.step(2)
        qtbot.waitUntil(lambda n=n: lab._snap is not None and lab._snap.step == n, timeout=30000)
    f = wait_frame(qtbot, lab, lambda f: f.step == 6 and f.kind == "filter")
    lab.refresh(c.history, force_range=True)
    # A random plane in hundreds of dimensions misses the path: it is not drawn, the legend
    # does not list it and the note says why.
    assert f.off_plane > 0.5 and len(f.traj_coords) >= 3
    assert m.path.getData()[0] is None or len(m.path.getData()[0]) == 0
    assert not len(m.start.data)
    assert legend_labels(m) == ["contour lines", "current weights θ"]
    assert "training path is not drawn" in m.note.text()
    # New directions: another random plane, the same (no path in the legend).
    lab.landscape_controls.new_button.click()
    wait_frame(qtbot, lab, lambda f: f.epoch == 1)
    lab.refresh(c.history, force_range=True)
    assert "training path (projected)" not in legend_labels(m)
    # The PCA plane holds the path: drawn, and listed.
    lab.set_settings(kind="pca")
    f = wait_frame(qtbot, lab, lambda f: f.kind == "pca")
    lab.refresh(c.history, force_range=True)
    assert len(m.path.getData()[0]) == len(f.traj_coords) >= 3
    assert legend_labels(m) == ["contour lines", "training path (projected)",
                                "start of the path", "current weights θ"]
    assert "training path is not drawn" not in m.note.text()
    # The colour bar is not pushed past the view's right edge, and the keys wrap inside their
    # panels rather than widen them.
    qtbot.waitUntil(lambda: inside_view(m, m.bar), timeout=10000)
    for p in (m, lab.slice):
        assert p.key_row.label.width() <= p.width()
    assert [label for _, _, label in lab.slice.key_row.entries] == list(f.lines)
    # A theme change keeps the legend to what is drawn.
    win.toggle_presentation(True)
    assert legend_labels(m) == ["contour lines", "training path (projected)",
                                "start of the path", "current weights θ"]
    win.toggle_presentation(False)
    # A new run clears the map: an empty legend until the first landscape arrives.
    m.new_run(c.info, c.history)
    assert legend_labels(m) == []


def type_span(lab, text: str) -> None:
    box = lab.landscape_controls.span.edit
    box.setText(text)
    box.editingFinished.emit()


def test_span_box_shows_the_half_width_the_map_is_drawn_with(make_window, qtbot):
    from desktop_app.plots.clean import fmt

    win = make_window()
    assert win.load_preset("landscape_saddle_zero_init")
    lab = win.labs["landscape"]
    lab.set_settings(**FAST)
    qtbot.waitUntil(lambda: win.controller.info.config.init.scheme == "zeros", timeout=30000)
    win.controller.step(3)
    f = wait_frame(qtbot, lab, lambda f: f.step == 3, timeout=30000)
    # Hessian directions (zero init): their own scale is not 1, so the half-width drawn is not
    # the worker's multiple; the box, the axes and the note all say the half-width.
    assert f.kind == "hessian" and f.scale != pytest.approx(1.0, rel=0.01)
    box = lab.landscape_controls.span
    assert box.value() == pytest.approx(f.span)
    assert box.edit.text() == f"{f.span:.3g}"
    assert f.alphas[-1] == pytest.approx(f.span) and f.betas[0] == pytest.approx(-f.span)
    lab.refresh(win.controller.history, force_range=True)
    assert f"±{fmt(f.span)}" in lab.map.note.text()
    x0, x1 = lab.map.plot.viewRange()[0]
    assert x0 < -f.span < f.span < x1 < 1.2 * f.span
    # A half-width typed in the box is the one drawn.
    type_span(lab, "0.5")
    g = wait_frame(qtbot, lab, lambda g: g.settings.span != f.settings.span)
    assert g.span == pytest.approx(0.5) and g.alphas[-1] == pytest.approx(0.5)
    assert box.value() == pytest.approx(0.5) and box.edit.text() == "0.5"
    # Typed 0 is not a map: the box goes back to what is drawn, nothing is requested.
    rid = lab.worker.latest
    type_span(lab, "0")
    assert box.value() == pytest.approx(0.5) and lab.worker.latest == rid


def test_span_typed_before_the_directions_scale_is_known_is_reached(make_window, qtbot):
    win, lab = open_lab(make_window, qtbot)
    win.controller.step(4)
    wait_frame(qtbot, lab, lambda f: f.step == 4)
    # Unnormalised directions: scale ‖θ‖/‖δ‖, unknown until they are made.
    lab.set_settings(kind="none")
    type_span(lab, "0.03")
    f = wait_frame(qtbot, lab, lambda f: f.kind == "none" and lab.span_target is None)
    assert f.scale != pytest.approx(1.0, rel=0.01)
    assert f.span == pytest.approx(0.03) and f.alphas[-1] == pytest.approx(0.03)
    assert lab.landscape_controls.span.value() == pytest.approx(0.03)


def test_colour_scale_is_the_same_for_every_run_unless_unticked(make_window, qtbot):
    from desktop_app.plots.landscape_map import SAME_SCALE_TOP
    from desktop_app.workers.landscape_worker import contour_lines, display_values

    win, lab = open_lab(make_window, qtbot)
    m, ctl, c = lab.map, lab.landscape_controls, win.controller
    c.step(6)
    f = wait_frame(qtbot, lab, lambda f: f.step == 6)
    lab.refresh(c.history, force_range=True)
    # By default every map is coloured from 0 to the same top, whatever its own range.
    assert ctl.same_scale.isChecked() and ctl.top.isEnabled()
    assert m.image.levels == pytest.approx((0.0, SAME_SCALE_TOP))
    assert f.levels["linear"] != pytest.approx((0.0, SAME_SCALE_TOP))
    assert "same for every run" in m.bar.getAxis("left").labelText
    assert f"0 to {SAME_SCALE_TOP:g} nats" in m.note.text()
    # Contour lines at fixed losses (every tenth of the scale), not at this map's own levels.
    g = display_values(f.grid, False)
    _, (x, y) = contour_lines(g, f.alphas, f.betas, (0.0, SAME_SCALE_TOP), n=9)
    mx, my = m.contours.getData()
    np.testing.assert_array_equal(mx, x)
    assert not np.array_equal(mx, f.contours["linear"][0])

    # Another top, typed in nats.
    ctl.top.edit.setText("2")
    ctl.top.edit.editingFinished.emit()
    lab.refresh(c.history, force_range=True)
    assert lab.same_top == 2.0 and m.image.levels == pytest.approx((0.0, 2.0))
    # Log colours: from 0.001 nats to the top, in log₁₀ nats.
    lab.set_log(True)
    lab.refresh(c.history, force_range=True)
    assert m.image.levels == pytest.approx((-3.0, np.log10(2.0)))
    lab.set_log(False)

    # Kept across runs and presets (like the other landscape controls): another preset's map
    # is coloured on the same scale.
    assert win.load_preset("landscape_saddle_zero_init")
    lab.set_settings(**FAST)
    qtbot.waitUntil(lambda: c.info.config.init.scheme == "zeros", timeout=30000)
    c.step(2)
    f2 = wait_frame(qtbot, lab, lambda f: f.step == 2 and f.run_gen == c.info.gen, timeout=30000)
    lab.refresh(c.history, force_range=True)
    assert ctl.same_scale.isChecked() and ctl.top.value() == 2.0
    assert m.image.levels == pytest.approx((0.0, 2.0))
    assert f2.levels["linear"] != pytest.approx(f.levels["linear"])

    # Unticked: each map over its own range, and the bar says so.
    ctl.same_scale.setChecked(False)
    lab.refresh(c.history, force_range=True)
    assert lab.same_top is None and not ctl.top.isEnabled()
    assert m.image.levels == pytest.approx(f2.levels["linear"])
    assert "this map's range" in m.bar.getAxis("left").labelText
    mx, _ = m.contours.getData()
    np.testing.assert_array_equal(mx, f2.contours["linear"][0])


def test_a_preset_sets_the_colour_scale_its_lesson_needs(make_window, qtbot):
    win, lab = open_lab(make_window, qtbot)
    ctl = lab.landscape_controls
    assert win.load_preset("landscape_deep_residual")       # read by shape: each map's range
    assert lab.same_top is None and not ctl.same_scale.isChecked()
    assert win.load_preset("landscape_sharp_large_batch")   # read colour for colour: 0–3 nats
    assert lab.same_top == 3.0 and ctl.same_scale.isChecked() and ctl.top.value() == 3.0
    ctl.top.edit.setText("5")
    ctl.top.edit.editingFinished.emit()
    assert win.load_preset("landscape_saddle_zero_init")    # no view: the student's choice stays
    assert lab.same_top == 5.0
    # Let the last build finish before the window closes: closing waits 2 s for the training
    # thread, and a loaded machine can take longer to build and probe a preset's network.
    qtbot.waitUntil(lambda: win.controller.info.config == win.state.config, timeout=30000)
