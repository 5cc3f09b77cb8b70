"""The experiment configuration: frozen dataclasses with a JSON round-trip and validation.

Every field carries metadata (`spec`): its allowed values and a one-line help text with the
formula where one exists. Validation, the command line's `--set`, and the GUI's tooltips all read
that one place, so a new key is added once.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields, replace
from typing import Any

from core.errors import ConfigError

SCHEMA_VERSION = 2

# Choices are listed here rather than taken from the registry so that the config module stays
# import-light (the CLI validates before torch is imported). A test checks both agree.
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu", "selu", "gelu", "silu",
               "softplus", "maxout", "linear")
INIT_SCHEMES = ("zeros", "normal", "uniform", "xavier_normal", "xavier_uniform", "he_normal",
                "he_uniform", "lecun_normal", "orthogonal", "identity", "lsuv")
DATASETS_2D = ("spirals", "moons", "circles", "xor", "gaussians", "csv")
DATASETS_1D = ("sine",)
DATASETS_SEQ = ("adding", "copy")
DATASETS = DATASETS_2D + DATASETS_1D + DATASETS_SEQ
OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw")
RECURRENT_KINDS = ("rnn", "lstm", "gru")


def spec(default: Any, help: str, *, range: tuple | None = None, choices: tuple | None = None,
         integer: bool = False) -> Any:
    """A dataclass field with the metadata validation and the GUI read."""
    meta = {"help": help, "range": range, "choices": choices, "integer": integer}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class DataConfig:
    name: str = spec("spirals", "Dataset: 2-D toys, 1-D sine regression, or a sequence task",
                     choices=DATASETS)
    n_train: int = spec(400, "Training examples", range=(4, 100_000), integer=True)
    n_test: int = spec(400, "Held-out test examples (the train/test gap is measured on these)",
                       range=(4, 100_000), integer=True)
    noise: float = spec(0.1, "Label/input noise: std of Gaussian jitter added to the inputs",
                        range=(0.0, 5.0))
    seq_len: int = spec(50, "Sequence length T (time steps) for the sequence tasks",
                        range=(2, 1000), integer=True)
    copy_symbols: int = spec(3, "Copy task: how many symbols to remember and replay",
                             range=(1, 20), integer=True)
    csv_path: str = spec("", "CSV file with columns x1,x2,label (used when name = csv)")
    augment_noise: float = spec(0.0, "Augmentation: std σ_a of fresh Gaussian noise added to "
                                "each training batch's inputs at every step, x + σ_a·ε "
                                "(0 = off; test and whole-set evaluations stay clean; point "
                                "datasets only)", range=(0.0, 5.0))


@dataclass(frozen=True)
class ModelConfig:
    kind: str = spec("mlp", "Network type: multilayer perceptron or a recurrent net",
                     choices=("mlp",) + RECURRENT_KINDS)
    depth: int = spec(6, "Hidden layers of the MLP (recurrent nets have one recurrent layer)",
                      range=(1, 100), integer=True)
    width: int = spec(32, "Units per hidden layer (hidden state size for recurrent nets)",
                      range=(2, 1024), integer=True)
    activation: str = spec("tanh", "Nonlinearity φ in h = φ(W h_prev + b)", choices=ACTIVATIONS)
    skip: str = spec("none", "Skip connections: residual h_l = h_(l-1) + φ(...), or dense "
                     "(each layer sees all earlier ones)", choices=("none", "residual", "dense"))
    norm: str = spec("none", "Normalisation of pre-activations before φ",
                     choices=("none", "batch", "layer"))
    dropout: float = spec(0.0, "Probability of zeroing a hidden unit during training",
                          range=(0.0, 0.95))
    maxout_pieces: int = spec(2, "Linear pieces per maxout unit", range=(2, 8), integer=True)


@dataclass(frozen=True)
class InitConfig:
    scheme: str = spec("xavier_normal", "Weight initialization scheme", choices=INIT_SCHEMES)
    scale: float = spec(1.0, "σ_w: multiplies every scheme's standard deviation "
                        "(normal: W ~ N(0, σ_w²/fan_in))", range=(0.0, 100.0))
    bias_std: float = spec(0.0, "σ_b: biases ~ N(0, σ_b²)", range=(0.0, 10.0))
    spectral_radius: float = spec(0.0, "Recurrent nets: rescale W_hh so max|λ| equals this "
                                  "(0 = leave the scheme's radius)", range=(0.0, 10.0))
    forget_bias: float = spec(0.0, "LSTM forget-gate bias (large = gate open, memory kept)",
                              range=(-10.0, 10.0))


@dataclass(frozen=True)
class OptimConfig:
    name: str = spec("sgd", "Optimizer: plain SGD, heavy-ball or Nesterov momentum, RMSprop, "
                     "Adam or AdamW", choices=OPTIMIZERS)
    lr: float = spec(0.1, "Learning rate η: W ← W − η ∂L/∂W", range=(1e-6, 10.0))
    momentum: float = spec(0.9, "Momentum β: v ← βv + ∂L/∂W (momentum, nesterov); Adam's β1",
                           range=(0.0, 0.999))
    weight_decay: float = spec(0.0, "L2 penalty λ₂: adds λ₂ W to the gradient (decoupled for "
                               "AdamW)", range=(0.0, 1.0))
    l1: float = spec(0.0, "L1 penalty λ₁: adds λ₁ Σ|W| to the loss", range=(0.0, 1.0))
    clip_norm: float = spec(0.0, "Clip the global gradient norm to this (0 = off)",
                            range=(0.0, 1000.0))
    batch_size: int = spec(64, "Examples per step (≥ n_train means full batch)",
                           range=(1, 100_000), integer=True)


@dataclass(frozen=True)
class TrainConfig:
    eval_every: int = spec(10, "Measure test loss/accuracy every this many steps",
                           range=(1, 100_000), integer=True)
    probe_every: int = spec(1, "Record per-layer probes every this many steps",
                            range=(1, 100_000), integer=True)
    early_stop: int = spec(0, "Early stopping patience: end the run when the test loss (which "
                           "plays the validation set here) has not improved on its best for "
                           "this many evaluations in a row (every eval_every steps; 0 = off), and roll the "
                           "network back to the weights of the best evaluation",
                           range=(0, 1000), integer=True)


SECTIONS = {"data": DataConfig, "model": ModelConfig, "init": InitConfig, "optim": OptimConfig,
            "train": TrainConfig}


@dataclass(frozen=True)
class ExperimentConfig:
    seed: int = spec(0, "Seed of every random choice (data, weights, batches)",
                     range=(0, 2**31 - 1), integer=True)
    device: str = spec("auto", "Where to train: auto picks CUDA or MPS when present",
                       choices=("auto", "cpu", "cuda", "mps"))
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    init: InitConfig = field(default_factory=InitConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    # ---- conversions -------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain JSON-ready dict, with the schema version."""
        d = dataclasses.asdict(self)
        return {"schema_version": SCHEMA_VERSION, **d}

    @classmethod
    def from_dict(cls, d: Any) -> ExperimentConfig:
        """Build and validate from a dict (any schema version we can migrate)."""
        from core.config_migrate import migrate

        if not isinstance(d, dict):
            raise ConfigError(f"config must be a JSON object, got {type(d).__name__}")
        d = migrate(d)
        top = {}
        for f in fields(cls):
            if f.name in SECTIONS:
                sec = d.get(f.name, {})
                if not isinstance(sec, dict):
                    raise ConfigError(f"{f.name}: must be an object with keys "
                                      f"{[x.name for x in fields(SECTIONS[f.name])]}")
                top[f.name] = _build_section(SECTIONS[f.name], sec, f.name)
            elif f.name in d:
                top[f.name] = _coerce(f, d[f.name], f.name)
        unknown = set(d) - {f.name for f in fields(cls)} - {"schema_version"}
        if unknown:
            raise ConfigError(f"unknown key {sorted(unknown)[0]!r}; allowed top-level keys: "
                              f"{[f.name for f in fields(cls)]}")
        cfg = cls(**top)
        validate(cfg)
        return cfg

    def with_value(self, key: str, value: Any) -> ExperimentConfig:
        """A copy with one dotted key changed (value may be a string from the command line)."""
        return self.with_values({key: value})

    def with_values(self, changes: dict[str, Any]) -> ExperimentConfig:
        """A copy with several dotted keys changed together: each value is checked on its own,
        then the whole config once, so a change that needs another one (an LSTM and a sequence
        task) can be made in any order."""
        cfg = self
        for key, value in changes.items():
            section, _, name = key.rpartition(".")
            if section and section not in SECTIONS:
                raise ConfigError(f"unknown key {key!r}: sections are {list(SECTIONS)}")
            owner = getattr(cfg, section) if section else cfg
            f = {x.name: x for x in fields(owner)}.get(name)
            if f is None or (not section and name in SECTIONS):
                raise ConfigError(f"unknown key {key!r}")
            new = replace(owner, **{name: _coerce(f, value, key, parse=True)})
            cfg = replace(cfg, **{section: new}) if section else new
        validate(cfg)
        return cfg

    def get(self, key: str) -> Any:
        """Value of a dotted key, e.g. `model.depth`."""
        obj: Any = self
        for part in key.split("."):
            obj = getattr(obj, part)
        return obj


