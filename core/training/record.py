"""The immutable record a training step yields, and the summaries of a diverged run and of an
early-stopped one.

Records hold plain floats and numpy arrays (copies, never live tensors), so a worker thread can
hand them to the GUI and the session writer can store them as columns.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

# Percentiles stored for pre-activations (input of φ) and activations (output of φ).
PERCENTILES = (1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0)

NAN = float("nan")


@dataclass(frozen=True)
class Divergence:
    """Where and why a run first produced a non-finite number."""

    step: int
    where: str            # "loss", "forward", "backward" or "parameters"
    layer: int | None     # 0-based hidden layer index, None where not layer-specific
    layer_name: str | None
    message: str          # plain words: what happened
    cause: str            # the likely cause
    advice: str           # what to try

    def summary(self) -> str:
        """One paragraph for the banner and the command line."""
        return f"{self.message} Likely cause: {self.cause} Try: {self.advice}"


@dataclass(frozen=True)
class EarlyStop:
    """Why early stopping ended a run: the test loss has not improved on its best for
    `patience` evaluations in a row. A normal end, not an error."""

    step: int               # the step whose evaluation ended the run
    best_step: int          # the step of the lowest test loss
    best_test_loss: float
    patience: int           # train.early_stop when the run ended
    evaluations: int        # evaluations since the best one (≥ patience)
    # The network was rolled back to the weights of best_step (the point of early stopping:
    # keep the model that generalised best). Only Trainer.stopped sets it; it is False there
    # where those weights were not kept (a session saved by a version before the roll-back,
    # with its best step before the save), and always False in a stop rebuilt from a history
    # (EarlyStopper.stop, RunController.early_stop), which cannot know.
    restored: bool = False

    def summary(self) -> str:
        """One sentence for the command line and for step()'s refusal to go on: why the run
        ended, and which step's weights the network now holds (the window words its own)."""
        back = (f"the network is rolled back to the weights of step {self.best_step}."
                if self.restored else
                f"the weights of step {self.best_step} were not kept, so the network keeps "
                f"those of step {self.step}.")
        return (f"Early stopping ended the run at step {self.step}: the test loss has not "
                f"improved for {self.evaluations} evaluation{'s' * (self.evaluations != 1)}; "
                f"its best, "
                f"{self.best_test_loss:.4g}, was at step {self.best_step}: {back}")


@dataclass(frozen=True)
class StepRecord:
    """Everything measured at one optimizer step (arrays are per hidden layer, input → output).

    `grad_h[l]` = ‖∂L/∂h_l‖ (Frobenius over batch × units) of hidden layer l's output, measured
    in the backward pass of this step, before the update. `update_ratio[l]` = ‖ΔW_l‖/‖W_l‖ of
    this step's update. Test metrics are NaN on steps without evaluation.
    """

    step: int                       # 1-based count of optimizer steps taken
    loss: float                     # data loss on this step's batch (without L1/L2 terms)
    train_acc: float                # accuracy on this step's batch (NaN for regression)
    lr: float
    grad_norm: float                # global ‖∂L/∂θ‖ before clipping
    clipped: bool
    finite: bool
    eval_train_loss: float = NAN    # on the whole training set, every eval_every steps
    eval_train_acc: float = NAN
    test_loss: float = NAN
    test_acc: float = NAN
    probed: bool = False            # per-layer arrays below are filled on probe steps only
    grad_h: np.ndarray | None = None
    grad_w: np.ndarray | None = None
    update_ratio: np.ndarray | None = None
    act_mean: np.ndarray | None = None
    act_std: np.ndarray | None = None
    saturated: np.ndarray | None = None   # fraction of units × batch in the flat tails of φ
    dead: np.ndarray | None = None        # fraction of units inactive for the whole batch
    fprime_mean: np.ndarray | None = None  # mean |φ'(pre-activation)|
    pre_pct: np.ndarray | None = None     # (layers, len(PERCENTILES)) of φ's input
    act_pct: np.ndarray | None = None     # (layers, len(PERCENTILES)) of φ's output
    meanfield_grad_h: np.ndarray | None = None  # mean-field prediction anchored at the top layer
    grad_t: np.ndarray | None = None      # recurrent: ‖∂L/∂h_t‖ for t = 1..T
    gate_t: np.ndarray | None = None      # LSTM forget gate / GRU update gate, mean per step
    divergence: Divergence | None = None
    early_stop: EarlyStop | None = None   # on the step whose evaluation ended the run

    def to_json(self) -> dict:
        """JSON-ready dict: arrays as lists, NaN and ±Inf as None (JSON has neither; a finite
        stand-in like 1e308 would be a number that was never measured). `infinite` lists the
        fields that held an Inf (an overflow, not a missing value), as `probe --json` does."""
        out, infinite = {}, []
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, np.ndarray):
                if np.isinf(v).any():
                    infinite.append(f.name)
                v = _clean(v.tolist())
            elif isinstance(v, (Divergence, EarlyStop)):
                v = dataclasses.asdict(v)
            elif isinstance(v, float):
                if np.isinf(v):
                    infinite.append(f.name)
                v = _clean(v)
            out[f.name] = v
        if infinite:
            out["infinite"] = infinite
        return out


def _clean(v):
    if isinstance(v, list):
        return [_clean(x) for x in v]
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v


ARRAY_FIELDS = ("grad_h", "grad_w", "update_ratio", "act_mean", "act_std", "saturated", "dead",
                "fprime_mean", "pre_pct", "act_pct", "meanfield_grad_h", "grad_t",
                "gate_t")
SCALAR_FIELDS = ("step", "loss", "train_acc", "lr", "grad_norm", "clipped", "finite",
                 "eval_train_loss", "eval_train_acc", "test_loss", "test_acc", "probed")
