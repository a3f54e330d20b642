"""Configurations: every invalid value is refused with a ConfigError naming it, at construction."""

from __future__ import annotations

import pytest

from riemann_nn.config import ModelConfig
from riemann_nn.errors import ConfigError

ACTIVATION_NAMES = ["tanh", "sigmoid", "relu", "softplus", "identity"]


# ---- configuration ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, fragments",
    [
        (dict(scheme="c3"), ["c0", "c1", "c2"]),
        (dict(activation="gelu"), ACTIVATION_NAMES),
        (dict(depth=0), ["depth"]),
        (dict(depth=2.0), ["depth"]),
        (dict(dt=0.0), ["dt"]),
        (dict(dt=-1.0), ["dt"]),
        (dict(dt=float("nan")), ["dt"]),
        (dict(init_gain=0.0), ["init_gain"]),
    ],
)
def test_model_config_rejects(kwargs, fragments):
    """Unknown scheme/activation (listing the valid names), depth < 1 or not an int, dt <= 0 or NaN and a
    non-positive gain raise ConfigError."""
    with pytest.raises(ConfigError) as info:
        ModelConfig(**kwargs)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_model_config_is_frozen():
    """Configurations are immutable."""
    config = ModelConfig()
    with pytest.raises(AttributeError):
        config.depth = 3  # type: ignore[misc]
