"""The recurrent lab's Compare trains RNN, LSTM and GRU for the same number of steps. A config
with early stopping on (train.early_stop, from a config or session file) made a kind's
trainer refuse its next step once the patience ran out, and that kind showed
'RuntimeError: Early stopping ended the run…' instead of its curve."""

from __future__ import annotations

from core.presets import config_from_partial
from desktop_app.widgets.rnn_compare_run import comparison_configs, run_comparison


def test_compare_runs_every_kind_for_all_its_steps_with_early_stopping_set():
    cfg = config_from_partial({"data": {"name": "copy", "seq_len": 10, "copy_symbols": 2,
                                        "n_train": 64, "n_test": 64},
                               "model": {"kind": "rnn", "width": 16},
                               "train": {"eval_every": 1, "early_stop": 1}})
    events = []
    run_comparison(comparison_configs(cfg), 40, lambda kind, payload: events.append(
        (kind, payload)), lambda: False)
    kind, curves = events[-1]
    assert kind == "finished"
    for c in curves:
        assert c.error == "" and c.diverged is None, c.error
        assert c.steps == list(range(1, 41))
