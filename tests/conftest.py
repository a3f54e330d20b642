"""Shared fixtures and the one invariant helper of the core tests.

Tests leave no trace: an autouse fixture sends Manim's media folder (texts, Tex, videos) and the run cache to a
temporary folder, so the repository is unchanged after ``make test``. File-writing tests use ``tmp_path``.
"""

from __future__ import annotations

import functools
import io
import struct
import zipfile

import numpy as np
import pytest
import torch

from riemann_nn.config import DatasetConfig, GeometryConfig, ModelConfig, RunConfig, TrainConfig
from riemann_nn.export import build_run

# The networks are 2 neurons wide: intra-op threads cannot help, and on a busy 2-core machine (a render
# running beside the tests) torch's spinning worker threads slow training ten-fold.
torch.set_num_threads(1)

# One tiny, non-trivial model per scheme. c0 gets gain 1 so its layers are not all ~0 (with the default
# gain 1e-3 a c0 net maps everything near one point and trains to chance accuracy); its saturated tanh
# layers then collapse the charts at about half of the glyph sites, a realistic degenerate case.
SMALL_MODELS = {
    "c0": ModelConfig("c0", "tanh", depth=4, dt=1.0, init_gain=1.0),
    "c1": ModelConfig("c1", "tanh", depth=4, dt=1.0, init_gain=1e-3),
    "c2": ModelConfig("c2", "sigmoid", depth=4, dt=0.8, init_gain=1e-3),
}


@pytest.fixture(scope="session", autouse=True)
def media_elsewhere(tmp_path_factory):
    """Manim's media folder and the run cache in a temporary folder for the whole session (Manim CE's own test
    suite does the same): nothing is written under the repository's ``media/``."""
    from manim import config

    media = tmp_path_factory.mktemp("media")
    patch = pytest.MonkeyPatch()
    patch.setenv("RIEMANN_NN_CACHE", str(media / "runs"))
    previous = config.media_dir
    config.media_dir = str(media)
    yield media
    config.media_dir = previous
    patch.undo()


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


@functools.cache
def _small_run(scheme: str):
    return build_run(small_config(scheme), progress=False)


@pytest.fixture(scope="session", params=sorted(SMALL_MODELS))
def small_run(request):
    """A trained Run for each scheme c0 / c1 / c2 (built once per session; treat it as read-only)."""
    return _small_run(request.param)


@pytest.fixture(scope="session")
def c1_run():
    """The tiny c1 Run alone (the same object as ``small_run[c1]``), for tests that need just one file."""
    return _small_run("c1")


def assert_finite_shape(array, shape: tuple, dtype_kind: str) -> None:
    """``array`` is a numpy array of exactly ``shape``, of dtype kind ``dtype_kind`` ('f', 'i', 'b', ...),
    and (for numbers) holds no NaN or infinity."""
    assert isinstance(array, np.ndarray), f"expected a numpy array, got {type(array).__name__}"
    assert array.shape == tuple(shape), f"shape {array.shape}, expected {tuple(shape)}"
    assert array.dtype.kind == dtype_kind, f"dtype {array.dtype}, expected kind {dtype_kind!r}"
    if dtype_kind in "fc":
        assert np.isfinite(array).all(), f"{np.size(array) - np.isfinite(array).sum()} non-finite values"


def break_deflate_stream(data: bytes, member: str = "x.npy") -> bytes:
    """A copy of the zip archive ``data`` whose ``member`` has an invalid deflate stream: its first byte
    becomes 0x07 (final block of the reserved type 3), so decompressing it raises ``zlib.error``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    assert info.compress_type == zipfile.ZIP_DEFLATED, "the member must be compressed"
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + name_length + extra_length  # first byte of the compressed data
    return data[:start] + b"\x07" + data[start + 1 :]


def reference_layers(weight, bias, x0, *, scheme, act, dt):
    """DESIGN.md's schemes as a plain per-point loop: returns (L+1, N, d) for points (N, d)."""
    out = np.empty((len(weight) + 1, len(x0), np.shape(x0)[-1]))
    for n, point in enumerate(x0):
        x_prev2 = np.array(point, float)  # x_{-1} := x_0 (c2 starts at rest)
        x_prev = np.array(point, float)  # x_0
        out[0, n] = x_prev
        for l in range(len(weight)):
            f = act(weight[l] @ x_prev + bias[l])
            if scheme == "c0":
                x_new = f
            elif scheme == "c1":
                x_new = x_prev + dt * f
            else:
                x_new = 2 * x_prev - x_prev2 + dt * dt * f
            x_prev2, x_prev = x_prev, x_new
            out[l + 1, n] = x_new
    return out
