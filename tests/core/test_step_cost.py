"""The FLOP of a training step, counted from the weight shapes, against torch's own count of the
same forward and backward (torch.utils.flop_counter), and the time note built from it."""

import math

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from core.cli.main import main
from core.presets import config_from_partial
from core.training import cost
from core.training.trainer import Trainer

SEQ = {"n_train": 64, "n_test": 32, "seq_len": 10}
NETS = {
    "mlp": {"model": {"depth": 3, "width": 16}},
    "dense maxout": {"model": {"depth": 4, "width": 32, "skip": "dense",
                               "activation": "maxout"}},
    "residual batch norm": {"model": {"depth": 4, "width": 32, "skip": "residual",
                                      "norm": "batch"}},
    "sine regression": {"model": {"depth": 2, "width": 24}, "data": {"name": "sine"}},
    "rnn adding": {"model": {"kind": "rnn", "width": 16}, "data": {"name": "adding", **SEQ}},
    "gru adding": {"model": {"kind": "gru", "width": 16}, "data": {"name": "adding", **SEQ}},
    "lstm copy (loss on several steps)": {"model": {"kind": "lstm", "width": 16},
                                          "data": {"name": "copy", **SEQ}},
}


@pytest.fixture(params=NETS.values(), ids=NETS.keys())
def trainer(request):
    return Trainer(config_from_partial({**request.param, "train": {"eval_every": 7}}))


def counted(fn) -> int:
    with FlopCounterMode(display=False) as fc:
        fn()
    return fc.get_total_flops()


def test_a_training_step_costs_what_torch_counts(trainer):
    b = min(trainer.config.optim.batch_size, len(trainer.x_train))
    x, y = trainer.x_train[:b], trainer.y_train[:b]
    torch_count = counted(lambda: trainer._loss(trainer.model(x), y).backward())
    assert torch_count > 0 and cost.step_cost(trainer).train == torch_count


def test_evaluations_are_spread_over_the_steps_between_them(trainer):
    with torch.no_grad():
        whole = counted(lambda: (trainer.evaluate(trainer.x_train, trainer.y_train),
                                 trainer.evaluate(trainer.x_test, trainer.y_test)))
    assert cost.step_cost(trainer).evaluation == pytest.approx(whole / 7, rel=1e-12)


def test_the_matmul_rate_is_measured_once_per_device_and_thread_count():
    rate = cost.matmul_rate("cpu", torch.get_num_threads())
    assert math.isfinite(rate) and rate > 1e8               # any CPU of this decade
    assert cost.matmul_rate("cpu", torch.get_num_threads()) == rate


def test_the_note_appears_from_one_second_a_step():
    rate = 5e10
    assert cost.slow_step_note(0.99 * rate, rate) == ""
    assert cost.slow_step_note(math.nan, rate) == ""
    note = cost.slow_step_note(180 * rate, rate)
    assert note.startswith("Heavy network: at least 3.0 min per training step here")
    assert "9.0 × 10¹² FLOP" in note and "50 GFLOP/s" in note
    assert note.endswith("A smaller width, depth, batch or sequence length is faster.")
    # Where the whole-set evaluations are most of it, a smaller batch would not help.
    note = cost.slow_step_note(180 * rate, rate, evaluation=120 * rate)
    assert note.endswith("Most of it is the whole-set evaluation: a larger eval_every or fewer "
                         "examples is faster.")
    assert [cost.duration(s) for s in (1.04, 45.0, 5400.0, 9000.0)] == \
        ["1.0 s", "45 s", "90.0 min", "2.5 h"]


def test_the_command_line_says_when_a_step_is_slow(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cost, "matmul_rate", lambda *a: 1e3)    # a machine of 1 kFLOP/s
    assert main(["run", "--preset", "fixed_he_init", "--steps", "1",
                 "--out", str(tmp_path / "r")]) == 0
    assert "Heavy network: at least" in capsys.readouterr().out


def test_the_first_probe_shrinks_to_one_batch_where_the_full_one_would_take_seconds():
    tr = Trainer(config_from_partial({"model": {"depth": 3, "width": 16},
                                      "data": {"n_train": 400}, "optim": {"batch_size": 50}}))
    per_example = cost.step_cost(tr).train / 50
    fast = per_example * 400 / cost.SLOW_STEP_S          # 400 examples take exactly 1 s
    assert cost.probe_examples(tr, 4096, fast) == 400     # capped by the training set
    assert cost.probe_examples(tr, 100, fast / 2) == 100  # 100 examples: 0.5 s
    assert cost.probe_examples(tr, 4096, fast / 2) == 50  # 2 s: one batch
