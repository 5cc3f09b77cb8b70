"""Turn a torch optimizer state_dict into JSON plus named arrays, and back, exactly.

JSON cannot say "tuple", "int key" or "NaN", and must not hold tensors, so those are tagged:
  {"__tensor__": "state/3/exp_avg"}   a tensor, stored in optimizer.npz under that key
  {"__tuple__": [...]}                a tuple (Adam's betas)
  {"__dict__": [[key, value], ...]}   a dict whose keys are not all plain strings (state's ints)
  {"__float__": "nan" | "inf" | "-inf"}
Everything else is plain JSON (str, int, float, bool, None, list, dict of str keys).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from core.errors import SessionError

_TAGS = ("__tensor__", "__tuple__", "__dict__", "__float__")


def encode(obj) -> tuple[object, dict[str, np.ndarray]]:
    """(JSON-ready tree, arrays by key) for a nested optimizer state_dict."""
    arrays: dict[str, np.ndarray] = {}
    return _enc(obj, "", arrays), arrays


def _enc(x, path: str, arrays: dict):
    if isinstance(x, torch.Tensor):
        key = path.strip("/") or "tensor"
        while key in arrays:        # int 3 and str "3" would share a path; keep both
            key += "+"
        arrays[key] = tensor_to_numpy(x, f"optimizer state {key}")
        return {"__tensor__": key}
    if x is None or isinstance(x, (bool, int, str)):
        return x
    if isinstance(x, float):
        return x if math.isfinite(x) else {"__float__": repr(x)}
    if isinstance(x, tuple):
        return {"__tuple__": [_enc(v, f"{path}/{i}", arrays) for i, v in enumerate(x)]}
    if isinstance(x, list):
        return [_enc(v, f"{path}/{i}", arrays) for i, v in enumerate(x)]
    if isinstance(x, dict):
        if all(isinstance(k, str) and k not in _TAGS for k in x):
            return {k: _enc(v, f"{path}/{k}", arrays) for k, v in x.items()}
        return {"__dict__": [[_enc(k, f"{path}/key", arrays), _enc(v, f"{path}/{k}", arrays)]
                             for k, v in x.items()]}
    raise SessionError(f"cannot save optimizer state at {path or '/'}: "
                       f"values of type {type(x).__name__} are not supported")


def decode(tree, arrays: dict[str, np.ndarray], fail):
    """Inverse of encode; `fail(problem)` makes the exception for a malformed tree."""
    used: set[str] = set()
    out = _dec(tree, arrays, fail, used)
    if set(arrays) - used:
        raise fail(f"optimizer.npz has arrays no state refers to: {sorted(set(arrays) - used)[:3]}")
    return out


def _dec(x, arrays, fail, used):
    if isinstance(x, list):
        return [_dec(v, arrays, fail, used) for v in x]
    if not isinstance(x, dict):
        return x
    if len(x) == 1 and next(iter(x)) in _TAGS:
        (tag, v), = x.items()
        if tag == "__tensor__":
            if not isinstance(v, str) or v not in arrays:
                raise fail(f"optimizer state refers to a missing array {v!r}")
            used.add(v)
            return numpy_to_tensor(arrays[v])
        if tag == "__tuple__" and isinstance(v, list):
            return tuple(_dec(i, arrays, fail, used) for i in v)
        if tag == "__float__" and v in ("nan", "inf", "-inf"):
            return float(v)
        if tag == "__dict__" and isinstance(v, list) and all(
                isinstance(p, list) and len(p) == 2 for p in v):
            return {_hashable(_dec(k, arrays, fail, used), fail): _dec(w, arrays, fail, used)
                    for k, w in v}
        raise fail(f"optimizer state has a malformed {tag} entry")
    return {k: _dec(v, arrays, fail, used) for k, v in x.items()}


def _hashable(k, fail):
    if isinstance(k, (list, dict, torch.Tensor)):
        raise fail(f"optimizer state has an unusable dict key {k!r}")
    return k


def tensor_to_numpy(t: torch.Tensor, what: str) -> np.ndarray:
    """A CPU numpy copy with the tensor's dtype (SessionError for dtypes numpy lacks)."""
    t = t.detach().cpu()
    try:
        return t.contiguous().numpy().copy()
    except (TypeError, RuntimeError):
        raise SessionError(f"cannot save {what}: dtype {t.dtype} has no numpy equivalent") from None


def numpy_to_tensor(a: np.ndarray) -> torch.Tensor:
    """A CPU tensor owning a copy of `a` (0-dim stays 0-dim)."""
    return torch.from_numpy(np.array(a, copy=True, order="C"))
