"""What a forward pass records when the trainer probes it.

Lists are per hidden layer (MLP) or per time step (recurrent nets). `outputs` are the tensors
whose gradients are ‖∂L/∂h‖: they retain their grad through the backward pass, or a fused
backward (core/models/fused_stack.py) hands those gradients over as `grads`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass
class Capture:
    pre: list[torch.Tensor] = field(default_factory=list)      # input of φ (after norm)
    act: list[torch.Tensor] = field(default_factory=list)      # output of φ
    outputs: list[torch.Tensor] = field(default_factory=list)  # h_l or h_t, grads retained
    gates: list[torch.Tensor] = field(default_factory=list)    # LSTM forget / GRU update gate
    track_grad: bool = True
    grads: list[torch.Tensor] | None = None                    # ∂L/∂h from a fused backward

    def add(self, pre: torch.Tensor, act: torch.Tensor, out: torch.Tensor) -> None:
        self.pre.append(pre.detach())
        self.act.append(act.detach())
        if self.track_grad and out.requires_grad:
            out.retain_grad()
        self.outputs.append(out)

    def output_grads(self) -> list[torch.Tensor | None]:
        """∂L/∂h per entry of `outputs` after backward (None where no gradient reached it)."""
        return self.grads if self.grads is not None else [o.grad for o in self.outputs]
