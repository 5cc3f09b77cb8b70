"""The status bar's speed pair: never "— steps/s" beside a known "2.7 ms/step"."""

from __future__ import annotations

import math

from desktop_app.widgets.run_bar import rate_texts


def test_status_rate_never_says_unknown_beside_a_known_step_time():
    assert rate_texts(False, math.nan, 2.7, 100) == ("paused", "2.7 ms/step")
    assert rate_texts(False, math.nan, math.nan, 0) == ("ready", "— ms/step")
    assert rate_texts(True, math.nan, 2.7, 5) == ("measuring…", "2.7 ms/step")
    assert rate_texts(True, 370.4, 2.7, 500) == ("370.4 steps/s", "2.7 ms/step")
