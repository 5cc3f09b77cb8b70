"""The dataset container every builder returns: plain numpy arrays, no torch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TASKS = ("classification", "regression", "seq_regression", "seq_classification")


@dataclass(frozen=True)
class Dataset:
    """Train and test splits of one task.

    Shapes: 2-D toys x (n, 2) float32, y (n,) int64; sine x (n, 1), y (n, 1) float32;
    adding x (n, T, 2), y (n, 1) float32; copy x (n, T, alphabet + 2), y (n, K) int64 (the K symbols
    to replay on the last K steps).
    """

    name: str
    task: str            # one of TASKS
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_outputs: int       # logits for classification (classes or alphabet), 1 for regression
    loss_steps: int = 0  # sequence tasks: how many final time steps the loss reads

    @property
    def input_dim(self) -> int:
        return int(self.x_train.shape[-1])

    @property
    def is_sequence(self) -> bool:
        return self.task.startswith("seq_")

    @property
    def is_classification(self) -> bool:
        return self.task in ("classification", "seq_classification")

    @property
    def loss_kind(self) -> str:
        """The loss the trainer uses: "cross_entropy" for classification, else "mse"."""
        return "cross_entropy" if self.is_classification else "mse"
