"""Build the network the config describes, for a given dataset."""

from __future__ import annotations

from core.config import ExperimentConfig
from core.data.dataset import Dataset
from core.models.mlp import MLP
from core.models.recurrent import RecurrentNet


def build_model(cfg: ExperimentConfig, ds: Dataset):
    """An uninitialised MLP or RecurrentNet with the dataset's input and output sizes."""
    m = cfg.model
    if m.kind == "mlp":
        return MLP(ds.input_dim, ds.n_outputs, m.depth, m.width, m.activation, m.skip, m.norm,
                   m.dropout, m.maxout_pieces)
    return RecurrentNet(m.kind, ds.input_dim, ds.n_outputs, m.width, m.activation,
                        max(ds.loss_steps, 1))
