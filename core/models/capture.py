"""What a forward pass records when the trainer probes it.

Lists are per hidden layer (MLP) or per time step (recurrent nets). `outputs` are the tensors
whose gradients are ‖∂L/∂h‖: they retain their grad through the backward pass.
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

    def add(self, pre: torch.Tensor, act: torch.Tensor, out: torch.Tensor) -> None:
        # Kept attached to the graph (a detach per tensor costs ~2 % of a small net's step):
        # readers work under torch.no_grad().
        self.pre.append(pre)
        self.act.append(act)
        if self.track_grad and out.requires_grad:
            out.retain_grad()
        self.outputs.append(out)
