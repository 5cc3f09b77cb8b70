"""Version-1 configs: the renamed keys migrate, and a file that holds a key under both its old
and its new name is refused instead of one of the two winning silently."""

import pytest

from core.config import ExperimentConfig
from core.config_migrate import migrate
from core.errors import ConfigError


def test_old_names_migrate_to_the_new_ones():
    cfg = ExperimentConfig.from_dict({"schema_version": 1, "init": {"sigma_w": 2.5},
                                      "optim": {"clip": 0.5}})
    assert cfg.init.scale == 2.5 and cfg.optim.clip_norm == 0.5


@pytest.mark.parametrize("section,old,new", [("init", "sigma_w", "scale"),
                                             ("optim", "clip", "clip_norm")])
@pytest.mark.parametrize("same", [False, True])
def test_old_and_new_name_together_are_refused(section, old, new, same):
    d = {"schema_version": 1, section: {old: 2.0, new: 2.0 if same else 3.0}}
    with pytest.raises(ConfigError) as e:
        ExperimentConfig.from_dict(d)
    msg = str(e.value)
    assert f"{section}.{old}" in msg and f"{section}.{new}" in msg, msg
    assert "both" in msg and "one" in msg, msg
    assert d[section] == {old: 2.0, new: 2.0 if same else 3.0}   # the caller's dict untouched


def test_the_new_name_alone_in_a_version_1_file_is_kept():
    assert migrate({"schema_version": 1, "init": {"scale": 3.0}})["init"] == {"scale": 3.0}
