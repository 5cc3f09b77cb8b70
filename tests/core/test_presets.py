"""Every shipped preset loads, validates, and explains itself; broken presets fail clearly."""

import pytest

from core.errors import PresetError
from core.presets import all_presets, load_preset, parse_preset, preset_names

REQUIRED = ["vanishing_sigmoid", "exploding_init", "fixed_he_init", "fixed_batchnorm",
            "fixed_residual", "edge_of_chaos_tanh", "dying_relu"]


def test_required_presets_ship():
    assert set(REQUIRED) <= set(preset_names())


@pytest.mark.parametrize("name", preset_names())
def test_preset_is_valid_and_explained(name):
    p = load_preset(name)
    assert p.title and len(p.explanation) > 120
    assert p.config.to_dict()["schema_version"] >= 1


def test_all_presets_parse():
    assert len(all_presets()) >= len(REQUIRED)


@pytest.mark.parametrize("text,match", [
    ("{", "not valid JSON"),
    ("[]", "JSON object"),
    ('{"title": "t", "explanation": "e"}', "missing 'config'"),
    ('{"title": "t", "explanation": "e", "config": {"model": {"depth": -3}}}', "model.depth"),
    ('{"title": "t", "explanation": "e", "config": {}, "lab": "kitchen"}', "lab"),
    ('{"title": "t", "explanation": "e", "config": {}, "extra": 1}', "unknown key"),
    ('{"title": "t", "explanation": "e", "config": {}, "steps": "many"}', "steps"),
])
def test_malformed_preset_gives_clear_error(text, match):
    with pytest.raises(PresetError, match=match):
        parse_preset(text, "broken")


def test_unknown_preset_name():
    with pytest.raises(PresetError, match="unknown preset 'nope'"):
        load_preset("nope")
