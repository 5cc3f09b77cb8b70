"""The speed control of the run bar: slow motion (1 step/s, for lectures) to full speed."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QWidget

from core.training.cost import SLOW_STEP_S, duration

SPEEDS = (1, 2, 5, 10, 20, 50, 100, 0)   # steps per second; 0 = as fast as possible


def speed_text(sps: float) -> str:
    if sps <= 0:
        return "full speed"
    return f"{sps:g} step/s" if sps == 1 else f"{sps:g} steps/s"


def rate_texts(running: bool, steps_per_s: float, ms_per_step: float,
               steps: int, least_s: float = math.nan) -> tuple[str, str]:
    """The status bar's speed pair (rate, time per step) so the two never disagree.

    Running: "123.4 steps/s" (or "measuring…" for its first two seconds) and the step time.
    Not running: "paused" after some steps ("ready" before any), and the last measured step
    time: how long a step took, still true while nothing trains, where "— steps/s" beside
    "2.7 ms/step" read as a contradiction. Before the first measured step of a network whose
    steps take at least SLOW_STEP_S (`least_s`, core.training.cost), that lower bound."""
    ms = "— ms/step" if not math.isfinite(ms_per_step) else f"{ms_per_step:.1f} ms/step"
    if not math.isfinite(ms_per_step) and least_s >= SLOW_STEP_S:
        ms = f"≥ {duration(least_s)}/step (estimate)"
    if not running:
        return ("paused" if steps > 0 else "ready"), ms
    if not math.isfinite(steps_per_s):
        # The rate needs two batches within its 2 s window: a step slower than that (a huge
        # net, slow motion) would say "measuring…" for ever; its own time gives the rate.
        if math.isfinite(ms_per_step) and ms_per_step >= 1000:
            return f"{1000 / ms_per_step:.2f} steps/s", ms
        return "measuring…", ms
    return f"{steps_per_s:.1f} steps/s", ms


class SpeedControl(QWidget):
    speedChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(0, len(SPEEDS) - 1)
        self.slider.setPageStep(1)
        self.slider.setTickPosition(QSlider.TicksBelow)
        self.slider.setFixedWidth(self.fontMetrics().horizontalAdvance("M") * 12)
        self.slider.setToolTip("Training speed: from slow motion (1 step per second, to follow "
                               "each step in a lecture) to as fast as the machine allows")
        self.label = QLabel()
        self.label.setMinimumWidth(self.fontMetrics().horizontalAdvance("100 steps/s") + 8)
        self.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Preferred)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 0)
        lay.addWidget(QLabel("Speed"))
        lay.addWidget(self.slider)
        lay.addWidget(self.label)
        self.slider.valueChanged.connect(self._changed)
        self.slider.setValue(len(SPEEDS) - 1)     # full speed (valueChanged shows it)

    def speed(self) -> float:
        return float(SPEEDS[self.slider.value()])

    def set_speed(self, sps: float) -> None:
        i = SPEEDS.index(sps) if sps in SPEEDS else len(SPEEDS) - 1
        self.slider.setValue(i)

    def _changed(self, i: int) -> None:
        self.label.setText(speed_text(SPEEDS[i]))
        self.speedChanged.emit(float(SPEEDS[i]))
