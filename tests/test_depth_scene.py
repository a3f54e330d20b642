"""Depth as time on screen (``render.flow``): paths, metric glyphs, the step plot and the readout against the
numbers they draw, and a tiny render of ``scenes/depth.py``."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
from manim import ValueTracker

from riemann_nn.export import build_run
from riemann_nn.render import current_theme
from riemann_nn.render.flow import MetricMorph, PathMorph, StepPlot, SweepReadout, resample_paths, spread_points
from riemann_nn.render.framing import Framing, PlotRegion
from riemann_nn.sweep import mean_step, metric_change

from conftest import small_config
from render_support import decode, lit_fraction, load_scene_module, mean_change, read_cues, render_scene

THEME = current_theme("dark")
REGION = PlotRegion(left=-2.0, right=2.0, bottom=-2.0, top=2.0)
DEPTHS = (2, 4, 8, 16)


@functools.cache
def sweep():
    """Tiny c1 nets of depth 2, 4, 8, 16 and 32 with dt = 4 / depth (the last as the flow)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [
            build_run(
                small_config("c1", model={"depth": d, "dt": 4.0 / d}, training={"iterations": 30}), progress=False
            )
            for d in (*DEPTHS, 32)
        ]


def test_resampled_paths_pass_through_every_layer_and_are_straight_between():
    x = np.random.default_rng(0).normal(size=(5, 3, 2))  # 4 layers, 3 points
    times = np.linspace(0, 1, 17)  # every layer at a multiple of 1/4
    paths = resample_paths(x, times)
    assert np.allclose(paths[::4], x)
    assert np.allclose(paths[2::4], (x[:-1] + x[1:]) / 2)


def test_spread_points_is_greedy_farthest_point_sampling():
    """Against a plain loop: start nearest the centroid, then always the point farthest from those chosen."""
    points = np.random.default_rng(1).normal(size=(60, 2))
    chosen = [int(np.argmin([np.hypot(*(p - points.mean(axis=0))) for p in points]))]
    while len(chosen) < 7:
        far = [min(np.hypot(*(p - points[c])) for c in chosen) for p in points]
        chosen.append(int(np.argmax(far)))
    assert spread_points(points, 7).tolist() == chosen


def _framing(runs, chosen):
    return Framing.fit(np.concatenate([run.x[:, chosen].reshape(-1, 2) for run in runs]), REGION)


def test_paths_rest_on_each_nets_layers_and_grow_the_new_dots():
    """At net k the dots are exactly its layers' points on screen; half way to the next net the dots it shares
    with it stay full size and the new ones are half grown."""
    runs = sweep()[:3]
    chosen = spread_points(runs[0].x[0], 5)
    framing = _framing(runs, chosen)
    position = ValueTracker(1.0)
    paths = PathMorph(runs, chosen, position=position, framing=framing, theme=THEME)
    drawn = np.concatenate([cloud.points[::4, :2] for cloud in paths.dots])
    expected = framing.to_screen(runs[1].x[:, chosen]).reshape(-1, 2)
    assert len(drawn) == len(expected) and _same_set(drawn, expected)
    position.set_value(1.5)
    paths.update(0)
    assert sum(len(cloud.points) // 4 for cloud in paths.dots) == (runs[1].depth + 1) * len(chosen)
    assert sum(len(cloud.points) // 4 for cloud in paths.new_dots) == runs[1].depth * len(chosen)
    assert paths.new_clouds[0].radius == pytest.approx(0.5 * paths.dot_clouds[0].radius)


def _same_set(a: np.ndarray, b: np.ndarray) -> bool:
    return np.allclose(np.sort(a.round(6), axis=0), np.sort(b.round(6), axis=0), atol=1e-5)


def test_metric_glyphs_at_a_net_are_its_input_glyphs():
    """At net k the glyph outlines are its input metric's ellipses s J_L^{-1}, on screen."""
    runs = sweep()[:3]
    framing = Framing.fit(runs[0].sites[0], REGION)
    scale = 0.5
    metric = MetricMorph(runs, position=ValueTracker(2.0), framing=framing, theme=THEME, scale=scale, cap=10.0)
    from riemann_nn.metric import ellipses_of_factor

    expected, _ = ellipses_of_factor(
        runs[2].jacobian[-1], scale=scale * framing.zoom, max_axis=np.inf, convention="indicatrix"
    )
    outlines = metric.glyphs.points[:, :2].reshape(-1, 16, 2)  # 16 control points per closed ellipse
    centres = framing.to_screen(runs[2].sites[0])
    radii = np.linalg.norm(outlines[:, ::4] - centres[:, None], axis=-1)  # (M, 4) anchors on the ellipse
    assert (radii.max(axis=1) <= expected[:, 0] + 1e-9).all() and (radii.min(axis=1) >= expected[:, 1] - 1e-9).all()


def test_step_plot_and_readout():
    """A dot per net shown so far at its mean step, one sliding to the next in between; exact 1/depth steps
    would lie on the dashed line; the readout names the net being entered, its step and its metric's change."""
    runs = sweep()[:3]
    position = ValueTracker(1.0)
    plot = StepPlot(runs, position=position, region=REGION, theme=THEME)
    dots = plot.dots.points[::4, :2]
    assert np.allclose(dots, plot.to_screen(plot.depths[:2], [mean_step(run) for run in runs[:2]]))
    position.set_value(1.5)
    plot.update(0)
    assert len(plot.dots.points) // 4 == 3
    ideal = plot.to_screen(plot.depths, plot.steps[0] * plot.depths[0] / plot.depths)  # exact 1 / depth steps
    slopes = np.diff(ideal[:, 1]) / np.diff(ideal[:, 0])
    assert np.allclose(slopes, slopes[0])  # on one straight line
    readout = SweepReadout(runs, position=position, theme=THEME, anchor=(0, 0))
    title, numbers = readout.text_at(1.5)
    assert title == f"8 layers, dt {runs[2].dt:g}"
    change = metric_change(runs[1], runs[2])
    assert numbers == f"mean step {mean_step(runs[2]):.3g}  \u00b7  g\u2080 moved {100 * change:.0f}%"
    assert readout.text_at(0.0) == (f"2 layers, dt {runs[0].dt:g}", f"mean step {mean_step(runs[0]):.3g}")


@pytest.mark.render
def test_depth_scene_renders(tmp_path):
    """The scene on the tiny sweep: captions cued in order, each read in full, naming the measured changes;
    frames never blank but for the card's crossfade and changing."""
    module = load_scene_module("depth")

    class TinySweep(module.DepthAsTime):
        def load_run(self):
            *self.runs, self.flow_run = sweep()
            return self.runs[0]

    _, movie, duration = render_scene(TinySweep, tmp_path)
    assert 30 <= duration <= 75
    cues = read_cues(movie.with_suffix(".vtt"))
    for (start, end, text), following in zip(cues, [*cues[1:], (duration, duration, "")]):
        assert end - start >= 2.5 - 0.2 and end <= following[0] + 1e-6, text
    runs = sweep()
    first, last = metric_change(runs[0], runs[1]), metric_change(runs[2], runs[3])
    assert any(f"{100 * first:.0f}%" in text and f"{100 * last:.0f}%" in text for _, _, text in cues)
    frames = decode(movie)
    lit = lit_fraction(frames) > 0.005  # (T,)
    assert (lit[2:-2] | lit[3:-1] | lit[4:]).all(), "(nearly) blank for longer than the card's crossfade"
    assert (mean_change(frames) > 0.05).mean() > 0.2  # captions are read while the picture holds still
