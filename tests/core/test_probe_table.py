"""`probe`'s table and JSON for an exploding net: one readable line per layer, Inf never
written as a finite number."""

import json

from core.cli.main import main

# σ_w = 10 through 30 ReLU layers: the activations reach ~1e20 (finite in the forward pass),
# and their std overflows float32 in the upper layers: act_std is Inf there, finite below.
EXPLODING = ["--preset", "exploding_init", "--set", "init.scale=10"]


def _table(capsys, argv):
    assert main(["probe", *argv]) == 0
    return capsys.readouterr().out.splitlines()


def test_table_of_an_exploding_net_keeps_one_short_line_per_layer(capsys):
    lines = _table(capsys, EXPLODING)
    header, rows = lines[0], [ln for ln in lines if ln.split() and ln.split()[0].startswith("h")]
    assert len(rows) == 30
    for row in rows:
        assert len(row) <= len(header) + 2, row
        assert len(row.split()) == 7, row          # layer and six columns, nothing run together
    std = [row.split()[4] for row in rows]
    assert "inf" in std                           # an overflowed std says so ...
    assert not any(s.startswith("1.000e+308") for s in std)   # ... and is not a number
    big = [float(s) for s in std if s != "inf" and float(s) > 1e6]
    assert big, std                                # huge finite values are in e-notation
    assert all("e+" in s for s in std if s != "inf" and float(s) >= 1e6)


def test_table_of_a_tame_net_keeps_its_decimals(capsys):
    lines = _table(capsys, ["--preset", "fixed_he_init", "--set", "model.depth=3"])
    std = [ln.split()[4] for ln in lines[1:4]]
    assert all("e" not in s and "." in s for s in std), std


def test_json_never_writes_inf_as_a_finite_number(capsys):
    assert main(["probe", *EXPLODING, "--json"]) == 0
    text = capsys.readouterr().out
    d = json.loads(text)
    assert "1e+308" not in text and "Infinity" not in text and "NaN" not in text
    std = d["act_std"]
    assert None in std and all(v is None or v < 1e30 for v in std)
    assert std[0] is not None and std[0] > 0
    assert "act_std" in d["infinite"]


def test_json_of_a_tame_net_lists_nothing_infinite(capsys):
    assert main(["probe", "--preset", "fixed_he_init", "--set", "model.depth=3", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert "infinite" not in d
    assert all(isinstance(v, float) for v in d["act_std"])
