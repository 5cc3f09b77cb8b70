"""Small pieces of the fast landscape path: scratch buffers and a fast, accurate tanh."""

from __future__ import annotations

import torch


class Workspace:
    """Scratch tensors reused across chunks: on a CPU every fresh multi-megabyte tensor costs
    page faults, which took as long as the arithmetic here."""

    def __init__(self):
        self._bufs: dict[str, torch.Tensor] = {}
        self._memo: dict[str, tuple] = {}

    def get(self, name: str, shape: tuple, like: torch.Tensor) -> torch.Tensor:
        n = 1
        for d in shape:
            n *= d
        buf = self._bufs.get(name)
        if buf is None or buf.numel() < n or buf.device != like.device or buf.dtype != like.dtype:
            buf = self._bufs[name] = torch.empty(n, dtype=like.dtype, device=like.device)
        return buf[:n].view(shape)

    def memo(self, name: str, key, make):
        """A value computed once per key (e.g. folded weights of one θ and set of directions)."""
        hit = self._memo.get(name)
        if hit is None or hit[0] != key:
            hit = self._memo[name] = (key, make())
        return hit[1]

    def holds(self, name: str, t: torch.Tensor | None) -> bool:
        buf = self._bufs.get(name)
        return buf is not None and t is not None and buf.data_ptr() == t.data_ptr()


# Below this RMS of a layer's pre-activations, tanh is computed by torch.tanh (see tanh_).
FAST_TANH_MIN_RMS = 0.1


def _rms(h: torch.Tensor) -> torch.Tensor:
    """Per-point RMS (P,) of a (P, N, J) tensor, from its first 64 examples (a scale check, not
    a statistic: a quarter of the cost of a full pass for the default subset)."""
    h = h[:, :64]
    return torch.linalg.vector_norm(h, dim=(1, 2)) / (h.shape[1] * h.shape[2]) ** 0.5


def tanh_(h: torch.Tensor) -> torch.Tensor:
    """tanh in place; on a CPU in float32 as 2σ(2x) − 1, about 5× faster than torch.tanh here.

    2σ(2x) − 1 has an absolute error of ≤ 2e-7 (σ's rounding near ½), so it is used only when
    every grid point's pre-activations have an RMS ≥ 0.1: the next layer then sees a relative
    error ≤ 2e-6 of its input, the size of float32 matmul rounding. Smaller signals (vanishing
    activations) keep torch.tanh's relative accuracy."""
    if h.device.type != "cpu" or h.dtype != torch.float32 or h.ndim < 2:
        return torch.tanh_(h)
    if float(_rms(h).min()) < FAST_TANH_MIN_RMS:
        return torch.tanh_(h)
    return h.mul_(2).sigmoid_().mul_(2).sub_(1)
