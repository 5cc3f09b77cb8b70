"""The status bar's speed pair: never "— steps/s" beside a known "2.7 ms/step"."""

from __future__ import annotations

import math

from desktop_app.widgets.run_bar import rate_texts


def test_status_rate_never_says_unknown_beside_a_known_step_time():
    assert rate_texts(False, math.nan, 2.7, 100) == ("paused", "2.7 ms/step")
    assert rate_texts(False, math.nan, math.nan, 0) == ("ready", "— ms/step")
    assert rate_texts(True, math.nan, 2.7, 5) == ("measuring…", "2.7 ms/step")
    assert rate_texts(True, 370.4, 2.7, 500) == ("370.4 steps/s", "2.7 ms/step")


def test_slow_steps_get_their_rate_from_the_step_time():
    # 2.5 s per step: no two batches within the 2 s window, yet the rate is known.
    assert rate_texts(True, math.nan, 2500.0, 400) == ("0.40 steps/s", "2500.0 ms/step")
