"""Write a landscape to NPZ: plain arrays only, readable with `np.load(path)` (no pickle).

Keys
- `alphas` (nα,), `betas` (nβ,) or (0,) for a 1-D slice: the grid axes.
- `loss_train`, `loss_test` (whichever were computed): (nα,) or (nα, nβ), [i, j] ↔ (alphas[i], betas[j]).
- `centre_loss_train`, `centre_loss_test`: the plain forward pass's loss at θ (scalars).
- `directions` (k, n) float32: flat vectors over the parameters in `state_dict` order;
  `param_names`, `param_shapes` ("32x2"), `param_offsets` (len + 1) map them back to tensors.
- `theta` (n,) float32: the centre.
- `trajectory_steps` (T,), `trajectory_params` (T, n), `trajectory_coords` (T, k),
  `trajectory_distance` (T,): recorded snapshots, their coordinates in the plane and distance
  from it (all empty when nothing was recorded).
- `direction_kind` and `meta_json` (step, path, timing, subset sizes, notes, config): strings.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import torch

from core.analysis.directions import project_trajectory
from core.analysis.landscape import LandscapeResult
from core.analysis.landscape_space import LandscapeError


def landscape_arrays(result: LandscapeResult, steps: np.ndarray | None = None,
                     snapshots: np.ndarray | None = None, meta: dict | None = None) -> dict:
    """Everything `save_landscape_npz` writes, as a dict of numpy arrays."""
    d = result.directions
    space = d.space
    k, n = d.dims, space.numel
    out = {
        "alphas": np.asarray(result.alphas, np.float64),
        "betas": np.asarray(result.betas if result.betas is not None else np.zeros(0), np.float64),
        "directions": d.numpy(),
        "direction_kind": np.array(d.kind),
        "param_names": np.array(space.names),
        "param_shapes": np.array(space.shape_strings()),
        "param_offsets": np.asarray(space.offsets, np.int64),
        "theta": np.asarray(result.theta, np.float32),
    }
    for s, grid in result.losses.items():
        out[f"loss_{s}"] = np.asarray(grid, np.float64)
        out[f"centre_loss_{s}"] = np.float64(result.centre_loss[s])
    if snapshots is not None and len(snapshots):
        snaps = np.asarray(snapshots, np.float32)
        coords, dist = project_trajectory(d, torch.as_tensor(result.theta), snaps)
        out["trajectory_steps"] = np.asarray(steps, np.int64)
        out["trajectory_params"] = snaps
        out["trajectory_coords"] = coords
        out["trajectory_distance"] = dist
    else:
        out["trajectory_steps"] = np.zeros(0, np.int64)
        out["trajectory_params"] = np.zeros((0, n), np.float32)
        out["trajectory_coords"] = np.zeros((0, k))
        out["trajectory_distance"] = np.zeros(0)
    info = {"step": result.step, "path": result.path, "seconds": result.seconds,
            "gflops": result.gflops, "subset": result.subset, "notes": list(result.notes),
            "direction_info": d.info, "mode": "eval", **(meta or {})}
    out["meta_json"] = np.array(json.dumps(info, default=_jsonable))
    return out


def save_landscape_npz(path: str | os.PathLike, result: LandscapeResult,
                       steps: np.ndarray | None = None, snapshots: np.ndarray | None = None,
                       meta: dict | None = None) -> None:
    """Write the NPZ atomically (a failure leaves no partial file); LandscapeError on failure."""
    arrays = landscape_arrays(result, steps, snapshots, meta)
    p = Path(path)
    tmp = None
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".npz", dir=p.parent)
        with os.fdopen(fd, "wb") as f:
            np.savez_compressed(f, **arrays)
        os.chmod(tmp, 0o666 & ~_umask())      # mkstemp's 0600 would hide it from others
        os.replace(tmp, p)
        tmp = None
    except OSError as e:
        raise LandscapeError(f"cannot write {str(p)!r}: {e.strerror or e}") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    old = os.umask(0)
    os.umask(old)
    return old


def _jsonable(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)
