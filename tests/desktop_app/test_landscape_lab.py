"""The Landscape lab: grids from its own worker, latest request wins, curvature readout,
directions, the 3-D fallback offscreen, NPZ export and a clean exit mid-computation."""

from __future__ import annotations

import numpy as np
import pytest

from tests.desktop_app.conftest import small_config

FAST = {"resolution": 11, "subset": 64}


def open_lab(make_window, qtbot, cfg=None, **settings):
    win = make_window(cfg)
    lab = win.labs["landscape"]
    lab.set_settings(**{**FAST, **settings})
    assert win.show_lab("landscape")
    qtbot.waitUntil(lambda: lab.frame is not None, timeout=30000)
    return win, lab


def wait_frame(qtbot, lab, pred, timeout=30000):
    qtbot.waitUntil(lambda: lab.frame is not None and not lab.busy and pred(lab.frame),
                    timeout=timeout)
    return lab.frame


def test_grid_has_the_requested_shape_and_its_centre_is_the_current_loss(make_window, qtbot):
    win, lab = open_lab(make_window, qtbot, resolution=21)
    win.controller.step(6)
    f = wait_frame(qtbot, lab, lambda f: f.step == 6 and f.settings.resolution == 21)
    lab.refresh(win.controller.history, force_range=True)
    img = lab.map.image.image
    assert img.shape == (21, 21) == f.grid.shape
    c = 10
    assert f.alphas[c] == 0 and f.betas[c] == 0
    # The trainer's own eval-mode loss on the same examples, measured in the training thread.
    assert np.isfinite(f.reference_loss)
    assert f.grid[c, c] == pytest.approx(f.reference_loss, rel=1e-5)
    assert img[c, c] == pytest.approx(f.reference_loss, rel=1e-5)
    lo, hi = lab.map.image.levels
    assert lo <= np.nanmin(img) and lo < hi
    # The 1-D slices go through the same point.
    x, y = lab.slice.curves[0].getData()
    assert len(x) == 21 and y[c] == pytest.approx(f.reference_loss, rel=1e-5)
    # Curvature readout: numbers and a plain-words status.
    r = lab.readout
    qtbot.waitUntil(lambda: r.report is not None and r.report.step == 6, timeout=30000)
    for key in ("lambda_max", "lambda_min", "trace", "two_over_lr"):
        assert np.isfinite(float(r.values[key].text().split()[0].lstrip("(")))   # "(2.0 ± …"
    assert float(r.values["two_over_lr"].text().split()[0]) == pytest.approx(2 / 0.1)
    assert r.status.text() in ("Stable", "Edge of stability", "Unstable (beyond 2/lr)",
                               "Saddle point", "Plateau")
    # A setting changed at the same weights reuses the curvature (no new Lanczos run).
    report = f.curvature
    lab.set_settings(resolution=11)
    g = wait_frame(qtbot, lab, lambda g: g.settings.resolution == 11)
    assert g.step == 6 and g.curvature is report
    # Log colour scale: the same grid in log10 units, levels to match.
    lab.set_log(True)
    lab.refresh(win.controller.history, force_range=True)
    c = 5
    assert lab.map.image.image[c, c] == pytest.approx(np.log10(f.reference_loss), rel=1e-5)
    assert "log" in lab.map.bar.getAxis("left").labelText


def test_newer_request_cancels_the_older_and_stale_results_are_dropped(make_window, qtbot):
    win, lab = open_lab(make_window, qtbot, cfg=small_config(**{"model.width": 64}))
    w = lab.worker
    emitted = []
    w.frame_ready.connect(lambda rid, f: emitted.append(rid))
    with qtbot.waitSignal(w.progress, timeout=30000,
                          check_params_cb=lambda rid, frac, text: rid == w.latest):
        lab.set_settings(resolution=201)           # seconds of work: shows progress
    slow = w.latest
    assert lab.busy and lab.map.progress.isVisible()
    lab.set_settings(resolution=11)                # the newer request wins
    fast = w.latest
    assert fast > slow
    f = wait_frame(qtbot, lab, lambda f: f.rid == fast)
    assert f.settings.resolution == 11 and slow not in emitted
    lab.refresh(win.controller.history, force_range=True)
    assert lab.map.image.image.shape == (11, 11)
    assert not lab.map.progress.isVisible()
    # A result that arrives after a newer request was made is dropped, not shown.
    dropped = lab.dropped
    w.frame_ready.emit(slow, f)
    assert lab.frame is f and lab.dropped == dropped + 1


