"""Shared fixtures and the one invariant helper of the core tests.

Tests never change the working directory: the render/scene tests rely on the repository being the cwd,
so file-writing tests use ``tmp_path`` explicitly.
"""

from __future__ import annotations

import numpy as np
import pytest

from riemann_nn.model import ModelConfig
from riemann_nn.pipeline import build_run
from riemann_nn.presets import DatasetConfig, GeometryConfig, RunConfig
from riemann_nn.train import TrainConfig

# One tiny, non-trivial model per scheme. c0 gets gain 1 so its layers are not all ~0 (with the default
# gain 1e-3 a c0 net maps everything near one point and trains to chance accuracy).
SMALL_MODELS = {
    "c0": ModelConfig("c0", "tanh", depth=4, dt=1.0, init_gain=1.0),
    "c1": ModelConfig("c1", "tanh", depth=4, dt=1.0, init_gain=1e-3),
    "c2": ModelConfig("c2", "sigmoid", depth=4, dt=0.8, init_gain=1e-3),
}


def small_config(scheme: str, **sections) -> RunConfig:
    """A RunConfig small enough to build in well under a second (200 points, 4 layers, 50 steps)."""
    config = RunConfig(
        name=f"small-{scheme}",
        dataset=DatasetConfig("spirals", n=200, noise=0.2, seed=0),
        model=SMALL_MODELS[scheme],
        training=TrainConfig(iterations=50, lr=0.02, weight_decay=0.0, seed=0),
        geometry=GeometryConfig(sites_per_side=5, grid_lines=4, grid_samples=9),
    )
    return config.replace(**sections) if sections else config


@pytest.fixture(scope="session", params=sorted(SMALL_MODELS))
def small_run(request):
    """A trained Run for each scheme c0 / c1 / c2 (built once per session)."""
    return build_run(small_config(request.param), progress=False)


@pytest.fixture(scope="session")
def c1_run():
    """The c1 tiny Run alone, for tests that need just one file."""
    return build_run(small_config("c1"), progress=False)


def assert_finite_shape(array, shape: tuple, dtype_kind: str) -> None:
    """``array`` is a numpy array of exactly ``shape``, of dtype kind ``dtype_kind`` ('f', 'i', 'b', ...),
    and (for numbers) holds no NaN or infinity."""
    assert isinstance(array, np.ndarray), f"expected a numpy array, got {type(array).__name__}"
    assert array.shape == tuple(shape), f"shape {array.shape}, expected {tuple(shape)}"
    assert array.dtype.kind == dtype_kind, f"dtype {array.dtype} (kind {array.dtype.kind!r}), expected kind {dtype_kind!r}"
    if dtype_kind in "fc":
        assert np.isfinite(array).all(), f"{np.size(array) - np.isfinite(array).sum()} non-finite values"