def all_keys() -> list[str]:
    """Every dotted key of the config, in declaration order."""
    keys = []
    for f in fields(ExperimentConfig):
        if f.name in SECTIONS:
            keys += [f"{f.name}.{g.name}" for g in fields(SECTIONS[f.name])]
        else:
            keys.append(f.name)
    return keys


def field_spec(key: str) -> dict:
    """The metadata (help, range, choices, integer) of a dotted key."""
    section, _, name = key.rpartition(".")
    cls = SECTIONS[section] if section else ExperimentConfig
    for f in fields(cls):
        if f.name == name:
            return dict(f.metadata) | {"default": f.default}
    raise ConfigError(f"unknown key {key!r}")


def _build_section(cls, d: dict, prefix: str):
    known = {f.name: f for f in fields(cls)}
    for k in d:
        if k not in known:
            raise ConfigError(f"unknown key '{prefix}.{k}'; allowed: {sorted(known)}")
    return cls(**{k: _coerce(known[k], v, f"{prefix}.{k}") for k, v in d.items()})


def _coerce(f: dataclasses.Field, value: Any, key: str, parse: bool = False) -> Any:
    """Check type and allowed values of one field. `parse`: a numeric field may come as text
    (the command line, a text box); in a JSON file a number must be a number."""
    meta = f.metadata
    want = type(f.default)
    if want is bool:
        raise AssertionError("no bool fields")
    if want in (int, float):
        if isinstance(value, str) and parse:
            try:
                value = float(value)
            except ValueError:
                raise ConfigError(f"{key}: expected a number, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key}: expected a number, got {type(value).__name__} {value!r}")
        if isinstance(value, int) and abs(value) > 1e300:      # beyond float: out of range
            lo, hi = meta["range"]
            digits = int(value.bit_length() * 0.30103) + 1    # str() refuses > 4 300 digits
            raise ConfigError(f"{key}: a number of about {digits} digits is out of range; "
                              f"allowed {lo} to {hi}")
        if not math.isfinite(value):
            raise ConfigError(f"{key}: must be a finite number, got {value!r}")
        if meta["integer"]:
            # An int is whole already (float() of one past 2**53 rounds, and would compare unequal)
            if not isinstance(value, int) and float(value) != int(value):
                raise ConfigError(f"{key}: must be a whole number, got {value!r}")
            value = int(value)
        else:
            value = float(value)
        lo, hi = meta["range"]
        if not lo <= value <= hi:
            raise ConfigError(f"{key}: {value!r} is out of range; allowed {lo} to {hi}")
        return value
    if not isinstance(value, str):
        raise ConfigError(f"{key}: expected a string, got {type(value).__name__} {value!r}")
    if meta["choices"] and value not in meta["choices"]:
        raise ConfigError(f"{key}: {value!r} is not allowed; choose one of {list(meta['choices'])}")
    return value


