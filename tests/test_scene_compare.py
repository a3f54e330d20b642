"""The comparison scene: its step statistic against a hand computation, its run selection, and a real tiny
render of three tiny runs (c0, c1, c2)."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from riemann_nn.config import ModelConfig
from riemann_nn.export import build_run
from riemann_nn.config import DatasetConfig, GeometryConfig, RunConfig
from riemann_nn.presets import get_preset
from riemann_nn.run import save_run
from riemann_nn.config import TrainConfig

from render_support import lit_fraction, load_scene_module, mean_change, render_tiny


@functools.cache
def scene_module():
    """The module of scenes/compare.py, loaded once."""
    return load_scene_module("compare")


@pytest.fixture(scope="module")
def tiny_run_files(tmp_path_factory):
    """Three tiny Run files of depth 2 on the same moons, one per scheme."""
    folder = tmp_path_factory.mktemp("compare")
    files = []
    for scheme, gain in (("c0", 1.0), ("c1", 1e-3), ("c2", 1e-3)):
        config = RunConfig(name=f"tiny-{scheme}", dataset=DatasetConfig("moons", n=60, noise=0.08, seed=1),
                           model=ModelConfig(scheme, "tanh", depth=2, dt=1.0, init_gain=gain),
                           training=TrainConfig(iterations=30, lr=0.05, weight_decay=0.0, seed=1),
                           geometry=GeometryConfig(sites_per_side=3, grid_lines=4, grid_samples=9))
        files.append(save_run(build_run(config, progress=False), folder / f"{scheme}.npz"))
    return files


def test_mean_step_lengths_by_hand():
    """Two points over two layers, worked out on paper."""
    x = np.array([
        [[0.0, 0.0], [2.0, 1.0]],  # layer 0: box 2 x 1, extent 2
        [[3.0, 4.0], [2.0, 1.0]],  # steps 5 and 0 -> mean 2.5 / 2; box 1 x 3, extent 3
        [[3.0, 4.0], [2.0, -2.0]],  # steps 0 and 3 -> mean 1.5 / 3
    ])
    steps = scene_module().mean_step_lengths(x)
    np.testing.assert_allclose(steps, [1.25, 0.5], rtol=0, atol=1e-12)


def test_mean_step_lengths_of_a_collapsed_layer_are_finite():
    """A layer where every point sits at one place (extent 0) gives a finite number, no inf/NaN."""
    x = np.array([[[1.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]], [[0.0, 0.0], [1.0, 0.0]]])
    steps = scene_module().mean_step_lengths(x)
    assert np.isfinite(steps).all()
    assert steps[0] == 0.0


def test_compare_presets_share_data_and_depth():
    configs = [get_preset(f"compare-{scheme}") for scheme in ("c0", "c1", "c2")]
    assert [c.model.scheme for c in configs] == ["c0", "c1", "c2"]
    assert len({c.dataset for c in configs}) == 1
    assert len({c.model.depth for c in configs}) == 1


def test_compare_runs_rejects_bad_lists_and_unequal_depths(tiny_run_files, tmp_path, monkeypatch):
    """A list of two files, a corrupt file, or runs of different depths end with one line naming the problem."""
    compare_runs = scene_module().compare_runs
    monkeypatch.setenv("RIEMANN_NN_COMPARE_RUNS", f"{tiny_run_files[0]},{tiny_run_files[1]}")
    with pytest.raises(SystemExit, match="three comma-separated"):
        compare_runs(("compare-c0", "compare-c1", "compare-c2"))
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    monkeypatch.setenv("RIEMANN_NN_COMPARE_RUNS", f"{tiny_run_files[0]},{bad},{tiny_run_files[2]}")
    with pytest.raises(SystemExit, match="bad.npz"):
        compare_runs(("compare-c0", "compare-c1", "compare-c2"))
    deeper = RunConfig(name="deeper", dataset=DatasetConfig("moons", n=40, noise=0.08, seed=1),
                       model=ModelConfig("c1", "tanh", depth=3),
                       training=TrainConfig(iterations=5, lr=0.05, weight_decay=0.0, seed=1),
                       geometry=GeometryConfig(sites_per_side=2, grid_lines=2, grid_samples=3))
    deeper_file = save_run(build_run(deeper, progress=False), tmp_path / "deeper.npz")
    monkeypatch.setenv("RIEMANN_NN_COMPARE_RUNS", f"{tiny_run_files[0]},{deeper_file},{tiny_run_files[2]}")
    with pytest.raises(SystemExit, match="same depth, got 2, 3, 2"):
        compare_runs(("compare-c0", "compare-c1", "compare-c2"))


@pytest.mark.render
def test_comparison_scene_renders_a_changing_video(tiny_run_files, tmp_path, monkeypatch):
    """Three tiny runs at 128x72, 5 fps: frames match the scene's duration, are not blank, and change."""
    monkeypatch.setenv("RIEMANN_NN_COMPARE_RUNS", ",".join(map(str, tiny_run_files)))
    frames, duration = render_tiny(scene_module().SchemeComparison, tmp_path)
    assert 10 <= duration <= 40
    background = frames[0, 0, 0].astype(int)
    # The heading dissolves into the panels: one frame at the cross-over may be nearly empty at 128x72.
    assert (lit_fraction(frames)[4:] <= 0.005).sum() <= 1, "frames after the heading's fade-in are (nearly) blank"
    assert (mean_change(frames) > 0.05).mean() > 0.4, "the video barely changes"
    # All three panels are drawn: in the middle of the video each third of the frame has lit pixels.
    middle = np.abs(frames[len(frames) // 2].astype(int) - background).max(axis=-1) > 40  # (72, 128)
    thirds = [middle[:, :43], middle[:, 43:86], middle[:, 86:]]
    assert all(third.mean() > 0.01 for third in thirds)


def test_your_run_is_compared_with_companions_trained_on_its_data(tiny_run_files, tmp_path, monkeypatch):
    """``--run yours.npz``: yours in the place of its scheme, tanh nets of the other schemes beside it with its
    depth, trained on its very points and labels, cached: a second call trains nothing."""
    from riemann_nn.run import load_run

    monkeypatch.setenv("RIEMANN_NN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("RIEMANN_NN_RUN", str(tiny_run_files[1]))  # a c1 run
    yours = load_run(tiny_run_files[1])
    runs = scene_module().compare_runs(("compare-c0", "compare-c1", "compare-c2"))
    assert [run.scheme for run in runs] == ["c0", "c1", "c2"]
    np.testing.assert_array_equal(runs[1].x, yours.x)
    for companion in (runs[0], runs[2]):
        assert companion.depth == yours.depth and companion.meta["dataset"]["source"] == "arrays"
        np.testing.assert_allclose(companion.x[0], yours.x[0], rtol=0, atol=0)
        np.testing.assert_array_equal(companion.y, yours.y)
    cached = sorted((tmp_path / "cache").iterdir())
    assert len(cached) == 2
    stamps = [path.stat().st_mtime_ns for path in cached]
    again = scene_module().compare_runs(("compare-c0", "compare-c1", "compare-c2"))
    assert [path.stat().st_mtime_ns for path in sorted((tmp_path / "cache").iterdir())] == stamps
    np.testing.assert_array_equal(again[0].x, runs[0].x)
