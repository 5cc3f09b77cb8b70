"""Early stopping: the best test loss over the whole-set evaluations, and how many evaluations
have passed since it.

The run ends when that count reaches the patience (`train.early_stop`); the test set plays the
validation set. The state is a function of the recorded test losses alone, so a restored
session rebuilds it from its history (`replay`) and stops at the same step as a run that was
never interrupted; the GUI computes it the same way from its own history.

A non-finite test loss (a net that overflows on some test example) is not an evaluation here:
the History stores NaN for "not measured" too, and the two must agree.
"""

from __future__ import annotations

import math

import numpy as np

from core.training.record import EarlyStop


class EarlyStopper:
    """The best test loss so far and the evaluations since it, updated one evaluation at a
    time (`update`) or rebuilt from a history's columns (`replay`)."""

    def __init__(self):
        self.best_loss = math.inf
        self.best_step: int | None = None     # step of the lowest test loss (first of equals)
        self.since = 0                        # evaluations after the best one
        self.last_step: int | None = None     # step of the latest evaluation

    def update(self, step: int, test_loss: float) -> None:
        """One evaluation: strictly lower than the best is an improvement, a tie is not."""
        if not math.isfinite(test_loss):
            return
        self.last_step = step
        if test_loss < self.best_loss:
            self.best_loss, self.best_step, self.since = test_loss, step, 0
        else:
            self.since += 1

    def stop(self, patience: int) -> EarlyStop | None:
        """Why the run must end with this patience, or None (patience 0 = never)."""
        if patience <= 0 or self.best_step is None or self.since < patience:
            return None
        return EarlyStop(step=int(self.last_step), best_step=self.best_step,
                         best_test_loss=self.best_loss, patience=patience,
                         evaluations=self.since)

    @classmethod
    def replay(cls, steps: np.ndarray, test_loss: np.ndarray) -> EarlyStopper:
        """The state after the evaluations recorded in these columns (NaN = none that step),
        in one vectorised pass: the GUI calls it on every redraw of the loss plot."""
        steps, loss = np.asarray(steps), np.asarray(test_loss, dtype=np.float64)
        keep = np.isfinite(loss)
        steps, loss = steps[keep], loss[keep]
        es = cls()
        if len(loss):
            i = int(np.argmin(loss))     # the first of equal minima: a tie is no improvement
            es.best_loss, es.best_step = float(loss[i]), int(steps[i])
            es.since = len(loss) - 1 - i
            es.last_step = int(steps[-1])
        return es

    @classmethod
    def from_history(cls, history) -> EarlyStopper:
        """`replay` over a History's step and test-loss columns."""
        return cls.replay(history.column("step"), history.column("test_loss"))
