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
