"""The training loop: one optimizer step at a time, each yielding an immutable StepRecord.

The trainer owns data, model and optimizer on one device. Workers call `step()` in a loop (the
yields between steps are the only points of pause and abort); `set_hyper` changes the learning
rate, clipping, L1 and L2, the augmentation noise and the early-stopping patience between steps
without a reset.

A run ends by diverging (`diverged`, a non-finite number) or by early stopping (`stopped`, the
test loss has not improved for `train.early_stop` evaluations); `step()` then refuses to go on.
An early stop rolls the network back to the weights of its best evaluation.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator

import numpy as np
import torch

from core.config import RECURRENT_KINDS, ExperimentConfig
from core.data import build_dataset
from core.data.dataset import Dataset
from core.device import configure_threads, resolve_device
from core.init.apply import initialize
from core.models.build import build_model
from core.models.capture import Capture
from core.training import probes
from core.training.divergence import diagnose
from core.training.early_stop import EarlyStopper
from core.training.grad_norms import clip_to_norm, refine_norms, wide_norms
from core.training.losses import mean_loss
from core.training.meanfield_probe import MeanFieldCache, bias_tensors
from core.training.optim import build_optimizer, set_hyper
from core.training.record import NAN, EarlyStop, StepRecord
from core.training.update_meter import UpdateMeter

EVAL_CHUNK = 2048
# A probe keeps every layer's activations: 4096 examples × 100 layers × 1024 units is 1.6 GB.
PROBE_LIMIT = 4096
# Keys set_hyper may change mid-run, and the config section of each.
LIVE = {"lr": "optim", "clip_norm": "optim", "weight_decay": "optim", "l1": "optim",
        "momentum": "optim", "augment_noise": "data", "early_stop": "train"}


class Trainer:
    """Builds everything from a config and trains it step by step."""

    def __init__(self, cfg: ExperimentConfig, dataset: Dataset | None = None,
                 device: str | None = None):
        self.device, self.device_note = resolve_device(device or cfg.device)
        self.config = cfg
        if self.device.type == "cpu":
            configure_threads(cfg)
        # Vanishing gradients reach 1e-40: subnormal floats would slow the CPU down ~100×.
        torch.set_flush_denormal(True)
        self.dataset = dataset if dataset is not None else build_dataset(cfg.data, cfg.seed)
        self.recurrent = cfg.model.kind in RECURRENT_KINDS
        self.init_gen = torch.Generator().manual_seed(cfg.seed)
        self.batch_gen = torch.Generator().manual_seed(cfg.seed + 7919)
        # Augmentation noise has its own generator: turning it on changes neither the batch
        # order nor the dropout masks, and a session restores it (rng "aug_gen").
        self.aug_gen = torch.Generator().manual_seed(cfg.seed + 104729)
        ds = self.dataset
        self.x_train, self.y_train = self._tensor(ds.x_train), self._tensor(ds.y_train)
        self.x_test, self.y_test = self._tensor(ds.x_test), self._tensor(ds.y_test)
        torch.manual_seed(cfg.seed)  # dropout masks are drawn from the global generator
        self.model = build_model(cfg, ds)
        first = self.x_train[: min(len(self.x_train), 512)].cpu()
        initialize(self.model, cfg.init, self.init_gen, batch=first)
        self.model.to(self.device)
        self.optimizer = build_optimizer(self.model, cfg.optim)
        # Walking the module tree costs ~0.1 ms a step; load_state_dict copies in place, so the
        # parameter objects listed here stay the model's.
        self._params = list(self.model.parameters())
        self._hidden = self.model.hidden_weights
        self._biases = bias_tensors(self)       # b_l for the mean-field theory (or none)
        self.step_count = 0
        self.diverged = None
        self.early = EarlyStopper()     # best test loss so far (restored: replayed from history)
        # (step, weights) at the lowest test loss so far, kept at every improving evaluation
        # (a copy of the state_dict, a small cost next to the evaluation itself) so that early
        # stopping can roll back to them; rolled_back is that step once it has.
        self.best_weights: tuple[int, dict[str, torch.Tensor]] | None = None
        self.rolled_back: int | None = None
        self._order: torch.Tensor | None = None
        self._cursor = 0
        self._recent_norms: list[float] = []
        self._update_meter = UpdateMeter()
        self._wn_key: tuple | None = None
        self._meanfield = MeanFieldCache(self)
        # The input's second moment sets q_1 of the mean-field variance map.
        self._x_moment = float(np.mean(np.square(ds.x_train, dtype=np.float64))) if not \
            self.recurrent else NAN

    # ---- public API -------------------------------------------------------------------------
    @property
    def layer_names(self) -> list[str]:
        return self.model.layer_names()

    @property
    def weights_step(self) -> int:
        """The step whose weights the network holds: the last one, or the best evaluation's
        once early stopping has rolled back to it (what a panel drawn from the net shows)."""
        return self.rolled_back if self.rolled_back is not None else self.step_count

    @property
    def stopped(self) -> EarlyStop | None:
        """Why early stopping has ended the run, or None. It follows the patience: raising
        `train.early_stop` (set_hyper) above the evaluations since the best lets it go on.
        None on a diverged run: divergence ended it, and a patience lowered afterwards must not
        roll the diverged net back to weights the run no longer stands on."""
        if self.diverged is not None:
            return None
        stop = self.early.stop(self.config.train.early_stop)
        if stop is not None and self.rolled_back == stop.best_step:
            stop = dataclasses.replace(stop, restored=True)
        return stop

    def set_hyper(self, **changes) -> None:
        """Change lr, clip_norm, weight_decay, l1, momentum, augment_noise or early_stop
        mid-run (optimizer state kept)."""
        cfg = self.config
        for k, v in changes.items():
            if k not in LIVE:
                raise KeyError(f"{k} cannot change mid-run; allowed: {sorted(LIVE)}")
            cfg = cfg.with_value(f"{LIVE[k]}.{k}", v)
        self.config = cfg
        set_hyper(self.optimizer, lr=cfg.optim.lr, weight_decay=cfg.optim.weight_decay)
        if "early_stop" in changes and self.stopped is not None and self.rolled_back is None:
            self._roll_back()          # a lowered patience ends the run without a step
        if "momentum" in changes:
            for g in self.optimizer.param_groups:
                if "momentum" in g:
                    g["momentum"] = cfg.optim.momentum
                if "betas" in g:
                    g["betas"] = (cfg.optim.momentum, g["betas"][1])

    def steps(self, n: int | None = None) -> Iterator[StepRecord]:
        """Yield records until n steps are taken, the run diverges or early stopping ends it."""
        taken = 0
        while (n is None or taken < n) and self.diverged is None and self.stopped is None:
            yield self.step()
            taken += 1

    def step(self) -> StepRecord:
        """One optimizer step on the next batch, measured."""
        if self.diverged is not None:
            raise RuntimeError("the run has diverged; reset it to continue")
        if (stop := self.stopped) is not None:
            raise RuntimeError(f"{stop.summary()} Raise train.early_stop above "
                               f"{stop.evaluations} (or set it to 0) to go on, or reset the run")
        cfg = self.config
        xb, yb = self._next_batch()  # the model is in train mode (evaluate() restores it)
        step = self.step_count + 1
        probe = step % cfg.train.probe_every == 0 or step == 1
        rec = self._measure(xb, yb, step, probe=probe, update=True)
        self.step_count = step
        self.rolled_back = None                       # this step moved the weights
        if rec.divergence is not None:
            self.diverged = rec.divergence
        elif rec.test_loss == rec.test_loss:          # evaluated this step (not NaN)
            self.early.update(step, rec.test_loss)
            if self.early.best_step == step:
                self.best_weights = (step, {k: v.detach().clone()
                                            for k, v in self.model.state_dict().items()})
            if self.stopped is not None:
                self._roll_back()
                rec = dataclasses.replace(rec, early_stop=self.stopped)
        return rec

    def _roll_back(self) -> None:
        """Early stopping ended the run: load the weights of the best evaluation, where kept.
        The optimizer's state (momentum, Adam's moments) stays that of the last step."""
        best = self.best_weights
        if best is not None and best[0] == self.early.best_step:
            self.model.load_state_dict(best[1])
            self.rolled_back = best[0]

    def probe(self, x: torch.Tensor | None = None, y: torch.Tensor | None = None) -> StepRecord:
        """Measure forward and backward on the training set (its first PROBE_LIMIT examples)
        without changing any weight."""
        self.model.train()
        x = self.x_train[:PROBE_LIMIT] if x is None else x
        y = self.y_train[:PROBE_LIMIT] if y is None else y
        rec = self._measure(x, y, self.step_count, probe=True, update=False)
        self.optimizer.zero_grad(set_to_none=True)
        if rec.divergence is not None:  # overflow at initialization: no step can follow
            self.diverged = rec.divergence
        return rec

    @torch.no_grad()
    def refresh_batchnorm(self, limit: int = PROBE_LIMIT) -> None:
        """Set every batch-norm layer's running statistics to those of the current weights on
        the training set (its first `limit` examples), "precise BN" (Wu & Johnson 2021).

        Eval mode normalises with running averages that trail the weights by ~1/momentum = 10
        steps; early in training, while weights move fast, that lag blows the whole-set loss up
        (the σ_w = 5 net of fixed_batchnorm: 4e14 nats at step 1 against a batch loss of 1.6).
        Running statistics only matter in eval mode, so training is unchanged."""
        bns = [m for m in self.model.modules()
               if isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and m.track_running_stats]
        if not bns:
            return
        was_training = self.model.training
        momenta = [m.momentum for m in bns]
        self.model.eval()                     # dropout off; only the BN layers gather statistics
        for m in bns:
            m.reset_running_stats()
            m.momentum = None                 # cumulative average over the chunks below
            m.train()
        x = self.x_train[:limit]
        for i in range(0, len(x), EVAL_CHUNK):
            self.model(x[i:i + EVAL_CHUNK])
        for m, momentum in zip(bns, momenta, strict=True):
            m.momentum = momentum
        self.model.train(was_training)

    @torch.no_grad()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
        """Mean loss and accuracy over a whole split, in eval mode, in chunks."""
        self.model.eval()
        tot_loss, tot_acc, n = 0.0, 0.0, len(x)
        for i in range(0, n, EVAL_CHUNK):
            out = self.model(x[i:i + EVAL_CHUNK])
            yy = y[i:i + EVAL_CHUNK]
            tot_loss += self._loss(out, yy).item() * len(yy)
            tot_acc += self._accuracy(out, yy) * len(yy)
        self.model.train()
        return tot_loss / n, tot_acc / n

    @torch.no_grad()
    def predict(self, x: np.ndarray) -> np.ndarray:
        """Model output for raw inputs: P(class 1) for two classes, argmax class for more,
        the value for regression."""
        self.model.eval()
        out = torch.cat([self.model(self._tensor(x[i:i + 8192]))
                         for i in range(0, len(x), 8192)])
        self.model.train()
        if not self.dataset.is_classification:
            return out[..., 0].cpu().numpy()
        if out.shape[-1] == 2:
            return torch.softmax(out, -1)[..., 1].cpu().numpy()
        return out.argmax(-1).cpu().numpy().astype(np.float64)

    # ---- internals ----------------------------------------------------------------------
    def _tensor(self, a: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(a).to(self.device)

    def _next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        n, bs = len(self.x_train), self.config.optim.batch_size
        if bs >= n:
            return self._augment(self.x_train), self.y_train
        if self._order is None or self._cursor + bs > n:
            self._order = torch.randperm(n, generator=self.batch_gen).to(self.device)
            self._cursor = 0
        idx = self._order[self._cursor:self._cursor + bs]
        self._cursor += bs
        return self._augment(self.x_train[idx]), self.y_train[idx]

    def _augment(self, x: torch.Tensor) -> torch.Tensor:
        """x + σ_a·ε with fresh ε ~ N(0, 1) each step (a new tensor: the stored training set
        stays clean for evaluations and plots). Drawn on the CPU generator, so a seed gives
        the same noise on every device."""
        sigma = self.config.data.augment_noise
        if sigma <= 0:
            return x
        eps = torch.randn(x.shape, generator=self.aug_gen, dtype=x.dtype)
        return x + sigma * eps.to(x.device)

    def _loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return mean_loss(out, y, self.dataset.loss_kind)

    def _accuracy(self, out: torch.Tensor, y: torch.Tensor) -> float:
        correct = self._correct(out, y)
        return NAN if correct is None else correct.item() / y.numel()

    def _correct(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor | None:
        """How many predictions are right (a tensor, read with the probes), None for regression."""
        if not self.dataset.is_classification:
            return None
        return (out.argmax(-1).reshape(-1) == y.reshape(-1)).sum()

    def _measure(self, x, y, step: int, probe: bool, update: bool) -> StepRecord:
        cfg = self.config
        cap = Capture() if probe else None
        out = self.model(x, cap)
        loss = self._loss(out, y)
        objective = loss
        if cfg.optim.l1 > 0:
            objective = loss + cfg.optim.l1 * sum(w.abs().sum() for w in self._matrices())
        self.optimizer.zero_grad(set_to_none=True)
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            return self._diverged(step, "loss", x, y, loss_value)
        objective.backward()
        params = [p for p in self._params if p.grad is not None]
        # One norm per parameter, before clipping: the global norm and grad_w both come from it.
        norms = (torch.stack(torch._foreach_norm([p.grad for p in params])) if params
                 else torch.zeros(0, device=self.device))
        grad_norm = torch.linalg.vector_norm(norms).item()
        if not math.isfinite(grad_norm):
            norms, grad_norm = wide_norms([p.grad for p in params], self.device)
        if not math.isfinite(grad_norm):
            return self._diverged(step, "backward", x, y, loss_value, cap=cap)
        clip = cfg.optim.clip_norm
        clipped = bool(update and clip > 0 and grad_norm > clip)  # a probe updates nothing
        if clipped:
            clip_to_norm([p.grad for p in params], clip, grad_norm)
        stats, correct = {}, None
        if probe:
            correct = self._correct(out, y)
            extra = {"param_norms": norms} if correct is None else \
                {"param_norms": norms, "correct": correct}
            stats = probes.layer_stats(cap, self._act_name(), self._act_modules(),
                                       self.recurrent, weights=self._hidden, extra=extra,
                                       more_norms=self._biases)
            weight_norm = stats.pop("weight_norm")
            bias_norms = stats.pop("more_norms", None)
            # ‖W_l‖ then ‖b_l‖: the hidden weights are the linears' weights, in order
            variance_norms = (None if bias_norms is None
                              else np.concatenate([weight_norm, bias_norms]))
            param_norms = refine_norms(stats.pop("param_norms"), [p.grad for p in params])
            stats["grad_w"] = self._weight_norms(params, param_norms)
            if correct is not None:
                correct = stats.pop("correct")
            gates = probes.gate_means(cap)
            if gates is not None:
                stats["gate_t"] = gates
            if not np.all(np.isfinite(stats["act_mean"])):
                layer = probes.first_nonfinite(cap.act)
                return self._diverged(step, "forward", x, y, loss_value, layer=layer)
        if update:
            if probe:
                self._update_meter.before_step(self._hidden, self.optimizer)
            self.optimizer.step()
            if probe:
                applied = stats["grad_w"] * (clip / grad_norm if clipped else 1.0)
                stats["update_ratio"] = self._update_meter.ratios(
                    self._hidden, self.optimizer, weight_norm, applied)
        if probe:
            stats["meanfield_grad_h"] = self._meanfield(stats["grad_h"], step, variance_norms)
        self._recent_norms = (self._recent_norms + [grad_norm])[-20:]
        acc = self._accuracy(out, y) if correct is None else float(correct) / y.numel()
        evals = {}
        if update and (step % cfg.train.eval_every == 0 or step == 1):
            self.refresh_batchnorm()
            tl, ta = self.evaluate(self.x_train, self.y_train)
            vl, va = self.evaluate(self.x_test, self.y_test)
            evals = dict(eval_train_loss=tl, eval_train_acc=ta, test_loss=vl, test_acc=va)
        return StepRecord(step=step, loss=loss_value, train_acc=acc, lr=cfg.optim.lr,
                          grad_norm=grad_norm, clipped=clipped, finite=True, probed=probe,
                          **evals, **stats)

    def _weight_norms(self, params: list[torch.Tensor], norms: np.ndarray) -> np.ndarray:
        """Pick ‖∂L/∂W_l‖ of the hidden weights out of the per-parameter norms (0 where a
        weight got no gradient), with a cached index."""
        key = len(params) if len(params) == len(self._params) else tuple(map(id, params))
        if self._wn_key != key:
            where = {id(p): i for i, p in enumerate(params)}
            self._wn_key = key
            self._wn_index = np.array([where.get(id(w), len(params)) for w in self._hidden])
        return np.append(norms.astype(np.float64), 0.0)[self._wn_index]

    def _matrices(self) -> list[torch.Tensor]:
        return [p for p in self._params if p.ndim >= 2]

    def _act_name(self) -> str:
        m = self.config.model
        return m.activation if m.kind in ("mlp", "rnn") else "tanh"

    def _act_modules(self) -> list:
        return list(self.model.acts) if hasattr(self.model, "acts") else [None]

    def _diverged(self, step, where, x, y, loss_value, cap=None, layer=None) -> StepRecord:
        """Locate the first non-finite layer and end the run with a diagnosis."""
        if where in ("loss", "forward") and layer is None:
            with torch.no_grad():
                probe_cap = Capture(track_grad=False)
                self.model(x, probe_cap)
            layer = probes.first_nonfinite(probe_cap.outputs)
            if layer is not None:
                where = "forward"
        if where == "backward" and cap is None:
            cap = Capture()  # this step was not probed: redo it with the layers captured
            self.optimizer.zero_grad(set_to_none=True)
            self._loss(self.model(x, cap), y).backward()
        if where == "backward":
            bad = probes.first_nonfinite([o.grad for o in cap.outputs][::-1])
            layer = None if bad is None else len(cap.outputs) - 1 - bad
        if self.recurrent and layer is not None:
            name = f"hₜ at t = {layer + 1}"
            layer = 0
        else:
            name = self.layer_names[layer] if layer is not None else None
        div = diagnose(self.config, step, where, layer, name, self._recent_norms)
        self.optimizer.zero_grad(set_to_none=True)
        return StepRecord(step=step, loss=loss_value, train_acc=NAN, lr=self.config.optim.lr,
                          grad_norm=NAN, clipped=False, finite=False, divergence=div)
