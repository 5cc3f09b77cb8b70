"""Session files: exact round trip, resumed training identical, atomic writes, every refusal."""

import io
import json
import os
import struct
import zipfile

import numpy as np
import pytest
import torch
from torch import nn

from core.config import ExperimentConfig
from core.errors import SessionError
from core.sessions import FORMAT_VERSION, SessionData, archive, load_session, optim_state, save_session
from core.training.history import History
from core.training.record import Divergence, StepRecord

OPTIMIZERS = {
    "sgd_momentum": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda p: torch.optim.Adam(p, lr=1e-2, betas=(0.8, 0.99)),
    "adamw": lambda p: torch.optim.AdamW(p, lr=1e-2, weight_decay=0.1, amsgrad=True),
    "rmsprop": lambda p: torch.optim.RMSprop(p, lr=1e-2, momentum=0.5, centered=True),
}


def mlp(seed=0):
    torch.manual_seed(seed)
    # BatchNorm brings buffers (num_batches_tracked is a 0-dim int64); Dropout uses the RNG.
    return nn.Sequential(nn.Linear(2, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Dropout(0.2),
                         nn.Linear(8, 2))


X = torch.randn(64, 2, generator=torch.Generator().manual_seed(1))
Y = (X[:, 0] * X[:, 1] > 0).long()


def train(model, opt, steps):
    losses = []
    for _ in range(steps):
        idx = torch.randperm(len(X))[:16]
        loss = nn.functional.cross_entropy(model(X[idx]), Y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def history(n=5):
    h = History()
    for s in range(1, n + 1):
        probed = s % 2 == 1
        arrays = {"grad_h": np.array([s, np.nan, 1.0]), "dead": np.zeros(3)} if probed else {}
        h.append(StepRecord(step=s, loss=1 / s, train_acc=np.nan, lr=0.1, grad_norm=2.0,
                            clipped=False, finite=True, probed=probed, **arrays))
    h.append(StepRecord(step=n + 1, loss=np.nan, train_acc=np.nan, lr=0.1, grad_norm=np.inf,
                        clipped=True, finite=False,
                        divergence=Divergence(n + 1, "loss", None, None, "NaN.", "lr", "lower")))
    return h


def session(model, opt, hist=None, **meta):
    return SessionData(config=ExperimentConfig().with_value("model.depth", 3),
                       model_state=model.state_dict(), optim_state=opt.state_dict(),
                       history=hist or history(),
                       rng_state={"torch_cpu": torch.get_rng_state().numpy(),
                                  "batch_order": np.arange(10, dtype=np.int64)},
                       meta={"note": "ünïcode note", **meta})


@pytest.fixture
def saved(tmp_path):
    model = mlp()
    opt = OPTIMIZERS["adam"](model.parameters())
    train(model, opt, 3)
    path = tmp_path / "run.gradlab"
    save_session(path, session(model, opt))
    return path


def assert_same_tree(a, b):
    assert type(a) is type(b), (a, b)
    if isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same_tree(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same_tree(x, y)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


# ---- round trips -----------------------------------------------------------------------
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_round_trip_is_exact(tmp_path, name):
    model = mlp()
    opt = OPTIMIZERS[name](model.parameters())
    train(model, opt, 3)
    data = session(model, opt, step=3)
    save_session(tmp_path / "s.gradlab", data)
    back = load_session(tmp_path / "s.gradlab")
    assert back.config == data.config
    assert_same_tree(back.model_state, dict(data.model_state))
    assert back.model_state["1.num_batches_tracked"].shape == ()
    assert_same_tree(back.optim_state, data.optim_state)
    assert back.rng_state.keys() == data.rng_state.keys()
    for k in data.rng_state:
        assert back.rng_state[k].dtype == data.rng_state[k].dtype
        np.testing.assert_array_equal(back.rng_state[k], data.rng_state[k])
    assert back.history.divergence == data.history.divergence
    for k, v in data.history.to_arrays().items():
        np.testing.assert_array_equal(back.history.to_arrays()[k], v)
    assert back.meta["note"] == "ünïcode note" and back.meta["step"] == 3
    assert {"app_version", "created"} <= back.meta.keys()


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_training_continues_identically(tmp_path, name):
    model = mlp()
    opt = OPTIMIZERS[name](model.parameters())
    train(model, opt, 5)
    save_session(tmp_path / "s.gradlab", session(model, opt))
    expected = train(model, opt, 5)

    back = load_session(tmp_path / "s.gradlab")
    model2 = mlp(seed=123)                  # different init: everything must come from the file
    model2.load_state_dict(back.model_state)
    opt2 = OPTIMIZERS[name](model2.parameters())
    opt2.load_state_dict(back.optim_state)
    torch.set_rng_state(torch.from_numpy(back.rng_state["torch_cpu"]))
    assert train(model2, opt2, 5) == expected
    for p, q in zip(model.state_dict().values(), model2.state_dict().values(), strict=True):
        assert torch.equal(p, q)


def test_dtypes_and_zero_dim_tensors_round_trip(tmp_path, saved):
    data = load_session(saved)
    state = {"h": torch.tensor([1.5, -2.0], dtype=torch.float16), "d": torch.tensor(0.1,
             dtype=torch.float64), "i": torch.tensor(7, dtype=torch.int32),
             "b": torch.tensor([True, False]), "e": torch.empty(0, 3), "file": torch.ones(1)}
    save_session(tmp_path / "d.gradlab", SessionData(data.config, state, data.optim_state,
                                                     data.history, {}, {}))
    assert_same_tree(load_session(tmp_path / "d.gradlab").model_state, state)


def test_optimizer_tree_special_values():
    tree = {"state": {0: {"step": torch.tensor(2.0), "buf": None}, "0": {"x": torch.ones(2)}},
            "param_groups": [{"betas": (0.9, 0.99), "lr": float("nan"), "eps": float("inf"),
                              "params": [0, 1], "foreach": None, "name": "w", "__tuple__": 1}]}
    enc, arrays = optim_state.encode(tree)
    enc = json.loads(json.dumps(enc, allow_nan=False))     # must survive strict JSON
    assert_same_tree(optim_state.decode(enc, arrays, SessionError), tree)


def test_unsavable_values_are_refused_without_a_file(tmp_path, saved):
    data = load_session(saved)
    path = tmp_path / "x.gradlab"
    bad = [SessionData(data.config, {"w": torch.ones(2, dtype=torch.bfloat16)},
                       data.optim_state, data.history, {}, {}),
           SessionData(data.config, data.model_state, {"state": {0: {"f": object()}}},
                       data.history, {}, {}),
           SessionData(data.config, data.model_state, data.optim_state, data.history, {},
                       {"x": float("nan")})]
    for d in bad:
        with pytest.raises(SessionError, match="cannot save"):
            save_session(path, d)
    assert os.listdir(tmp_path) == ["run.gradlab"]


# ---- atomic writes ---------------------------------------------------------------------
def test_failed_write_keeps_old_file(tmp_path, saved, monkeypatch):
    before = saved.read_bytes()
    data = load_session(saved)
    real = archive.write_npz

    def explode(zf, member, arrays, compress=False):
        if member == "history.npz":           # halfway through the members
            raise RuntimeError("disk on fire")
        real(zf, member, arrays, compress)

    monkeypatch.setattr("core.sessions.format.write_npz", explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        save_session(saved, data)
    assert saved.read_bytes() == before
    assert os.listdir(tmp_path) == ["run.gradlab"]      # no temp file left behind
    with pytest.raises(RuntimeError):
        save_session(tmp_path / "new.gradlab", data)
    assert not (tmp_path / "new.gradlab").exists()


def test_save_into_missing_folder_is_a_session_error(tmp_path, saved):
    with pytest.raises(SessionError, match="cannot save"):
        save_session(tmp_path / "nope" / "s.gradlab", load_session(saved))


# ---- refusals --------------------------------------------------------------------------
def rewrite(src, dst, replace=None, drop=()):
    """Copy a session zip, swapping or dropping members."""
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if info.filename not in drop:
                zout.writestr(info.filename, replace.pop(info.filename, None) or zin.read(info))
        for name, data in replace.items():
            zout.writestr(name, data)
    return dst


def npz_bytes(**arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def patch_size(zip_bytes: bytes, member: str, size: int) -> bytes:
    """Make the central directory claim `member` unpacks to `size` bytes."""
    b = bytearray(zip_bytes)
    at = b.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", b, at + 28)[0]
        if b[at + 46:at + 46 + name_len].decode() == member:
            struct.pack_into("<I", b, at + 24, size)
            return bytes(b)
        at = b.find(b"PK\x01\x02", at + 4)
    raise AssertionError(member)


def manifest(saved, **change):
    with zipfile.ZipFile(saved) as z:
        m = json.loads(z.read("manifest.json"))
    return json.dumps({**m, **change})


def refused(path, *words):
    with pytest.raises(SessionError) as e:
        load_session(path)
    msg = str(e.value)
    assert os.fspath(path) in msg, msg
    for w in words:
        assert w in msg, msg


def test_not_a_zip_missing_and_truncated(tmp_path, saved):
    (tmp_path / "a.gradlab").write_text("hello, not a zip")
    refused(tmp_path / "a.gradlab", "not a zip")
    refused(tmp_path / "missing.gradlab", "no such file")
    (tmp_path / "t.gradlab").write_bytes(saved.read_bytes()[:300])
    refused(tmp_path / "t.gradlab", "not a zip")


def test_corrupt_member(tmp_path, saved):
    raw = bytearray(saved.read_bytes())
    with zipfile.ZipFile(saved) as z:
        info = z.getinfo("config.json")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    raw[start + 5] ^= 0xFF
    (tmp_path / "c.gradlab").write_bytes(bytes(raw))
    refused(tmp_path / "c.gradlab", "config.json", "corrupt")


def test_foreign_zip_and_wrong_format(tmp_path, saved):
    with zipfile.ZipFile(tmp_path / "f.gradlab", "w") as z:
        z.writestr("readme.txt", "hi")
    refused(tmp_path / "f.gradlab", "manifest.json")
    rewrite(saved, tmp_path / "w.gradlab", {"manifest.json": manifest(saved, format="other")})
    refused(tmp_path / "w.gradlab", "not a GradLab session", "other")
    rewrite(saved, tmp_path / "j.gradlab", {"manifest.json": "{not json"})
    refused(tmp_path / "j.gradlab", "manifest.json", "JSON")


def test_newer_format_version(tmp_path, saved):
    v = FORMAT_VERSION + 1
    rewrite(saved, tmp_path / "n.gradlab", {"manifest.json": manifest(saved, format_version=v)})
    refused(tmp_path / "n.gradlab", "newer", str(v))
    rewrite(saved, tmp_path / "b.gradlab", {"manifest.json": manifest(saved, format_version="1")})
    refused(tmp_path / "b.gradlab", "format_version")


@pytest.mark.parametrize("member", ["config.json", "weights.npz", "optimizer.json",
                                    "optimizer.npz", "history.npz", "rng.npz", "meta.json"])
def test_missing_member(tmp_path, saved, member):
    refused(rewrite(saved, tmp_path / "m.gradlab", drop=[member]), member, "missing")


def test_malformed_config(tmp_path, saved):
    cfg = json.dumps({"schema_version": 2, "model": {"depth": -4}})
    refused(rewrite(saved, tmp_path / "c.gradlab", {"config.json": cfg}), "config.json",
            "model.depth")
    refused(rewrite(saved, tmp_path / "d.gradlab", {"config.json": "[1, 2]"}), "config.json")


def test_malformed_optimizer_and_history(tmp_path, saved):
    bad_opt = json.dumps({"state": {"__tensor__": "nowhere"}})
    refused(rewrite(saved, tmp_path / "o.gradlab", {"optimizer.json": bad_opt}), "missing array")
    refused(rewrite(saved, tmp_path / "h.gradlab", {"history.npz": npz_bytes(step=np.ones(2))}),
            "history.npz")


class Boom:
    """Unpickling this would create a folder: proof that code ran."""

    marker = ""

    def __reduce__(self):
        return (os.makedirs, (self.marker,))


def test_pickled_object_array_is_refused_not_executed(tmp_path, saved):
    Boom.marker = os.fspath(tmp_path / "pwned")
    evil = io.BytesIO()
    np.savez(evil, **{"0.weight": np.array([Boom()], dtype=object)})
    refused(rewrite(saved, tmp_path / "e.gradlab", {"weights.npz": evil.getvalue()}),
            "weights.npz", "not a plain numeric array")
    assert not (tmp_path / "pwned").exists()


def test_zip_bomb_sizes_refused_before_reading(tmp_path, saved, monkeypatch):
    bomb = patch_size(saved.read_bytes(), "weights.npz", 0xFFFFFFF0)   # claims 4 GB
    (tmp_path / "b.gradlab").write_bytes(bomb)
    refused(tmp_path / "b.gradlab", "zip bomb")
    inner = patch_size(npz_bytes(w=np.zeros(4)), "w.npy", 0xFFFFFFF0)
    refused(rewrite(saved, tmp_path / "i.gradlab", {"rng.npz": inner}), "rng.npz", "zip bomb")
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 1000)              # the real check, scaled
    refused(saved, "zip bomb")


def test_npy_header_claiming_huge_shape_is_refused(tmp_path, saved):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False,
                                               "shape": (10**12,)})
    buf.write(b"\0" * 16)
    bad = io.BytesIO()
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("torch_cpu.npy", buf.getvalue())
    refused(rewrite(saved, tmp_path / "s.gradlab", {"rng.npz": bad.getvalue()}), "more data")


def test_json_members_that_defeat_a_plain_parser(tmp_path, saved):
    """Nesting past the stack, a 5 000-digit integer, a 400-digit depth: one clear error."""
    deep = '{"model": ' + "[" * 900 + "]" * 900 + "}"
    refused(rewrite(saved, tmp_path / "d.gradlab", {"config.json": deep}), "config.json",
            "nested")
    big = '{"format": "gradlab-session", "format_version": 1' + "0" * 5000 + "}"
    refused(rewrite(saved, tmp_path / "v.gradlab", {"manifest.json": big}), "manifest.json",
            "4300 digits")
    cfg = json.dumps({"schema_version": 2, "model": {"depth": 10 ** 400}})
    refused(rewrite(saved, tmp_path / "i.gradlab", {"config.json": cfg}), "model.depth",
            "out of range")
    refused(rewrite(saved, tmp_path / "t.gradlab",
                    {"optimizer.json": json.dumps({"__dict__": [[{"__tuple__": [[1]]}, 2]]})}),
            "optimizer.json")


def test_inner_archives_are_limited_together(tmp_path, saved, monkeypatch):
    """Each inner .npz under the limit, all of them together over it: refused before any
    array is unpacked."""
    with zipfile.ZipFile(saved) as z:
        sizes = {n: sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(z.read(n))).infolist())
                 for n in z.namelist() if n.endswith(".npz")}
        outer = sum(i.file_size for i in z.infolist())
    biggest = max(sizes.values())
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", outer + biggest + 1)
    refused(saved, "in all", "zip bomb")
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", outer + sum(sizes.values()))
    load_session(saved)                                  # exactly at the limit: fine


