"""Depth as time: residual (c1) nets of growing depth with ``dt = T / depth`` drawn as one morphing picture.

One ``ValueTracker``, ``position`` in ``[0, K-1]`` over the K nets of a sweep (shallow to deep), drives:

- ``PathMorph``: the paths of a few points through the layers, in the plane all layers of a c1 net share, with
  a dot where every layer's step ends; between two nets the paths blend, the dots the deeper net shares with the
  shallower staying and its new ones growing in;
- ``MetricMorph``: each net's input metric as glyphs ``E = s J_L^{-1}`` at the input's sites, blended between
  nets;
- ``StepPlot``: the mean step per layer against the depth (both on log scales), with ``1 / depth`` dashed.

A path is the straight polyline through a net's layers (for c1 exactly its Euler steps) on the time axis
``u = l / L`` in [0, 1], resampled at common times so that nets of any depth blend point by point.
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
from manim import Mobject, ValueTracker, VGroup, VMobject
from numpy.typing import ArrayLike

from ..metric import invert_chart, rank_deficient
from ..run import Run
from ..sweep import mean_step, metric_change
from .colour import Theme
from .framing import Framing, PlotRegion
from .legends import format_magnitude, log_ticks
from .marks import EllipseField, PointCloud, UnboundedMarks, segments_to_bezier
from .text import OutlineCache, PathText
from .views import cap_glyphs

__all__ = ["MetricMorph", "PathMorph", "StepPlot", "SweepReadout", "resample_paths", "spread_points"]


def spread_points(points: np.ndarray, count: int) -> np.ndarray:
    """Indices of ``count`` points (N, 2) spread over the set: greedy farthest-point sampling from the point
    nearest the centroid. (count,) int."""
    chosen = [int(np.argmin(np.linalg.norm(points - points.mean(axis=0), axis=1)))]
    distance = np.linalg.norm(points - points[chosen[0]], axis=1)  # (N,) to the nearest chosen point
    for _ in range(count - 1):
        chosen.append(int(np.argmax(distance)))
        distance = np.minimum(distance, np.linalg.norm(points - points[chosen[-1]], axis=1))
    return np.array(chosen)


def resample_paths(layers: np.ndarray, times: np.ndarray) -> np.ndarray:
    """The straight polylines through ``layers`` (L+1, P, 2), layer ``l`` at time ``l / L``, at ``times`` (S,)
    in [0, 1]: (S, P, 2)."""
    depth = len(layers) - 1
    scaled = np.clip(np.asarray(times, float), 0.0, 1.0) * depth  # (S,)
    low = np.minimum(np.floor(scaled).astype(int), depth - 1)  # (S,)
    f = (scaled - low)[:, None, None]
    return (1 - f) * layers[low] + f * layers[low + 1]


def _blend(position: float, count: int) -> tuple[int, float]:
    """Which two neighbouring nets ``position`` lies between, and how far: (k, f) with 0 <= f <= 1."""
    p = float(np.clip(position, 0.0, count - 1))
    k = min(math.floor(p), count - 2) if count > 1 else 0
    return k, p - k


class PathMorph(VGroup):
    """The paths of the chosen points through every net's layers, blended between neighbouring nets; the layer
    ends as dots. ``paths`` (K, S, P, 2) at common times (``resample_paths``), ``vertex_times[k]`` the times of
    net k's layers."""

    def __init__(
        self,
        runs: list[Run],
        chosen: np.ndarray,
        *,
        position: ValueTracker,
        framing: Framing,
        theme: Theme,
        samples: int = 257,
        stroke_width: float = 2.4,
        dot_radius: float = 0.045,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.position, self.framing = position, framing
        self.times = np.linspace(0.0, 1.0, samples)
        self.layers = [run.x[:, chosen] for run in runs]  # K arrays (L_k+1, P, 2)
        self.paths = np.stack([resample_paths(x, self.times) for x in self.layers])  # (K, S, P, 2)
        self.depths = [run.depth for run in runs]
        labels = runs[0].y[chosen]  # (P,)
        self.members = [labels == label for label in range(len(theme.classes))]
        self.lines = VGroup(*[VMobject(stroke_color=c, stroke_width=stroke_width) for c in theme.classes])
        self.dot_clouds = [PointCloud(color=c, radius=dot_radius) for c in theme.classes]
        self.new_clouds = [PointCloud(color=c, radius=dot_radius) for c in theme.classes]  # growing in
        self.dots, self.new_dots = VGroup(*self.dot_clouds), VGroup(*self.new_clouds)
        # A net's dots are at most ``dot_radius``, and at most a third of its mean step on screen, so that the
        # dots of a deep net's many short steps stay apart.
        steps = np.array([np.linalg.norm(np.diff(x, axis=0), axis=-1).mean() for x in self.layers])  # (K,)
        self.radii = np.minimum(dot_radius, framing.zoom * steps / 3)  # (K,)
        self.add(self.lines, self.new_dots, self.dots)
        self.follow(self)
        self.add_updater(self.follow)

    def path_at(self, position: float, times: np.ndarray) -> np.ndarray:
        """The blended paths at ``times`` (T,): (T, P, 2)."""
        k, f = _blend(position, len(self.depths))
        here = resample_paths(self.layers[k], times)
        return here if f == 0 else (1 - f) * here + f * resample_paths(self.layers[k + 1], times)

    def follow(self, mobject: Mobject) -> None:
        k, f = _blend(self.position.get_value(), len(self.depths))
        curves = self.paths[k] if f == 0 else (1 - f) * self.paths[k] + f * self.paths[k + 1]  # (S, P, 2)
        screen = self.framing.to_screen(curves)  # (S, P, 2)
        target = k + 1 if f > 0 else k
        vertex_times = np.arange(self.depths[target] + 1) / self.depths[target]  # (V,)
        shared = np.isclose(vertex_times[:, None], np.arange(self.depths[k] + 1)[None] / self.depths[k]).any(axis=1)
        vertices = self.framing.to_screen(self.path_at(self.position.get_value(), vertex_times))  # (V, P, 2)
        radius = self.radii[k] if f == 0 else (1 - f) * self.radii[k] + f * self.radii[k + 1]
        for members, line, dots, new in zip(self.members, self.lines, self.dot_clouds, self.new_clouds):
            chosen = screen[:, members]  # (S, Q, 2)
            line.set_points(
                segments_to_bezier(chosen[:-1].reshape(-1, 2), chosen[1:].reshape(-1, 2))
                if chosen.size
                else np.zeros((0, 3))
            )
            dots.radius = radius
            dots.set_positions(vertices[shared][:, members].reshape(-1, 2))
            new.radius = radius * f
            new.set_positions(vertices[~shared][:, members].reshape(-1, 2) if f > 0 else np.zeros((0, 2)))


class MetricMorph(VGroup):
    """Every net's input metric as glyphs at the input sites, ``E = s J_L^{-1}`` at one scale ``s`` for all,
    blended between neighbouring nets; unbounded sites as marks. Glyphs longer than ``cap`` (scene units) are
    drawn at the cap, dashed (``cap_glyphs``)."""

    def __init__(
        self,
        runs: list[Run],
        *,
        position: ValueTracker,
        framing: Framing,
        theme: Theme,
        scale: float,
        cap: float,
        stroke_width: float = 1.5,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.position, self.framing, self.cap = position, framing, cap
        self.centres = framing.to_screen(runs[0].sites[0])  # (M, 2): every net has the same sites
        self.maps = np.stack([framing.zoom * scale * invert_chart(run.jacobian[-1]) for run in runs])  # (K, M, 2, 2)
        self.unbounded = np.stack([rank_deficient(run.jacobian[-1]) for run in runs])  # (K, M)
        self.glyphs = EllipseField(color=theme.glyph, stroke_width=stroke_width)
        self.marks = UnboundedMarks(color=theme.unbounded, stroke_width=2.0)
        self.add(self.glyphs, self.marks)
        self.follow(self)
        self.add_updater(self.follow)

    def follow(self, mobject: Mobject) -> None:
        k, f = _blend(self.position.get_value(), len(self.maps))
        maps = self.maps[k] if f == 0 else (1 - f) * self.maps[k] + f * self.maps[k + 1]  # (M, 2, 2)
        unbounded = self.unbounded[k + (f > 0.5)] if f > 0 else self.unbounded[k]
        maps, duty = cap_glyphs(maps, self.cap)
        region = self.framing.region
        self.glyphs.set_glyphs(self.centres[~unbounded], maps[~unbounded], region=region, duty=duty[~unbounded])
        long_axis = np.linalg.svd(maps[unbounded])[0][..., 0] if unbounded.any() else np.zeros((0, 2))
        self.marks.set_marks(self.centres[unbounded], long_axis, half_length=0.08, region=region)


class StepPlot(VGroup):
    """Mean step per layer against depth, both on log scales: a dot per net shown so far (one sliding from net
    k to k+1 in between), over ``1 / depth`` through the first net's dot, dashed. ``axes`` (frame, ticks,
    labels, the dashed line) is a separate still group for the scene to add."""

    def __init__(
        self,
        runs: list[Run],
        *,
        position: ValueTracker,
        region: PlotRegion,
        theme: Theme,
        font_size: float = 14,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.position, self.region = position, region
        self.depths = np.array([run.depth for run in runs], float)
        self.steps = np.array([mean_step(run) for run in runs])
        log_steps = np.log10(self.steps)
        fit = np.log10(self.steps[0] * self.depths[0] / self.depths)  # 1 / depth through the first net
        self.y_range = (min(log_steps.min(), fit.min()) - 0.15, max(log_steps.max(), fit.max()) + 0.15)
        cache = OutlineCache(theme, font_size=font_size)
        r, tick = region, 0.08
        corners = np.array([[r.left, r.bottom], [r.right, r.bottom], [r.right, r.top], [r.left, r.top]])
        border = VMobject(stroke_color=theme.muted, stroke_width=1.5, stroke_opacity=0.7)
        border.set_points(segments_to_bezier(corners, np.roll(corners, -1, axis=0)))
        x_at = self.to_screen(self.depths, np.ones_like(self.depths))[:, 0]
        y_values = 10.0 ** log_ticks(*self.y_range, most=5)
        y_at = self.to_screen(np.full(len(y_values), self.depths[0]), y_values)[:, 1]
        starts = np.concatenate(
            [np.column_stack([x_at, np.full_like(x_at, r.bottom)]), np.column_stack([np.full_like(y_at, r.left), y_at])]
        )
        ends = starts + np.concatenate([np.tile([0.0, -tick], (len(x_at), 1)), np.tile([-tick, 0.0], (len(y_at), 1))])
        ticks = VMobject(stroke_color=theme.muted, stroke_width=1.5, stroke_opacity=0.9)
        ticks.set_points(segments_to_bezier(starts, ends))
        labels = PathText(cache, color=theme.muted)
        texts = [f"{int(d)}" for d in self.depths] + [format_magnitude(v) for v in np.log10(y_values)] + ["layers"]
        anchors = np.concatenate(
            [
                ends[: len(x_at)] - [0.0, 0.05],
                ends[len(x_at) :] - [0.05, 0.0],
                [[r.centre[0], r.bottom - tick - 0.05 - 1.9 * float(cache.size("0")[1])]],
            ]
        )
        aligns = np.concatenate(
            [np.tile([0.0, 1.0], (len(x_at), 1)), np.tile([1.0, 0.0], (len(y_at), 1)), [[0.0, 0.0]]]
        )
        labels.place(texts, anchors, align=aligns)
        line = self.to_screen(self.depths, 10.0**fit)  # (K, 2)
        dashes = np.linspace(0.0, 1.0, 25)
        along = line[0] + dashes[:, None] * (line[-1] - line[0])  # (25, 2)
        dashed = VMobject(stroke_color=theme.muted, stroke_width=1.8, stroke_opacity=0.9)
        dashed.set_points(segments_to_bezier(along[:-1:2], along[1::2]))
        self.axes = VGroup(border, ticks, labels, dashed)
        self.dots = PointCloud(color=theme.text, radius=0.055)
        self.add(self.dots)
        self.follow(self)
        self.add_updater(self.follow)

    def to_screen(self, depth: ArrayLike, step: ArrayLike) -> np.ndarray:
        """(K,) depths and mean steps -> (K, 2) scene points (log2 depth across, log10 step up)."""
        r = self.region
        u = (np.log2(depth) - np.log2(self.depths[0])) / (np.log2(self.depths[-1]) - np.log2(self.depths[0]))
        v = (np.log10(step) - self.y_range[0]) / (self.y_range[1] - self.y_range[0])
        inset = 0.08 * (r.right - r.left)
        return np.column_stack(
            [
                r.left + inset + np.asarray(u) * (r.right - r.left - 2 * inset),
                r.bottom + np.asarray(v) * (r.top - r.bottom),
            ]
        )

    def follow(self, mobject: Mobject) -> None:
        k, f = _blend(self.position.get_value(), len(self.depths))
        shown = self.to_screen(self.depths[: k + 1], self.steps[: k + 1])  # (k+1, 2)
        if f > 0:
            moving = 2.0 ** ((1 - f) * np.log2(self.depths[k]) + f * np.log2(self.depths[k + 1]))
            step = 10.0 ** ((1 - f) * np.log10(self.steps[k]) + f * np.log10(self.steps[k + 1]))
            shown = np.concatenate([shown, self.to_screen([moving], [step])])
        self.dots.set_positions(shown)


class SweepReadout(VGroup):
    """ "D layers, dt x" for the net the sweep rests on or moves into, and under it that net's mean step and how
    much its input metric moved from the previous net's (``sweep.metric_change``), left edge at ``anchor``."""

    def __init__(
        self,
        runs: list[Run],
        *,
        position: ValueTracker,
        theme: Theme,
        anchor: ArrayLike,
        font_size: float = 26,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.position, self.anchor = position, np.asarray(anchor, float)[:2]
        self.runs = runs
        self.steps = [mean_step(run) for run in runs]
        self.changes = [None, *(metric_change(a, b) for a, b in pairwise(runs))]
        self.title = PathText(OutlineCache(theme, font_size=font_size), color=theme.text)
        self.numbers = PathText(OutlineCache(theme, font_size=0.62 * font_size), color=theme.muted)
        self.line_gap = 0.016 * font_size
        self.add(self.title, self.numbers)
        self.follow(self)
        self.add_updater(self.follow)

    def text_at(self, position: float) -> tuple[str, str]:
        k, f = _blend(position, len(self.runs))
        k = k + 1 if f > 0 else k
        run, change = self.runs[k], self.changes[k]
        numbers = f"mean step {self.steps[k]:.3g}"
        if change is not None:
            numbers += f"  \u00b7  g\u2080 moved {100 * change:.0f}%"
        return f"{run.depth} layers, dt {run.dt:g}", numbers

    def follow(self, mobject: Mobject) -> None:
        title, numbers = self.text_at(self.position.get_value())
        self.title.place([title], self.anchor[None], align=np.array([-1.0, 0.0]))
        self.numbers.place(
            [numbers], (self.anchor + np.array([0.0, -self.line_gap]))[None], align=np.array([-1.0, 0.0])
        )