MAX_PARAMETERS = 30_000_000
MAX_ACTIVATION_GB = 4.0


def validate(cfg: ExperimentConfig) -> None:
    """Checks across fields (each field's own range is checked when it is set)."""
    for f in fields(ExperimentConfig):
        if f.name in SECTIONS:
            sec = getattr(cfg, f.name)
            for g in fields(sec):
                _coerce(g, getattr(sec, g.name), f"{f.name}.{g.name}")
        else:
            _coerce(f, getattr(cfg, f.name), f.name)
    m, d = cfg.model, cfg.data
    recurrent = m.kind in RECURRENT_KINDS
    if recurrent and d.name not in DATASETS_SEQ:
        raise ConfigError(f"data.name: {d.name!r} is not a sequence task; model.kind "
                          f"{m.kind!r} needs one of {list(DATASETS_SEQ)}")
    if not recurrent and d.name in DATASETS_SEQ:
        raise ConfigError(f"data.name: {d.name!r} is a sequence task; use model.kind "
                          f"rnn, lstm or gru (or a 2-D dataset for the MLP)")
    if m.kind == "rnn" and m.activation not in ("tanh", "relu", "linear"):
        raise ConfigError(f"model.activation: {m.activation!r} is not allowed for a vanilla RNN; "
                          "choose one of ['tanh', 'relu', 'linear']")
    if d.augment_noise > 0 and d.name in DATASETS_SEQ:
        # The sequence tasks' inputs are one-hot symbols and 0/1 markers: noise on them
        # changes the task rather than augmenting its data.
        raise ConfigError(f"data.augment_noise: {d.augment_noise!r} is not allowed for the "
                          f"sequence task {d.name!r} (its inputs are symbols and markers); "
                          "allowed 0 there, 0.0 to 5.0 for the point datasets")
    if d.name == "copy" and d.seq_len < 2 * d.copy_symbols + 1:
        raise ConfigError(f"data.seq_len: {d.seq_len} is too short for the copy task with "
                          f"{d.copy_symbols} symbols; needs at least {2 * d.copy_symbols + 1}")
    if not recurrent and m.norm == "batch" and min(cfg.optim.batch_size, d.n_train) < 2:
        raise ConfigError("optim.batch_size: batch norm needs at least 2 examples per step "
                          "(it normalises over the batch); raise the batch size or use "
                          "model.norm layer")
    if d.name == "csv" and not d.csv_path:
        raise ConfigError("data.csv_path: empty; data.name 'csv' needs a CSV file path")
    gb = estimate_activation_bytes(cfg) / 1e9
    if gb > MAX_ACTIVATION_GB:
        raise ConfigError(f"optim.batch_size: a step would keep about {gb:.1f} GB of activations "
                          f"(limit {MAX_ACTIVATION_GB} GB); lower the batch size, width, depth or "
                          "sequence length")
    n = estimate_parameters(cfg)
    if n > MAX_PARAMETERS:
        raise ConfigError(f"model: {n:,} parameters is too many for a live lab (limit "
                          f"{MAX_PARAMETERS:,}); lower model.depth or model.width, or skip=dense")