def test_a_session_that_does_not_fit_its_config_is_refused_when_used(tmp_path):
    """Well-formed files whose parts do not belong together: SessionError naming the part."""
    from core.presets import config_from_partial
    from core.training.snapshot import session_from_trainer, trainer_from_session
    from core.training.trainer import Trainer

    cfg = config_from_partial({"model": {"depth": 2, "width": 8}, "data": {"n_train": 64},
                               "optim": {"name": "momentum", "batch_size": 16}})
    tr = Trainer(cfg)
    hist = History()
    for rec in tr.steps(3):
        hist.append(rec)
    good = session_from_trainer(tr, hist)
    trainer_from_session(good)

    def broken(**change):
        import dataclasses
        return dataclasses.replace(good, **change)

    w = dict(good.model_state)
    w["linears.0.weight"] = torch.zeros(3, 3)
    cases = [
        (broken(model_state=w), "weights"),
        (broken(config=cfg.with_value("model.depth", 3)), "weights"),
        (broken(config=cfg.with_value("optim.name", "adam")), "optimizer"),
        (broken(optim_state={**good.optim_state, "param_groups": [
            {**g, "lr": "abc"} for g in good.optim_state["param_groups"]]}), "lr"),
        (broken(rng_state={**good.rng_state, "cursor": np.zeros(0, np.int64)}), "cursor"),
        (broken(rng_state={**good.rng_state, "batch_order": np.full(64, 99)}), "batch order"),
        # in range, right length, but not a permutation: examples 0 and 1 twice, 62 and 63 never
        (broken(rng_state={**good.rng_state, "batch_order": np.r_[0, 1, 0:62].astype(np.int64)}),
         "batch order"),
        (broken(rng_state={**good.rng_state, "torch_cpu": np.zeros(3, np.uint8)}),
         "random generator"),
        (broken(meta={**good.meta, "step": "12"}), "step"),
    ]
    for data, word in cases:
        with pytest.raises(SessionError, match=word):
            trainer_from_session(data)


