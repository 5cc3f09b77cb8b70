"""Config: exact JSON round trip, validation of every key, migrations."""

import json
import math

import pytest

from core.config import (
    ACTIVATIONS,
    INIT_SCHEMES,
    SCHEMA_VERSION,
    ExperimentConfig,
    all_keys,
    field_spec,
)
from core.errors import ConfigError


def test_json_round_trip_is_exact():
    cfg = ExperimentConfig().with_value("init.scale", "1.1225").with_value("optim.lr", 3e-4)
    text = json.dumps(cfg.to_dict())
    back = ExperimentConfig.from_dict(json.loads(text))
    assert back == cfg
    assert json.dumps(back.to_dict()) == text
    assert cfg.to_dict()["schema_version"] == SCHEMA_VERSION


def _bad_values(key):
    spec = field_spec(key)
    if spec["choices"]:
        return ["not-a-choice", 3, None]
    if spec["range"]:
        lo, hi = spec["range"]
        bad = [math.nan, math.inf, -math.inf, "abc", [1], True, lo - 1, hi * 2 + 1]
        if spec["integer"]:
            bad.append(lo + 0.5)
        return bad
    return [3, None]


@pytest.mark.parametrize("key", all_keys())
def test_every_key_rejects_bad_values_naming_the_field(key):
    for bad in _bad_values(key):
        with pytest.raises(ConfigError) as e:
            ExperimentConfig().with_value(key, bad)
        assert key in str(e.value)
        d = ExperimentConfig().to_dict()
        section, _, name = key.rpartition(".")
        (d[section] if section else d)[name] = bad
        with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
            ExperimentConfig.from_dict(d)


def test_range_message_names_value_and_range():
    with pytest.raises(ConfigError, match=r"model\.depth: -3 is out of range; allowed 1 to 100"):
        ExperimentConfig().with_value("model.depth", "-3")


def test_unknown_keys_are_refused():
    d = ExperimentConfig().to_dict()
    d["model"]["colour"] = "red"
    with pytest.raises(ConfigError, match="model.colour"):
        ExperimentConfig.from_dict(d)
    with pytest.raises(ConfigError, match="unknown key 'banana'"):
        ExperimentConfig.from_dict({"banana": 1})
    with pytest.raises(ConfigError):
        ExperimentConfig().with_value("model.colour", 1)
    with pytest.raises(ConfigError):
        ExperimentConfig.from_dict([1, 2])


def test_cross_field_checks():
    cfg = ExperimentConfig()
    with pytest.raises(ConfigError, match="sequence task"):
        cfg.with_value("data.name", "adding")
    with pytest.raises(ConfigError, match="GB of activations"):
        cfg.with_value("data.n_train", 100_000).with_value("optim.batch_size", 100_000) \
            .with_value("model.width", 1024).with_value("model.depth", 100)
    with pytest.raises(ConfigError, match="too many"):
        cfg.with_value("model.skip", "dense").with_value("model.width", 1024).with_value(
            "model.depth", 100)


def test_migration_from_version_1():
    old = {"schema_version": 1, "init": {"sigma_w": 2.5}, "optim": {"clip": 1.0}}
    from core.presets import config_from_partial

    cfg = config_from_partial(old)
    assert cfg.init.scale == 2.5 and cfg.optim.clip_norm == 1.0


def test_newer_schema_is_refused_clearly():
    d = ExperimentConfig().to_dict()
    d["schema_version"] = SCHEMA_VERSION + 1
    with pytest.raises(ConfigError, match="newer"):
        ExperimentConfig.from_dict(d)


def test_choices_agree_with_registries():
    from core.init.schemes import SCHEMES
    from core.models.activations import ACTIVATIONS as REGISTERED

    assert set(ACTIVATIONS) == set(REGISTERED)
    assert set(INIT_SCHEMES) == set(SCHEMES)


def test_every_key_has_help_text():
    for key in all_keys():
        assert len(field_spec(key)["help"]) > 10, key


def test_text_numbers_only_from_the_command_line():
    """`--set model.depth=3` is text by nature; in a JSON file "3" is a wrong type."""
    from core.presets import config_from_partial

    assert ExperimentConfig().with_value("model.depth", "3").model.depth == 3
    with pytest.raises(ConfigError, match="expected a number"):
        config_from_partial({"model": {"depth": "3"}})


def test_a_huge_whole_number_is_out_of_range_not_fractional():
    """10³⁴ + 1 in a JSON file is a whole number; float() rounds it, which must not turn the
    message into 'must be a whole number'."""
    big = 10**34 + 1
    with pytest.raises(ConfigError, match=r"model\.depth: .*out of range; allowed 1 to 100"):
        ExperimentConfig.from_dict({"model": {"depth": big}})
    with pytest.raises(ConfigError, match=r"seed: .*out of range"):
        ExperimentConfig.from_dict({"seed": 2**63 + 1})
