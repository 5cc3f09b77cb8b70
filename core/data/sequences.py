"""Sequence tasks for recurrent nets: the adding problem and copy-with-delay. Pure numpy.

Both are long-range memory tests: the answer depends on inputs many steps before the loss is read,
so the gradient must travel back through many recurrent steps (the lesson of ρ^t).
`noise` is not used by these tasks.
"""

from __future__ import annotations

import numpy as np

COPY_ALPHABET = 4                 # symbols 0..3
COPY_BLANK = COPY_ALPHABET        # channel of the blank input
COPY_GO = COPY_ALPHABET + 1       # channel of the 'go' marker


def adding(rng: np.random.Generator, n: int, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015).

    x (n, T, 2): channel 0 values ~ U[0, 1]; channel 1 marks exactly two steps, one in the first
    half [0, T//2) and one in the second half [T//2, T) (for T = 2: steps 0 and 1).
    y (n, 1) = sum of the two marked values, read after the last step.
    """
    t = seq_len
    values = rng.uniform(0.0, 1.0, (n, t))
    first = rng.integers(0, t // 2, n)
    second = rng.integers(t // 2, t, n)
    marks = np.zeros((n, t))
    rows = np.arange(n)
    marks[rows, first] = 1.0
    marks[rows, second] = 1.0
    y = values[rows, first] + values[rows, second]
    x = np.stack([values, marks], axis=2)
    return x.astype(np.float32), y[:, None].astype(np.float32)


def copy(rng: np.random.Generator, n: int, seq_len: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Copy with a delay: see K symbols, wait, replay them after a 'go' marker.

    x (n, T, A + 2) one-hot with A = 4 symbols, channel A = blank, channel A + 1 = 'go':
    steps 0..K-1 carry random symbols, steps K..T-1 are blank except step T-K-1, which carries 'go';
    the last K steps are blank and the network must output the K symbols there.
    y (n, K) int64: the K symbols in order. Delay between seeing and replaying: T - 2K steps.
    """
    t = seq_len
    if t < 2 * k + 1:
        raise ValueError(f"copy task needs seq_len >= 2*copy_symbols + 1 = {2 * k + 1}, got {t}")
    symbols = rng.integers(0, COPY_ALPHABET, (n, k))
    x = np.zeros((n, t, COPY_ALPHABET + 2), dtype=np.float32)
    rows = np.arange(n)[:, None]
    x[rows, np.arange(k)[None, :], symbols] = 1.0
    x[:, k:, COPY_BLANK] = 1.0
    x[:, t - k - 1, COPY_BLANK] = 0.0
    x[:, t - k - 1, COPY_GO] = 1.0
    return x, symbols.astype(np.int64)
