"""The notebooks' parameter checks in companion.config."""

from dataclasses import dataclass

import pytest

from companion.config import config_overrides


@dataclass(frozen=True)
class Small:
    lr: float = 1e-3
    epochs: int = 1


def test_config_overrides_accept_fields_and_name_the_valid_keys_otherwise():
    assert config_overrides('{"lr": 0.1}', Small) == {"lr": 0.1}
    assert config_overrides(None, Small) == {}
    with pytest.raises(ValueError, match=r"unknown override\(s\) \['beta'\]; valid keys: epochs, lr"):
        config_overrides({"beta": 2}, Small)
    with pytest.raises(ValueError, match="must be a dict"):
        config_overrides("[1, 2]", Small)
