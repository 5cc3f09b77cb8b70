"""The headless command line: presets, probe, run, and one-line errors with exit status 2."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli.main import main
from core.sessions import load_session

ROOT = Path(__file__).resolve().parents[2]


def test_presets_lists_names_and_titles(capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    assert "vanishing_sigmoid" in out and "Deep sigmoid net" in out


def test_probe_json_has_the_documented_fields(capsys):
    assert main(["probe", "--preset", "vanishing_sigmoid", "--set", "model.depth=5", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    for key in ("layers", "grad_h", "grad_w", "act_mean", "act_std", "saturated", "dead",
                "meanfield_grad_h"):
        assert len(d[key]) == 5, key
    assert d["grad_h"][0] < d["grad_h"][-1]  # sigmoid: vanishing toward the input


def test_probe_recurrent_has_spectrum(tmp_path, capsys):
    argv = ["probe", "--preset", "vanishing_sigmoid", "--set", "model.kind=rnn", "--json"]
    assert main(argv) == 2  # sigmoid is not a vanilla-RNN activation: refused clearly
    assert "model" in capsys.readouterr().err
    cfg = {"data": {"name": "adding", "seq_len": 12}, "model": {"kind": "rnn", "width": 8},
           "init": {"spectral_radius": 0.9}}
    path = tmp_path / "rnn.json"
    path.write_text(json.dumps(cfg))
    assert main(["probe", "--config", str(path), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert len(d["grad_t"]) == 12 and abs(d["spectral_radius"] - 0.9) < 1e-6
    assert len(d["eigenvalues"]["real"]) == 8 and len(d["singular_values"]) == 8


def test_run_writes_config_metrics_and_session(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "--preset", "fixed_he_init", "--set", "model.depth=4", "--steps", "12",
                 "--out", str(out)]) == 0
    lines = (out / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 12
    rec = json.loads(lines[-1])
    assert rec["step"] == 12 and len(rec["grad_h"]) == 4
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["model"]["depth"] == 4
    s = load_session(out / "session.gradlab")
    assert s.meta["step"] == 12 and len(s.history) == 12


def test_run_of_a_diverging_preset_reports_it(tmp_path, capsys):
    assert main(["run", "--preset", "exploding_init", "--steps", "20", "--out",
                 str(tmp_path / "x")]) == 0
    assert "diverged" in capsys.readouterr().out


@pytest.mark.parametrize("argv,match", [
    (["probe", "--preset", "nope", "--json"], "unknown preset"),
    (["probe", "--preset", "fixed_he_init", "--set", "model.depth=-3"], "model.depth"),
    (["probe", "--preset", "fixed_he_init", "--set", "model.colour=3"], "unknown key"),
    (["probe", "--preset", "fixed_he_init", "--set", "optim.lr=nan"], "finite"),
    (["probe", "--preset", "fixed_he_init", "--set", "depth"], "KEY=VALUE"),
    (["probe", "--config", "/does/not/exist.json"], "does not exist"),
    (["probe", "--config", "/"], "is a folder"),        # not "does not exist": it does
    (["probe", "--config", "/dev/null"], "not a regular file"),
    (["run", "--preset", "fixed_he_init", "--steps", "0", "--out", "/tmp/x"], "--steps"),
    (["run", "--preset", "fixed_he_init", "--steps", "2", "--out", ""], "--out"),
    (["run", "--preset", "fixed_batchnorm", "--set", "optim.batch_size=1", "--steps", "2",
      "--out", "/tmp/x"], "batch norm needs at least 2"),
    (["landscape", "--preset", "fixed_he_init", "--seed", "1" + "0" * 22, "--out", "/tmp/x.npz"],
     "--seed"),
])
def test_bad_input_is_one_line_and_status_2(argv, match, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1 and "Traceback" not in err


def test_malformed_json_config(tmp_path, capsys):
    p = tmp_path / "c.json"
    p.write_text("{oops")
    assert main(["probe", "--config", str(p)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_real_process_exit_status_and_no_traceback():
    r = subprocess.run([sys.executable, "main.py", "probe", "--preset", "fixed_he_init",
                        "--set", "model.depth=-3"], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2
    assert r.stderr.strip() == "error: model.depth: -3 is out of range; allowed 1 to 100"


@pytest.mark.parametrize("text,match", [
    ('{"model": {"depth": 1' + "0" * 400 + "}}", "out of range"),
    ('{"model": {"depth": 1' + "0" * 5000 + "}}", "4300 digits"),
    ('{"model": ' + "[" * 900 + "]" * 900 + "}", "nested"),
    ("\ufeff" + '{"model": {"depth": 3}}', None),                 # a BOM is fine
])
def test_json_that_defeats_a_plain_parser(tmp_path, capsys, text, match):
    p = tmp_path / "c.json"
    p.write_text(text, encoding="utf-8")
    rc = main(["probe", "--config", str(p), "--json"])
    err = capsys.readouterr().err
    if match is None:
        assert rc == 0, err
    else:
        assert rc == 2 and match in err and err.count("\n") == 1, err


def test_set_order_does_not_matter(capsys):
    """Keys that need each other (an LSTM needs a sequence task) change together."""
    for sets in (["model.kind=lstm", "data.name=copy"], ["data.name=copy", "model.kind=lstm"]):
        argv = ["probe", "--preset", "fixed_he_init", "--json"]
        for item in sets:
            argv += ["--set", item]
        assert main(argv) == 0, capsys.readouterr().err
        assert len(json.loads(capsys.readouterr().out)["grad_t"]) > 1


def test_run_leaves_the_folder_as_it_was_when_it_cannot_write(tmp_path, capsys):
    out = tmp_path / "run"
    (out / "config.json").mkdir(parents=True)           # in the way of the config file
    argv = ["run", "--preset", "fixed_he_init", "--set", "model.depth=3", "--steps", "3",
            "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "cannot write" in err and err.count("\n") == 1 and "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == ["config.json"]   # no partial files


def test_probe_table_of_a_diverging_net(capsys):
    assert main(["probe", "--preset", "vanishing_sigmoid", "--set", "model.depth=60",
                 "--set", "init.scale=100", "--set", "model.activation=linear"]) == 0
    out = capsys.readouterr().out
    assert "diverged" in out and "h60" in out
