"""`landscape` and `hessian` commands, the NPZ export, the trajectory recorder, the presets."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from core.analysis.directions import pca_directions, project_trajectory, random_directions
from core.analysis.landscape import compute_landscape
from core.analysis.landscape_export import save_landscape_npz
from core.analysis.landscape_problem import LossProblem
from core.analysis.landscape_space import LandscapeError
from core.analysis.landscape_trajectory import TrajectoryRecorder
from core.cli.main import main
from core.presets import all_presets, config_from_partial
from core.training.trainer import Trainer

SMALL = {"device": "cpu", "model": {"depth": 2, "width": 8}, "data": {"n_train": 60, "n_test": 40}}


@pytest.fixture
def config_file(tmp_path):
    p = tmp_path / "cfg.json"
    p.write_text(json.dumps(SMALL))
    return str(p)


def run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_landscape_command_writes_the_npz(config_file, tmp_path, capsys):
    out = tmp_path / "l.npz"
    code, stdout, _ = run(["landscape", "--config", config_file, "--steps", "12", "--grid", "5",
                           "--span", "0.5", "--subset", "32", "--out", str(out)], capsys)
    assert code == 0 and "wrote" in stdout
    d = np.load(out)                                   # plain arrays: no pickle needed
    assert d["loss_train"].shape == d["loss_test"].shape == (5, 5)
    assert d["alphas"].tolist() == [-0.5, -0.25, 0.0, 0.25, 0.5]
    assert d["loss_train"][2, 2] == pytest.approx(float(d["centre_loss_train"]), rel=1e-6)
    n = int(d["param_offsets"][-1])
    assert d["directions"].shape == (2, n) and d["theta"].shape == (n,)
    assert list(d["param_names"])[:2] == ["linears.0.weight", "linears.0.bias"]
    assert d["trajectory_params"].shape[1] == n and d["trajectory_steps"][-1] == 12
    assert d["trajectory_coords"].shape == (len(d["trajectory_steps"]), 2)
    meta = json.loads(str(d["meta_json"]))
    assert meta["mode"] == "eval" and meta["step"] == 12


def test_landscape_command_pca_and_hessian_directions(config_file, tmp_path, capsys):
    for kind in ("pca", "hessian"):
        out = tmp_path / f"{kind}.npz"
        code, stdout, _ = run(["landscape", "--config", config_file, "--steps", "20", "--grid",
                               "3", "--directions", kind, "--subset", "16", "--split", "train",
                               "--out", str(out)], capsys)
        assert code == 0, stdout
        d = np.load(out)
        assert str(d["direction_kind"]) == kind and "loss_test" not in d.files
        v = d["directions"].astype(np.float64)
        assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_session_source(config_file, tmp_path, capsys):
    assert main(["run", "--config", config_file, "--steps", "5", "--out", str(tmp_path / "r")]) == 0
    capsys.readouterr()
    session = str(tmp_path / "r" / "session.gradlab")
    code, stdout, _ = run(["landscape", session, "--grid", "3", "--subset", "8", "--dims", "1",
                           "--out", str(tmp_path / "s.npz")], capsys)
    assert code == 0 and "step 5" in stdout
    assert np.load(tmp_path / "s.npz")["betas"].shape == (0,)


def test_hessian_command_json(config_file, capsys):
    code, stdout, _ = run(["hessian", "--config", config_file, "--steps", "5", "--subset", "32",
                           "--top-k", "2", "--samples", "8", "--json"], capsys)
    assert code == 0
    rep = json.loads(stdout)
    assert len(rep["top_eigenvalues"]) == 2 and rep["lambda_max"] >= rep["lambda_min"]
    assert rep["trace"] is not None and rep["two_over_lr"] == pytest.approx(20.0)
    assert rep["status"] in ("unstable", "saddle", "plateau", "edge_of_stability", "stable")
    code, stdout, _ = run(["hessian", "--config", config_file, "--subset", "16"], capsys)
    assert code == 0 and "λₘᵢₙ" in stdout and "status" in stdout


@pytest.mark.parametrize("argv, message", [
    (["landscape", "--out", "x.npz"], "give exactly one of"),
    (["landscape", "--preset", "nope", "--out", "x.npz"], "unknown preset"),
    (["landscape", "missing.gradlab", "--out", "x.npz"], "no such file"),
    (["landscape", "--preset", "landscape_saddle_zero_init", "--grid", "1", "--out", "x.npz"],
     "--grid"),
    (["landscape", "--preset", "landscape_saddle_zero_init", "--span", "-1", "--out", "x.npz"],
     "--span"),
    (["landscape", "--preset", "landscape_saddle_zero_init", "--directions", "up",
      "--out", "x.npz"], "--directions"),
    (["landscape", "--preset", "landscape_saddle_zero_init", "--out", "x.txt"], ".npz"),
    (["landscape", "--preset", "landscape_saddle_zero_init", "--workers", "0", "--out", "x.npz"],
     "--workers"),
    (["landscape", "--preset", "landscape_saddle_zero_init", "--steps", "0", "--directions",
      "pca", "--out", "x.npz"], "PCA directions need"),
    (["hessian", "--preset", "landscape_saddle_zero_init", "--top-k", "0"], "--top-k"),
    (["hessian", "--preset", "landscape_saddle_zero_init", "--subset", "0"], "--subset"),
])
def test_bad_input_is_one_line_and_status_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(argv, capsys)
    assert code == 2
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_trajectory_recorder_thins_and_pca_recovers_a_planar_path():
    model = torch.nn.Linear(3, 2)
    rec = TrajectoryRecorder(every=1, capacity=4)
    theta0 = torch.nn.utils.parameters_to_vector(model.parameters()).detach().clone()
    g = torch.Generator().manual_seed(0)
    u, w = torch.randn(8, generator=g), torch.randn(8, generator=g)
    coords = [(3.0 - t, 0.5 * (3.0 - t) ** 2) for t in range(7)]    # ends at (0, 0) = θ
    for step, (a, b) in enumerate(coords):
        torch.nn.utils.vector_to_parameters(theta0 + a * u + b * w, model.parameters())
        rec.maybe_record(step, model)
    assert len(rec) <= 4 and rec.every > 1 and rec.steps[0] == 0
    x, y = torch.randn(10, 3, generator=g), torch.randn(10, 2, generator=g)
    pb = LossProblem.from_model(model, "mse", {"train": (x, y)})
    d = pca_directions(pb, rec.snapshots)
    V = d.vectors.double()
    torch.testing.assert_close(V @ V.T, torch.eye(2, dtype=torch.float64), atol=1e-5, rtol=0)
    assert sum(d.info["explained_variance"]) == pytest.approx(1.0, abs=1e-6)
    xy, dist = project_trajectory(d, pb.theta, rec.snapshots)
    assert np.abs(dist).max() < 1e-5 * np.abs(xy).max()       # the path lies in the PCA plane
    assert xy[0, 0] < 0                                         # oldest point at negative α
    r = random_directions(pb, 2, "none")
    xy_r, dist_r = project_trajectory(r, pb.theta, rec.snapshots)
    assert xy_r.shape == (len(rec), 2) and np.all(dist_r >= 0)


def test_npz_write_failure_is_a_clear_error(tmp_path):
    tr = Trainer(config_from_partial(SMALL))
    pb = LossProblem.from_trainer(tr, subset=8)
    res = compute_landscape(pb, random_directions(pb), grid=3)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(LandscapeError, match="cannot write"):
        save_landscape_npz(blocker / "sub" / "x.npz", res)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_landscape_presets_are_valid():
    names = {p.name: p for p in all_presets() if p.lab == "landscape"}
    assert {"landscape_deep_plain", "landscape_deep_residual", "landscape_saddle_zero_init",
            "landscape_sharp_large_batch", "landscape_flat_small_batch"} <= set(names)
    plain, res = names["landscape_deep_plain"].config, names["landscape_deep_residual"].config
    assert plain.model.skip == "none" and res.model.skip == "residual"
    assert plain.with_value("model.skip", "residual") == res
    sharp = names["landscape_sharp_large_batch"].config
    flat = names["landscape_flat_small_batch"].config
    assert sharp.optim.batch_size >= sharp.data.n_train > flat.optim.batch_size
    assert sharp.with_value("optim.batch_size", flat.optim.batch_size) == flat


def test_out_is_checked_before_the_work_and_the_file_is_readable(config_file, tmp_path, capsys):
    import os
    import stat

    code, stdout, err = run(["landscape", "--config", config_file, "--steps", "2", "--grid", "3",
                             "--out", str(tmp_path)], capsys)
    assert code == 2 and "--out" in err and stdout == ""     # refused before training
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    code, stdout, err = run(["landscape", "--config", config_file, "--steps", "2", "--grid", "3",
                             "--out", str(tmp_path / "notes.txt" / "sub" / "l.npz")], capsys)
    assert code == 2 and "--out" in err and stdout == ""     # a file on the way: refused too
    out = tmp_path / "l.npz"
    old = os.umask(0o022)
    try:
        assert run(["landscape", "--config", config_file, "--steps", "2", "--grid", "3",
                    "--out", str(out)], capsys)[0] == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644          # not mkstemp's 0600
