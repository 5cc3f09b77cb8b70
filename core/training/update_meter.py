"""‖ΔW_l‖/‖W_l‖ of one optimizer step, with as few device calls as the optimizer allows."""

from __future__ import annotations

import numpy as np
import torch


class UpdateMeter:
    """For SGD without weight decay or Nesterov, ΔW = −lr·(gradient) or −lr·(momentum buffer)
    exactly, so the update's norm is read off norms the probe has anyway (or one norm of the
    buffers); any other optimizer copies the weights before the step (into buffers reused across
    steps) and measures the difference.

    Call `before_step` just before `optimizer.step()` and `ratios` just after. ‖W_l‖ before the
    step comes from the caller (the probe fetches it with the other statistics).
    """

    def __init__(self):
        self._before: list[torch.Tensor] | None = None
        self._mode: str | None = None

    @staticmethod
    def shortcut(optimizer) -> str | None:
        """"grad" or "momentum" where ΔW is read off the optimizer, else None."""
        if type(optimizer) is not torch.optim.SGD:
            return None
        g = optimizer.param_groups[0]  # the weights group (core/training/optim.py)
        if g["weight_decay"] or g["nesterov"] or g.get("maximize") or g["dampening"]:
            return None
        return "momentum" if g["momentum"] else "grad"

    @torch.no_grad()
    def before_step(self, weights: list[torch.Tensor], optimizer) -> None:
        self._mode = self.shortcut(optimizer)
        if self._mode is not None:
            return
        if self._before is None or len(self._before) != len(weights):
            self._before = [torch.empty_like(w) for w in weights]
        torch._foreach_copy_(self._before, [w.detach() for w in weights])

    @torch.no_grad()
    def ratios(self, weights: list[torch.Tensor], optimizer, norm_before: np.ndarray,
               applied: np.ndarray | None = None) -> np.ndarray:
        """Per-weight ratios. `applied`: ‖gradient‖ per weight as the optimizer used it (after
        clipping), if known; `norm_before`: ‖W_l‖ before the step."""
        if self._mode == "grad" and applied is not None:
            delta = optimizer.param_groups[0]["lr"] * np.asarray(applied, dtype=np.float64)
        else:
            if self._mode is None:
                torch._foreach_sub_(self._before, [w.detach() for w in weights])
                steps, lr = self._before, 1.0
            else:
                lr = optimizer.param_groups[0]["lr"]
                steps = [w.grad if self._mode == "grad" else
                         optimizer.state.get(w, {}).get("momentum_buffer") for w in weights]
                steps = [t if t is not None else torch.zeros_like(w)
                         for t, w in zip(steps, weights, strict=True)]
            norms = torch.stack(torch._foreach_norm(steps)).cpu().numpy()
            delta = lr * norms.astype(np.float64)
        return delta / np.maximum(np.asarray(norm_before, dtype=np.float64), 1e-30)
