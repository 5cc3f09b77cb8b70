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
    ('{"title": "t", "explanation": "e", "config": {}, "view": 3}', "view must be a JSON object"),
    ('{"title": "t", "explanation": "e", "config": {}, "view": {"zoom": 2}}', "unknown view key"),
    ('{"title": "t", "explanation": "e", "config": {}, "view": {"colour_top": -1}}', "colour_top"),
    ('{"title": "t", "explanation": "e", "config": {}, "view": {"colour_top": "3"}}', "colour_top"),
    ('{"title": "t", "explanation": "e", "config": {}, "view": {"colour_top": true}}', "colour_top"),
    ('{"title": "t", "explanation": "e", "config": {}, "view": {"colour_top": 1e400}}', "colour_top"),
    ('{"title": "t", "explanation": "e", "config": {}, "view": {"boundary_view": "map"}}',
     "boundary_view"),
    ('{"title": "t", "explanation": "e", "config": {}, "view": {"boundary_view": null}}',
     "boundary_view"),
])
def test_malformed_preset_gives_clear_error(text, match):
    with pytest.raises(PresetError, match=match):
        parse_preset(text, "broken")


def test_unknown_preset_name():
    with pytest.raises(PresetError, match="unknown preset 'nope'"):
        load_preset("nope")


def test_view_is_parsed_and_optional():
    base = '{"title": "t", "explanation": "e", "config": {}%s}'
    assert parse_preset(base % "", "p").view == {}
    assert parse_preset(base % ', "view": {"colour_top": 2.5}', "p").view == {"colour_top": 2.5}
    assert parse_preset(base % ', "view": {"colour_top": null}', "p").view == {"colour_top": None}
    assert parse_preset(base % ', "view": {"boundary_view": "shatter"}', "p").view == {
        "boundary_view": "shatter"}
    # The minimum pair shares one absolute scale; the plain/residual pair is read by shape.
    assert load_preset("landscape_sharp_large_batch").view == \
        load_preset("landscape_flat_small_batch").view == {"colour_top": 3}
    assert load_preset("landscape_deep_residual").view == {"colour_top": None}
