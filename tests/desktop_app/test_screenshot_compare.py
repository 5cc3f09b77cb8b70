"""`--screenshot … --compare`: the screenshot tool presses the recurrent lab's Compare button
once training is done and waits for the RNN/LSTM/GRU curves (the README's overlay picture
could not be made from the command line)."""

from __future__ import annotations

import pytest

from tests.desktop_app.test_recurrent_lab import rnn_config


@pytest.fixture
def open_lab(make_window, qtbot):
    """open_lab(cfg) → (window, recurrent lab), built and started."""

    def make(cfg):
        win = make_window(cfg, start=False)
        assert win.show_lab("recurrent")
        with qtbot.waitSignal(win.controller.run_started, timeout=60000):
            win.start()
        return win, win.labs["recurrent"]

    return make


def test_compare_option_parses():
    from desktop_app.app import parse_args

    assert parse_args(["--screenshot", "a.png"]).compare is None
    assert parse_args(["--screenshot", "a.png", "--compare"]).compare is True
    assert parse_args(["--screenshot", "a.png", "--compare", "40"]).compare == 40


def test_screenshot_waits_for_the_comparison(open_lab, qtbot, tmp_path):
    from desktop_app.screenshot import ScreenshotRun

    win, lab = open_lab(rnn_config(**{"model.activation": "tanh", "train.eval_every": 2}))
    shot = ScreenshotRun(win, str(tmp_path / "shot.png"), steps=4, compare=6)
    saved = []

    def save():                        # what _save sees, without closing the test's window
        shot.timer.stop()
        saved.append((win.controller.step_count, lab.compare.running,
                      [(cv.kind, len(cv.steps), cv.done) for cv in lab.compare.result]))

    shot._save = save
    shot.start()
    qtbot.waitUntil(lambda: bool(saved), timeout=60000)
    step, running, curves = saved[0]
    assert step == 4 and not running
    assert curves == [("rnn", 6, True), ("lstm", 6, True), ("gru", 6, True)]
    assert lab.loss.mode == "compare"


def test_screenshot_without_compare_does_not_start_one(open_lab, qtbot, tmp_path):
    from desktop_app.screenshot import ScreenshotRun

    win, lab = open_lab(rnn_config())
    shot = ScreenshotRun(win, str(tmp_path / "shot.png"), steps=2)
    saved = []
    shot._save = lambda: (shot.timer.stop(), saved.append(lab.compare.result))
    shot.start()
    qtbot.waitUntil(lambda: bool(saved), timeout=60000)
    assert saved[0] == [] and not lab.compare.running
