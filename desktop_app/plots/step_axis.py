"""A training-step x axis with room to grow while steps arrive, and none once they stop.

While a run trains, the axis ends ~25% past the last step, so it is re-ranged only every few
hundred steps (each re-ranging re-lays out the axis text, the largest cost of a repaint). A
picture of a run that is not growing any more (paused, stopped, finished, a screenshot) should
end at the last step: `GrowthWatch` tells the two apart from the arrival of records.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from desktop_app.plots.base import set_range

GROW = 1.25          # the axis ends this far past the last step while the run grows
SETTLE_MS = 2000     # no records for this long: the run has stopped growing (slow motion,
                     # 1 step/s, sends one record a second: it must not count as stopped)
END_PAD = 0.015      # when stopped: just enough past the last step for its marker


class GrowthWatch(QObject):
    """`arrived()` on every batch of records; `growing` turns False SETTLE_MS after the last
    one, and then `on_settled()` is called (e.g. a panel's `invalidate`, to re-range)."""

    def __init__(self, parent: QObject, on_settled=None, settle_ms: int = SETTLE_MS):
        super().__init__(parent)
        self.growing = False
        self._on_settled = on_settled
        self.timer = QTimer(self, singleShot=True, interval=settle_ms)
        self.timer.timeout.connect(self._settled)

    def arrived(self) -> None:
        self.growing = True
        self.timer.start()          # restarts: ≤ ~30 batches/s, cheap

    def reset(self) -> None:
        """A new run: nothing arrives yet."""
        self.timer.stop()
        self.growing = False

    def _settled(self) -> None:
        self.growing = False
        if self._on_settled is not None:
            self._on_settled()


def fit_steps(plot, lo: float, hi: float, growing: bool, grow: float = GROW) -> None:
    """Show steps lo … hi on `plot`'s x axis: with room to the right while `growing` (kept
    while it still holds them), else ending at hi (plus END_PAD for the last marker)."""
    if growing:
        set_range(plot, x=(lo, hi), grow_x=grow)
    else:
        set_range(plot, x=(lo, hi + END_PAD * (hi - lo)), sticky=False)