def test_weights_that_do_not_fit_are_refused_naming_the_entry_and_both_shapes():
    """An edited or mixed-up file: the message says which weight is missing, unknown, of the
    wrong shape or of the wrong kind of number (torch would copy bool/int/complex silently)."""
    from core.presets import config_from_partial
    from core.training.snapshot import session_from_trainer, trainer_from_session
    from core.training.trainer import Trainer

    cfg = config_from_partial({"model": {"depth": 2, "width": 8}, "data": {"n_train": 64}})
    tr = Trainer(cfg)
    good = session_from_trainer(tr, History())
    w = good.model_state
    assert tuple(w["linears.0.weight"].shape) == (8, 2)

    def refused(weights, *words):
        import dataclasses
        with pytest.raises(SessionError) as e:
            trainer_from_session(dataclasses.replace(good, model_state=weights))
        for word in words:
            assert word in str(e.value), (word, str(e.value))

    renamed = {("x" + k if k == "linears.0.weight" else k): v for k, v in w.items()}
    refused(renamed, "no 'linears.0.weight'", "unknown 'xlinears.0.weight'")
    refused({k: v for k, v in w.items() if k != "out.bias"}, "no 'out.bias'")
    refused({**w, "linears.0.weight": torch.zeros(3, 2)}, "'linears.0.weight'", "(3, 2)",
            "(8, 2)")
    refused({**w, "linears.0.weight": w["linears.0.weight"].to(torch.complex64)},
            "'linears.0.weight'", "complex")
    refused({**w, "linears.1.bias": torch.ones(8, dtype=torch.bool)}, "'linears.1.bias'",
            "bool")
    # Another float width is the same numbers: accepted, and converted to the network's dtype.
    wide = {k: v.double() if v.is_floating_point() else v for k, v in w.items()}
    import dataclasses
    back = trainer_from_session(dataclasses.replace(good, model_state=wide))
    torch.testing.assert_close(back.model.state_dict()["linears.0.weight"], w["linears.0.weight"])
