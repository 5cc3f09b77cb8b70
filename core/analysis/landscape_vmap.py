"""The general and the naive evaluation of many weight vectors.

- `vmap_per_example_loss`: `torch.func.functional_call` under `torch.func.vmap` over a chunk of
  grid points; works for every model here, recurrent nets included.
- `naive_losses`: the baseline the benchmark and the tests compare with: for each point, load the
  perturbed weights into a model, run a plain forward pass, compute the trainer's loss.
"""

from __future__ import annotations

import copy

import torch

from core.analysis.landscape_problem import LossProblem, mean_loss, per_example_loss


@torch.no_grad()
def vmap_per_example_loss(problem: LossProblem, theta: torch.Tensor, V: torch.Tensor,
                          coeffs: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-example losses (P, N) at the P weight vectors θ + coeffs @ V."""
    flat = torch.addmm(theta, coeffs, V)
    params = problem.space.unflatten(flat)
    model, buffers, kind = problem.model, problem.buffers, problem.loss_kind

    def one(p):
        out = torch.func.functional_call(model, (p, buffers), (x,))
        return per_example_loss(out, y, kind)

    return torch.func.vmap(one)(params)


class NaiveEvaluator:
    """The plain loop: copy weights into a scratch model, forward, loss; one point at a time."""

    def __init__(self, problem: LossProblem):
        self.problem = problem
        self.model = copy.deepcopy(problem.model).eval()
        params = dict(self.model.named_parameters())
        self.params = [params[k] for k in problem.space.names]
        self.slices = list(problem.space.slices().values())

    @torch.no_grad()
    def losses(self, theta: torch.Tensor, V: torch.Tensor, coeffs: torch.Tensor,
               splits: tuple[str, ...]) -> torch.Tensor:
        """Mean loss (P, len(splits)) at each point, computed one forward pass at a time."""
        out = torch.empty(coeffs.shape[0], len(splits), device=theta.device)
        for i in range(coeffs.shape[0]):
            flat = theta + coeffs[i] @ V
            for p, sl in zip(self.params, self.slices, strict=True):
                p.copy_(flat[sl].view_as(p))
            for j, s in enumerate(splits):
                x, y = self.problem.split(s)
                out[i, j] = mean_loss(self.model(x), y, self.problem.loss_kind)
        return out