def test_saddle_preset_reports_a_saddle(make_window, qtbot):
    win = make_window()
    assert win.load_preset("landscape_saddle_zero_init")
    lab = win.labs["landscape"]
    assert win.current_lab() is lab
    lab.set_settings(**FAST)
    qtbot.waitUntil(lambda: win.controller.info.config.init.scheme == "zeros", timeout=30000)
    win.controller.step(3)
    f = wait_frame(qtbot, lab, lambda f: f.step == 3, timeout=30000)
    qtbot.waitUntil(lambda: lab.readout.report is not None and lab.readout.report.step == 3,
                    timeout=30000)
    assert lab.readout.status_key == "saddle"
    assert lab.readout.status.text() == "Saddle point"
    assert float(lab.readout.values["lambda_min"].text().split()[0]) < 0
    # Filter-normalised directions vanish at zero init: the lab shows Hessian ones, and says so.
    assert f.kind == "hessian" and lab.settings.kind == "hessian"
    assert lab.landscape_controls.kind.currentData() == "hessian"
    c = len(f.alphas) // 2
    along_top, along_low = f.grid[:, c], f.grid[c, :]
    assert along_top[0] > f.centre_loss and along_low[0] < f.centre_loss   # up, and down


def _unit_rows(d) -> np.ndarray:
    """The directions with every weight row scaled to norm 1 (1-D parameters dropped)."""
    v = d.numpy()
    out = []
    for name, sl in d.space.slices().items():
        shape = d.space.shapes[d.space.names.index(name)]
        if len(shape) >= 2:
            rows = v[:, sl].reshape(len(v), shape[0], -1)
            out.append((rows / np.linalg.norm(rows, axis=2, keepdims=True)).reshape(len(v), -1))
    return np.concatenate(out, axis=1)


def test_direction_types_and_new_directions(make_window, qtbot):
    win, lab = open_lab(make_window, qtbot)
    c = win.controller
    for n in (2, 4, 6):                           # a path of a few snapshots
        c.step(2)
        qtbot.waitUntil(lambda n=n: lab._snap is not None and lab._snap.step == n, timeout=30000)
    f0 = wait_frame(qtbot, lab, lambda f: f.step == 6)
    assert f0.kind == "filter" and f0.epoch == 0
    assert len(lab.trajectory) >= 3

    lab.landscape_controls.new_button.click()
    f1 = wait_frame(qtbot, lab, lambda f: f.epoch == 1)
    assert not np.allclose(f1.grid, f0.grid)
    c.step(1)
    f2 = wait_frame(qtbot, lab, lambda f: f.step == 7)
    # The same random draw between frames, until new ones are asked for, but filter-normalised
    # to each frame's θ: every weight row has θ's row norm at that step.
    d1, d2 = f1.result.directions, f2.result.directions
    assert not np.array_equal(d1.numpy(), d2.numpy())
    np.testing.assert_allclose(_unit_rows(d2), _unit_rows(d1), rtol=1e-4, atol=1e-6)
    assert lab._snap.step == f2.step == 7
    theta = lab._snap.theta
    for name, sl in d2.space.slices().items():
        shape = d2.space.shapes[d2.space.names.index(name)]
        if len(shape) == 2:
            np.testing.assert_allclose(np.linalg.norm(d2.numpy()[0, sl].reshape(shape), axis=1),
                                       np.linalg.norm(theta[sl].reshape(shape), axis=1),
                                       rtol=1e-4)

    lab.landscape_controls.kind.setCurrentIndex(lab.landscape_controls.kind.findData("pca"))
    f3 = wait_frame(qtbot, lab, lambda f: f.kind == "pca")
    assert "explained_variance" in f3.info
    assert f3.traj_coords.shape == (len(f3.traj_steps), 2) and len(f3.traj_steps) >= 3
    # The PCA plane holds most of the path; a random plane almost none of it.
    assert f3.off_plane < 0.2 < 0.8 < f2.off_plane
    lab.refresh(c.history, force_range=True)
    x, _ = lab.map.path.getData()
    assert len(x) == len(f3.traj_steps)

    lab.set_settings(kind="hessian")
    f4 = wait_frame(qtbot, lab, lambda f: f.kind == "hessian")
    assert len(f4.info["eigenvalues"]) == 2
    assert f4.info["eigenvalues"][0] >= f4.info["eigenvalues"][1]     # δ: λₘₐₓ, η: λₘᵢₙ

    for kind in ("layer", "none"):
        lab.set_settings(kind=kind)
        f = wait_frame(qtbot, lab, lambda f, k=kind: f.kind == k)
        c0 = len(f.alphas) // 2
        assert f.grid[c0, c0] == pytest.approx(f.centre_loss, rel=1e-5)
        assert f.span > 0 and np.isfinite(f.grid).all()


