"""Pick the torch device; a missing one falls back to the CPU with a message, never a crash."""

from __future__ import annotations

import torch


def available_devices() -> list[str]:
    """Devices present on this machine, CPU first."""
    out = ["cpu"]
    if torch.cuda.is_available():
        out.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        out.append("mps")
    return out


def resolve_device(requested: str) -> tuple[torch.device, str | None]:
    """The device to use and, where the request could not be met, a message saying why."""
    present = available_devices()
    if requested == "auto":
        pick = "cuda" if "cuda" in present else "mps" if "mps" in present else "cpu"
        return torch.device(pick), None
    if requested in present:
        return torch.device(requested), None
    return torch.device("cpu"), f"device {requested!r} is not available here; running on the CPU"


def recommended_threads(cfg) -> int:
    """CPU threads for torch: one for small nets, all cores for large ones.

    Small matrix products gain nothing from a second thread, and when the cores are busy (the GUI,
    another process) OpenMP's spinning threads make a 64×64 product ~100× slower (measured here).
    """
    import os

    m, b = cfg.model, cfg.optim.batch_size
    flops = 6 * b * m.width * m.width * max(m.depth, cfg.data.seq_len if m.kind != "mlp" else 1)
    return 1 if flops < 200e6 else max(1, min(os.cpu_count() or 1, 8))


def configure_threads(cfg) -> int:
    """Apply recommended_threads to the calling thread (torch's setting is per thread)."""
    n = recommended_threads(cfg)
    torch.set_num_threads(n)
    return n
