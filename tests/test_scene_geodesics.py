"""The geodesics scene: its pure helpers against closed forms, and a real render at a tiny size."""

from __future__ import annotations


import numpy as np
import pytest

from conftest import small_config
from riemann_nn.export import build_run
from riemann_nn.render.framing import PlotRegion
from riemann_nn.run import save_run
from render_support import lit_fraction, load_scene_module, mean_change, render_tiny


scene_module = load_scene_module("geodesics")


def test_arm_order_follows_a_spiral_arm_not_the_straight_line():
    """Points of one spiral arm (r = 2t + 3, 1.5 turns), shuffled: the order along the spanning tree is the
    arm's normalised arc length (either way round), though one turn apart the arm comes within 4pi of itself."""
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0, 3 * np.pi, 600))  # (N,) the arm's angle
    arm = np.column_stack([(2 * t + 3) * np.cos(t), (2 * t + 3) * np.sin(t)])
    fine = np.linspace(t[0], t[-1], 100_001)
    speed = np.sqrt((2 * fine + 3) ** 2 + 4)  # |d(r cos t, r sin t)/dt| for r = 2t + 3
    arc = np.concatenate([[0.0], np.cumsum((speed[1:] + speed[:-1]) / 2 * np.diff(fine))])
    along = np.interp(t, fine, arc) / arc[-1]  # (N,) the reference
    shuffle = rng.permutation(len(t))
    order = scene_module.arm_order(arm[shuffle])  # (N,)
    if np.corrcoef(order, along[shuffle])[0, 1] < 0:
        order = 1 - order
    assert order.min() == 0.0 and order.max() == pytest.approx(1.0)
    assert np.abs(order - along[shuffle]).max() < 0.01  # chords of the tree are a little shorter than the arc


def test_polyline_bezier_draws_part_of_each_curve_and_dashes():
    """Two curves of 12 segments: drawing 0.5 gives 6 full segments each; dashes of 3 keep every other run."""
    x = np.linspace(0.0, 1.0, 13)
    curves = np.stack([np.column_stack([x, np.zeros(13)]), np.column_stack([x, np.ones(13)])])  # (2, 13, 2)
    half = scene_module.polyline_bezier(curves, 0.5)
    assert half.shape == (2 * 6 * 4, 3)
    assert half[:, 0].max() == pytest.approx(0.5)
    partial = scene_module.polyline_bezier(curves, 0.5 + 0.5 / 12)  # six and a half segments
    assert partial.shape == (2 * 7 * 4, 3) and partial[:, 0].max() == pytest.approx(0.5 + 0.5 / 12)
    dashed = scene_module.polyline_bezier(curves, 1.0, dash=3)
    kept = np.unique(np.round(dashed[::4, 0] * 12).astype(int))  # starting vertex of each kept segment
    np.testing.assert_array_equal(kept, [0, 1, 2, 6, 7, 8])
    clipped = scene_module.polyline_bezier(curves, 1.0, region=PlotRegion(-1, 0.25, -1, 0.5))
    assert clipped[:, 0].max() == pytest.approx(0.25) and clipped[:, 1].max() == 0.0  # y = 1 lies outside


@pytest.fixture(scope="module")
def spiral_run_file(tmp_path_factory):
    return save_run(build_run(small_config("c1"), progress=False), tmp_path_factory.mktemp("run") / "spirals.npz")


@pytest.mark.render
def test_geodesics_scene_renders(spiral_run_file, tmp_path, monkeypatch):
    """The scene renders a tiny run at 128x72, 5 fps: 20-40 s long, one frame per 0.2 s, never blank, and
    moving."""
    monkeypatch.setenv("RIEMANN_NN_RUN", str(spiral_run_file))
    monkeypatch.delenv("RIEMANN_NN_PRESET", raising=False)
    frames, duration = render_tiny(scene_module.Geodesics, tmp_path)
    assert 20 <= duration <= 40
    assert (lit_fraction(frames)[8:] > 0.005).all(), "some frames after the 1.5 s fade-in are (nearly) blank"
    assert (mean_change(frames) > 0.05).mean() > 0.4, "the video barely changes"
