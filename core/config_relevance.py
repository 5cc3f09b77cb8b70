"""Which config keys have no effect for a given config, and why (the GUI greys them out)."""

from __future__ import annotations

from core.config import DATASETS_SEQ, RECURRENT_KINDS, ExperimentConfig


def inactive_keys(cfg: ExperimentConfig) -> dict[str, str]:
    """{dotted key: one line saying why it does nothing here} for keys the run ignores."""
    m, d, o = cfg.model, cfg.data, cfg.optim
    out: dict[str, str] = {}
    recurrent = m.kind in RECURRENT_KINDS
    if o.name in ("sgd", "rmsprop"):
        out["optim.momentum"] = f"{o.name} uses no momentum (pick momentum, nesterov or adam)"
    if d.name != "copy":
        out["data.copy_symbols"] = "only the copy task replays symbols"
    if d.name not in DATASETS_SEQ:
        out["data.seq_len"] = "only sequence tasks have a length"
    else:
        out["data.noise"] = "the sequence tasks add no input noise"
        out["data.augment_noise"] = "the sequence tasks' inputs are symbols: no noise is added"
    if m.activation != "maxout" or recurrent:
        out["model.maxout_pieces"] = "only maxout units have pieces"
    if recurrent:
        why = "recurrent nets have one recurrent layer"
        out |= {k: why for k in ("model.depth", "model.skip", "model.norm", "model.dropout")}
        if m.kind != "rnn":
            out["model.activation"] = f"{m.kind.upper()} cells use their own sigmoid/tanh gates"
    else:
        out["init.spectral_radius"] = "only recurrent nets have a recurrent matrix W_hh"
    if m.kind != "lstm":
        out["init.forget_bias"] = "only LSTMs have a forget gate"
    return out
