"""What one training step costs in arithmetic, and about how long that takes on this machine.

The sliders can ask for a network whose every step takes half a minute or more (the Recurrent
lab's LSTM of width 512 over 500 time steps, 20 000 training sequences, batches of 256: ~3 × 10¹²
FLOP a step, most of it the whole-set evaluations). Nothing is wrong with it, but a student
pressing Play would see nothing move and think the app hung; the window says beforehand how
long a step will take.

The count is of matrix products only (2 FLOP per multiply-add), from the built model's weight
shapes: each hidden-layer and output matrix once per example in an MLP; W_ih and W_hh once
per time step and the read-out once per step the loss reads in a recurrent net. The backward
pass costs the forward's products twice (the weights' gradients and the inputs'), except for
matrices whose input needs no gradient: the raw data (first layer, W_ih) and the zero initial
state (W_hh at t = 1). Element-wise work, the probes and Python's per-operation overhead are
left out, so the time is a lower bound that is close for the big networks it is shown for.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class StepCost:
    """FLOP of one training step (forward and backward on one batch) and of the whole-set
    evaluations, spread over the steps between them (train.eval_every)."""

    train: float
    evaluation: float          # per step: (n_train + n_test) forwards / eval_every

    @property
    def total(self) -> float:
        return self.train + self.evaluation


def _matrices(model, seq_len: int) -> list[tuple[int, int, bool]]:
    """(multiply-adds per example for one use, uses per example, input needs no gradient)."""
    if hasattr(model, "cell"):                          # recurrent: see core/models/recurrent.py
        c = model.cell
        return [(c.weight_ih.numel(), seq_len, True), (c.weight_hh.numel(), seq_len, False),
                (model.out.weight.numel(), model.loss_steps, False)]
    mats = [(lin.weight.numel(), 1, i == 0) for i, lin in enumerate(model.linears)]
    return mats + [(model.out.weight.numel(), 1, False)]


def step_cost(trainer) -> StepCost:
    """The matmul FLOP of one of this trainer's training steps, and of its evaluations."""
    model, cfg = trainer.model, trainer.config
    x = trainer.x_train
    seq_len = int(x.shape[1]) if x.ndim == 3 else 1
    batch = min(cfg.optim.batch_size, len(x))
    mats = _matrices(model, seq_len)
    forward = sum(2 * n * uses for n, uses, _ in mats)             # per example
    no_input_grad = sum(2 * n * uses for n, uses, raw in mats if raw)
    if hasattr(model, "cell"):
        no_input_grad += 2 * model.cell.weight_hh.numel()           # h₀ = 0 needs no gradient
    train = batch * (3 * forward - no_input_grad)
    examples = len(trainer.x_train) + len(trainer.x_test)
    return StepCost(float(train), float(examples * forward / cfg.train.eval_every))


@lru_cache(maxsize=8)
def matmul_rate(device: str = "cpu", threads: int = 0) -> float:
    """FLOP/s of a mid-sized float32 matrix product on `device` with the current number of
    torch threads (`threads` only keys the cache: a new thread count is measured anew).
    About 20 ms the first time; cached after."""
    import torch

    a = torch.randn(256, 512, device=device)
    b = torch.randn(512, 512, device=device)
    flop = 2 * 256 * 512 * 512
    for _ in range(3):                               # warm-up (allocator, kernels, clocks)
        a @ b
    best, reps = float("inf"), 8
    for _ in range(5):
        _sync(device)
        t = time.perf_counter()
        for _ in range(reps):
            a @ b
        _sync(device)
        best = min(best, (time.perf_counter() - t) / reps)
    return flop / max(best, 1e-9)


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()
    elif device.startswith("mps"):
        torch.mps.synchronize()


SLOW_STEP_S = 1.0     # from here on the window and the command line say how long a step takes


def duration(seconds: float) -> str:
    """"0.4 s", "12 s", "3.5 min", "2.0 h": a step time for a sentence."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def slow_step_note(flop: float, rate: float, evaluation: float = 0.0) -> str:
    """One sentence (short enough for a status bar) for a network whose steps take at least
    SLOW_STEP_S, else "". `evaluation`: the part of `flop` that is the whole-set evaluations
    (StepCost.evaluation); where it is most of the cost, a smaller batch would not help."""
    from core.numfmt import sci

    seconds = flop / rate
    if not seconds >= SLOW_STEP_S:
        return ""
    advice = ("Most of it is the whole-set evaluation: a larger eval_every or fewer examples "
              "is faster." if evaluation > flop / 2 else
              "A smaller width, depth, batch or sequence length is faster.")
    return (f"Heavy network: at least {duration(seconds)} per training step here ({sci(flop)} "
            f"FLOP at {rate / 1e9:.0f} GFLOP/s). " + advice)


def probe_examples(trainer, limit: int, rate: float) -> int:
    """Examples for the step-0 probe: `limit`, or one batch where `limit` examples (forward and
    backward, as a step) would take over SLOW_STEP_S: the panels' first picture should not
    cost many steps' time before the student can press Play."""
    n = min(limit, len(trainer.x_train))
    batch = min(trainer.config.optim.batch_size, len(trainer.x_train))
    return n if step_cost(trainer).train * n / batch / rate <= SLOW_STEP_S else min(batch, n)
