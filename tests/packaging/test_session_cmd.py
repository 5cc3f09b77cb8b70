"""`session info` and `session resave`: the bundle's smoke test opens and saves a session with them."""

import json

import torch

from core.cli.main import main
from core.sessions import load_session


def _run(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "--preset", "fixed_he_init", "--set", "model.depth=3", "--steps", "6",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    return out / "session.gradlab"


def test_info_prints_step_model_and_version(tmp_path, capsys):
    path = _run(tmp_path, capsys)
    assert main(["session", "info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "step 6" in out and "mlp depth 3" in out
    assert main(["session", "info", "--json", str(path)]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["step"] == 6 and d["records"] == 6 and d["model"]["depth"] == 3
    assert d["parameters"] > 0 and d["diverged"] is False and d["loss"] > 0


def test_resave_round_trips_everything(tmp_path, capsys):
    src = _run(tmp_path, capsys)
    dst = tmp_path / "again" / "copy.gradlab"
    dst.parent.mkdir()
    assert main(["session", "resave", str(src), str(dst)]) == 0
    assert "saved it to" in capsys.readouterr().out
    a, b = load_session(src), load_session(dst)
    assert a.config == b.config and len(a.history) == len(b.history) == 6
    assert a.meta == b.meta
    assert a.model_state.keys() == b.model_state.keys()
    for k in a.model_state:
        assert torch.equal(a.model_state[k], b.model_state[k])
    assert json.dumps(a.optim_state, default=str) == json.dumps(b.optim_state, default=str)


def test_bad_files_are_one_line_and_status_2(tmp_path, capsys):
    junk = tmp_path / "junk.gradlab"
    junk.write_bytes(b"not a zip")
    for argv in (["session", "info", str(tmp_path / "missing.gradlab")],
                 ["session", "info", str(junk)],
                 ["session", "resave", str(junk), str(tmp_path / "out.gradlab")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("error:") and err.count("\n") == 1
    assert not (tmp_path / "out.gradlab").exists()
