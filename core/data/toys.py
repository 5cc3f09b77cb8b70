"""2-D classification toys and the 1-D sine regression: pure numpy, seeded generators.

Every toy is drawn with the same gap (about 0.75) between its two classes and inputs of order 1 std,
so `noise` (std of the Gaussian jitter added to the inputs, in input units) means about the same
difficulty on every toy, and the mean-field theory (which assumes order-1 inputs) applies.
Classes are balanced: half of the points (the extra one to class 0 when n is odd) per class.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Toy = Callable[[np.random.Generator, int, float], tuple[np.ndarray, np.ndarray]]


def _labels(rng: np.random.Generator, n: int) -> np.ndarray:
    """Balanced 0/1 labels in a random order (so any batch holds both classes)."""
    return rng.permutation(np.arange(n) % 2).astype(np.int64)


def _finish(rng: np.random.Generator, x: np.ndarray, y: np.ndarray, noise: float):
    # Jitter is always drawn (then scaled), so changing `noise` keeps the same underlying points.
    x = x + noise * rng.standard_normal(x.shape)
    return x.astype(np.float32), y


def spirals(rng: np.random.Generator, n: int, noise: float):
    """Two interleaved Archimedean arms, half a turn apart (constant radial gap 0.75)."""
    y = _labels(rng, n)
    theta = rng.uniform(0.5 * np.pi, 3.25 * np.pi, n)
    r = 0.75 * theta / np.pi
    angle = theta + np.pi * y
    return _finish(rng, np.stack([r * np.cos(angle), r * np.sin(angle)], 1), y, noise)


def moons(rng: np.random.Generator, n: int, noise: float):
    """Two interlocking half circles (scikit-learn's layout, centred and scaled by 1.5)."""
    y = _labels(rng, n)
    t = rng.uniform(0.0, np.pi, n)
    upper = np.stack([np.cos(t), np.sin(t)], 1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], 1)
    x = np.where(y[:, None] == 0, upper, lower)
    return _finish(rng, 1.5 * (x - [0.5, 0.25]), y, noise)


def circles(rng: np.random.Generator, n: int, noise: float):
    """Class 0 on a ring of radius 1.5, class 1 on an inner ring of radius 0.75."""
    y = _labels(rng, n)
    t = rng.uniform(0.0, 2 * np.pi, n)
    r = np.where(y == 0, 1.5, 0.75)
    return _finish(rng, np.stack([r * np.cos(t), r * np.sin(t)], 1), y, noise)


def xor(rng: np.random.Generator, n: int, noise: float):
    """Class 0 in quadrants I and III, class 1 in II and IV; |x_i| in [0.375, 1.5]."""
    y = _labels(rng, n)
    mag = rng.uniform(0.375, 1.5, (n, 2))
    s1 = rng.choice([-1.0, 1.0], n)
    s2 = np.where(y == 0, s1, -s1)
    return _finish(rng, mag * np.stack([s1, s2], 1), y, noise)


def gaussians(rng: np.random.Generator, n: int, noise: float):
    """Two round blobs of std 0.75 centred at ±(0.75, 0.75): about 8 % of points overlap."""
    y = _labels(rng, n)
    centre = np.where(y[:, None] == 0, -0.75, 0.75)
    return _finish(rng, centre + 0.75 * rng.standard_normal((n, 2)), y, noise)


def sine(rng: np.random.Generator, n: int, noise: float):
    """x ~ U[-π, π], y = sin(x) + noise·N(0, 1): the noise is on the target here."""
    x = rng.uniform(-np.pi, np.pi, (n, 1))
    y = np.sin(x) + noise * rng.standard_normal((n, 1))
    return x.astype(np.float32), y.astype(np.float32)


TOYS_2D: dict[str, Toy] = {"spirals": spirals, "moons": moons, "circles": circles, "xor": xor,
                           "gaussians": gaussians}
