"""Regressions found by the code review of the projector work: each test failed before its fix."""

from __future__ import annotations

import dataclasses

import numpy as np

from tests.desktop_app.test_landscape_lab import open_lab


def test_landscape_frame_without_a_path_draws_and_lists_no_path(make_window, qtbot):
    win, lab = open_lab(make_window, qtbot)
    m = lab.map
    for n in (0, 1):                             # no snapshot, or one: no path yet
        f = dataclasses.replace(lab.frame, traj_coords=np.zeros((n, 2)),
                                traj_steps=np.zeros(n, np.int64), traj_distance=np.zeros(n))
        m.frame = f
        m.dirty = True
        m.draw(win.controller.history, True)     # raised IndexError with no snapshot
        labels = [label for _, _, label in m.key_row.entries]
        assert "training path (projected)" not in labels and "start of the path" not in labels


def test_span_box_keeps_what_the_student_types_while_frames_arrive(make_window, qtbot):
    win, lab = open_lab(make_window, qtbot)
    c = win.controller
    edit = lab.landscape_controls.span.edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "0.7")                 # typed, not yet confirmed with Enter
    rid0 = lab.frame.rid
    c.step(2)
    qtbot.waitUntil(lambda: lab.frame.rid != rid0, timeout=30000)
    qtbot.wait(100)
    assert edit.text() == "0.7"


def test_title_choice_follows_its_item_text(qtbot):
    from desktop_app.plots.rnn_loss import RnnLossPlot
    from desktop_app.theme import Theme

    p = RnnLossPlot(Theme())
    qtbot.addWidget(p)
    p.resize(700, 400)
    p.show()
    qtbot.waitExposed(p)
    box = p.mode_box
    i = box.findData("run")
    box.setItemText(i, "Loss")                   # a regression task
    qtbot.wait(50)
    box.setItemText(i, "Loss and accuracy")      # then a classification task: "Loss a…" before
    qtbot.waitUntil(lambda: box.width() >= box.sizeHint().width(), timeout=10000)


def test_tooltips_give_exact_limits_and_no_double_click_hint_on_a_choice(qapp):
    from desktop_app.plots.grad_heatmap import GradHeatmapPlot
    from desktop_app.plots.grad_per_layer import GradPerLayerPlot
    from desktop_app.theme import Theme
    from desktop_app.widgets.controls_panel import tooltip

    assert "Allowed: 2 to 1024" in tooltip("model.width")
    assert "2147483647" in tooltip("seed")
    assert "double-click" not in GradPerLayerPlot(Theme()).enlarge_button.toolTip()
    assert "double-click" in GradHeatmapPlot(Theme()).enlarge_button.toolTip()


def test_cut_caption_without_detail_is_not_repeated_in_its_tooltip(qtbot):
    from desktop_app.plots.note_label import NoteLabel
    from tests.desktop_app.test_note_label import TEXT, _panel

    _, note = _panel(qtbot, 300, 200)
    assert isinstance(note, NoteLabel)
    note.set_note(TEXT, TEXT)                    # caption(panel, short) passes short as detail
    qtbot.waitUntil(lambda: note.text().endswith("…"))
    assert note.toolTip() == TEXT


def test_half_unit_difference_reads_zero():
    from core.numfmt import diff

    assert diff(115.96242, 116.46242) == "0"
    assert diff(0.25, 0.5) == "+0.250"


def test_closing_while_typing_in_the_span_box_leaves_no_thread_running(make_window, qtbot):
    win, lab = open_lab(make_window, qtbot)
    edit = lab.landscape_controls.span.edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "0.5")
    win.close()                # the box loses focus: editingFinished asks for a new landscape
    qtbot.wait(300)
    # Restarted after the window closed, the worker was destroyed running: Qt aborted.
    assert lab.closed and not lab.worker.isRunning()


def test_shared_scale_contours_come_from_the_worker(make_window, qtbot):
    from desktop_app.workers.landscape_worker import (
        SAME_SCALE_CONTOURS,
        contour_lines,
        display_values,
        same_scale_levels,
    )

    win, lab = open_lab(make_window, qtbot)
    f = lab.frame
    assert f.same_top == lab.same_top and set(f.same_contours) == {"linear", "log"}
    lab.refresh(win.controller.history, force_range=True)
    # Drawn from the frame: nothing computed on the GUI thread (0.1 s per frame at 201 × 201).
    assert lab.map._same_contours is None
    x, _ = contour_lines(display_values(f.grid, False), f.alphas, f.betas,
                         same_scale_levels(f.same_top, False), n=SAME_SCALE_CONTOURS)[1]
    np.testing.assert_array_equal(lab.map.contours.getData()[0], x)