def test_3d_view_falls_back_to_the_map_offscreen(make_window, qtbot):
    win, lab = open_lab(make_window, qtbot)
    m = lab.map
    m.view_box.setCurrentIndex(m.view_box.findData("3d"))
    assert m.mode == "2d" and m.view_box.currentData() == "2d"
    assert m.surface is None and m.view.isVisibleTo(m)
    assert "3-D view unavailable" in m.note.text()
    m.dirty = True
    assert lab.refresh(win.controller.history, force_range=True) >= 1
    assert m.image.image is not None
    # Themes and presentation mode restyle every part of the lab.
    win.set_theme("dark")
    win.toggle_presentation(True)
    # The keys are rebuilt in the theme's colours and presentation size.
    for key in (m.key_row, lab.slice.key_row):
        assert key.entries and "#e6e6e6" in key.label.text()
        assert f"{win.theme.tick_pt:g}pt" in key.label.text()
    assert m.view.backgroundBrush().color().name() == "#1e1f22"
    for p in lab.panels():
        p.dirty = True
    assert lab.refresh(win.controller.history, force_range=True) == 3
    win.toggle_presentation(False)
    win.set_theme("light")


def test_export_writes_the_npz_and_the_plots(make_window, qtbot, tmp_path):
    from desktop_app.plots.export import export_panel

    win, lab = open_lab(make_window, qtbot)
    win.controller.step(3)
    f = wait_frame(qtbot, lab, lambda f: f.step == 3)
    path = tmp_path / "landscape.npz"
    lab.export_npz(str(path))
    with np.load(path) as z:
        assert z["loss_train"].shape == (11, 11)
        assert np.array_equal(z["loss_train"], f.grid)
        assert float(z["centre_loss_train"]) == pytest.approx(f.centre_loss)
        assert z["directions"].shape == (2, z["theta"].size)
        assert len(z["trajectory_steps"]) == len(z["trajectory_coords"]) >= 1
    lab.refresh(win.controller.history, force_range=True)
    out = export_panel(lab.map, str(tmp_path / "map"), ("png", "csv"))
    assert all((tmp_path / p).stat().st_size > 0 for p in out)
    lines = (tmp_path / "map.csv").read_text().splitlines()
    assert lines[0] == "alpha,beta,loss_train" and len(lines) == 1 + 11 * 11


def test_closing_mid_computation_leaves_no_running_thread(make_window, qtbot):
    win, lab = open_lab(make_window, qtbot, cfg=small_config(**{"model.width": 64}))
    w = lab.worker
    with qtbot.waitSignal(w.progress, timeout=30000,
                          check_params_cb=lambda rid, frac, text: rid == w.latest):
        lab.set_settings(resolution=201)
    assert w.isRunning() and lab.busy and lab.threads_running()
    win.close()
    assert not w.isRunning() and not lab.threads_running()
    assert not win.controller.thread.isRunning()


def test_trajectory_buffer_is_bounded_and_ends_at_the_newest_point():
    from desktop_app.plots.landscape_task import TrajectoryBuffer

    buf = TrajectoryBuffer(capacity=8)
    for step in range(100):
        buf.add(step, np.full(3, float(step), np.float32))
    steps, rows = buf.view()
    assert 4 <= len(steps) <= 8 and steps[0] == 0 and steps[-1] == 99
    assert list(steps) == sorted(steps) and rows[-1][0] == 99.0
    buf.add(5, np.zeros(4, np.float32))          # another network: a new path
    assert buf.view()[0] == (5,)


def test_weight_copies_slow_down_for_large_nets():
    from core.config import ExperimentConfig
    from desktop_app.labs.landscape_lab import SNAPSHOT_INTERVAL, snapshot_interval

    cfg = ExperimentConfig()
    assert snapshot_interval(cfg) == SNAPSHOT_INTERVAL
    big = cfg.with_value("model.depth", 60).with_value("model.width", 512)
    assert snapshot_interval(big) > 1.0          # ≤ 20 MB of weights per second


def test_forced_refresh_re_ranges_even_if_a_frame_drew_during_settle(make_window, qtbot):
    """The screenshot's final picture: `refresh(force_range=True)` first settles (processing
    events), and the window's frame timer may redraw the panels then, without re-ranging, and
    clear their dirty flags; the forced re-range must still happen (the loss plot's step axis
    ended at ~550 after 600 steps, the room to grow still there)."""
    from desktop_app.plots.step_axis import END_PAD

    win, lab = open_lab(make_window, qtbot)
    c = win.controller
    c.step(40)
    qtbot.waitUntil(lambda: c.step_count >= 40 and not c.running, timeout=30000)
    last = float(c.history.column("step")[-1])
    lab.loss.top.setXRange(0, 2 * last, padding=0)     # a range from while the run grew
    lab.loss.growth.arrived()                          # records have just arrived
    settle = lab.settle

    def settle_with_a_frame(*args, **kwargs):
        win.frame()            # the frame timer fires while settle processes events
        return settle(*args, **kwargs)

    lab.settle = settle_with_a_frame
    for p in lab.panels():     # as ScreenshotRun._save and export_all do
        p.dirty = True
    assert lab.refresh(c.history, force_range=True) >= 1
    lo, hi = lab.loss.top.viewRange()[0]
    assert last <= hi <= last + 2 * END_PAD * last + 1