def estimate_parameters(cfg: ExperimentConfig) -> int:
    """Parameter count from the config alone (no torch), used to refuse absurd networks."""
    m = cfg.model
    w = m.width
    if m.kind in RECURRENT_KINDS:
        gates = {"rnn": 1, "gru": 3, "lstm": 4}[m.kind]
        return gates * (w * w + 8 * w + 2 * w) + 20 * w
    k = m.maxout_pieces if m.activation == "maxout" else 1
    total, fan_in = 0, 2
    for layer in range(m.depth):
        if m.skip == "dense":
            fan_in = 2 + layer * w
        total += (fan_in + 1) * w * k
        fan_in = w
    return total + (w + 1) * 4


def estimate_activation_bytes(cfg: ExperimentConfig) -> int:
    """Bytes of activations one training step keeps for the backward pass (rough, float32)."""
    m = cfg.model
    batch = min(cfg.optim.batch_size, cfg.data.n_train)
    if m.kind in RECURRENT_KINDS:
        gates = {"rnn": 1, "gru": 3, "lstm": 4}[m.kind]
        return 4 * batch * cfg.data.seq_len * m.width * (gates + 3)
    k = m.maxout_pieces if m.activation == "maxout" else 1
    return 4 * batch * m.depth * m.width * (2 * k + 3)
