"""Training as a film: a Run's network at any moment of its training (its checkpoints, parameters interpolated
between them), drawn in the input plane and in the last layer, with the loss and accuracy curves filling in.

One ``ValueTracker``, ``position`` in ``[0, K-1]`` over the K checkpoints, drives everything; ``TrainingMoment``
recomputes the network there once per frame (numpy, ``checkpoints.TrainingState``) for all the marks:

- the input plane is a ``LayerView`` at layer 0 whose glyph source (``CheckpointGlyphs``) is the metric at the
  moment, ``E = s J_L^{-1}``, with the decision boundary of the moment (``MovingBoundary``) over it;
- ``LastLayerPanel``: the data and the input's grid in the last layer's coordinates, with the head's
  half-planes and line, framed to follow the data;
- ``LossCurve``: loss and accuracy against the iteration on a log scale (the checkpoints are log-spaced, so a
  steady position fills it at a steady pace), drawn up to the moment;
- ``IterationCounter``: "Iteration i of I", and the loss and accuracy there.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
from manim import LEFT, UP, Mobject, ValueTracker, VGroup, VMobject
from numpy.typing import ArrayLike

from ..checkpoints import Checkpoints, TrainingState
from ..errors import RiemannNNError
from ..metric import invert_chart, rank_deficient
from ..run import Run
from .colour import Theme
from .framing import FramedAxes, Framing, PlotRegion
from .legends import key_row, line_sample
from .marks import PointCloud, PolylineSet, WarpedGrid, segments_to_bezier
from .overlays import half_plane_polygons
from .text import OutlineCache, PathText
from .views import GlyphFrame, LayerView, ViewStyle

DEFAULT_STYLE = ViewStyle()

__all__ = [
    "CheckpointGlyphs",
    "IterationCounter",
    "LastLayerPanel",
    "LossCurve",
    "MovingBoundary",
    "TrainingMoment",
    "film_run",
    "history",
    "log_iteration",
]


def film_run(default_preset: str, *, checkpoints: int) -> Run:
    """The Run a training film shows: ``$RIEMANN_NN_RUN`` (a Run file, which must hold checkpoints), else
    ``$RIEMANN_NN_PRESET``, else ``default_preset``; a preset trained without checkpoints is trained (and
    cached) with ``checkpoints`` of them, named ``NAME+ckptK``. Problems end the render with one line
    (``SystemExit``)."""
    from ..cache import load_or_train
    from ..presets import get_preset
    from ..run import load_run

    try:
        run_file = os.environ.get("RIEMANN_NN_RUN")
        if run_file:
            run = load_run(Path(run_file))
            Checkpoints.of_run(run)  # a clear line when it has none
            return run
        config = get_preset(os.environ.get("RIEMANN_NN_PRESET") or default_preset)
        if config.training.checkpoints == 0:
            config = config.replace(
                training={"checkpoints": min(checkpoints, config.training.iterations + 1)},
                name=f"{config.name}+ckpt{checkpoints}",
            )
        return load_or_train(config)
    except RiemannNNError as error:
        raise SystemExit(f"riemann-nn: {error}") from None


class TrainingMoment:
    """The network at checkpoint position ``position`` (a tracker), recomputed once per position: the state,
    every layer's data coordinates, the last chart's Jacobians at the glyph sites and the boundary in the input."""

    def __init__(self, run: Run, *, position: float = 0.0, boundary_resolution: int = 121):
        self.run = run
        self.checkpoints = Checkpoints.of_run(run)
        self.position = ValueTracker(position)
        self.bounds = np.asarray(run.meta["geometry"]["bounds"], float)
        self.boundary_resolution = boundary_resolution
        self._key: float | None = None

    def _update(self) -> None:
        p = float(self.position.get_value())
        if p == self._key:
            return
        state = self.checkpoints.at(float(np.clip(p, 0.0, len(self.checkpoints) - 1)))
        self._state = state
        self._layers = state.layers(self.run.x[0])  # (L+1, N, 2)
        self._last_jacobian = state.jacobians(self.run.sites[0])[-1]  # (M, 2, 2)
        self._boundary: tuple[np.ndarray, np.ndarray] | None = None  # traced when first asked for
        self._key = p

    @property
    def state(self) -> TrainingState:
        self._update()
        return self._state

    @property
    def layers(self) -> np.ndarray:
        """The data in every layer at the moment: (L+1, N, 2)."""
        self._update()
        return self._layers

    @property
    def last_jacobian(self) -> np.ndarray:
        """``J_L`` at the input's glyph sites at the moment: (M, 2, 2)."""
        self._update()
        return self._last_jacobian

    @property
    def boundary(self) -> tuple[np.ndarray, np.ndarray]:
        """The decision boundary in the input at the moment: packed vertices (P, 2) and offsets (C+1,)."""
        self._update()
        if self._boundary is None:
            self._boundary = self.state.boundary(self.bounds, resolution=self.boundary_resolution)
        return self._boundary

    @property
    def iteration(self) -> float:
        return self.state.iteration


class CheckpointGlyphs:
    """A ``LayerView`` glyph source: the input's metric glyphs at the moment, ``E = s J_L^{-1}`` (the indicatrix
    of ``g_0 = J_L^T J_L`` at scale ``s``), grown from nothing by the view's ``glyph_size``; unbounded where
    ``J_L`` is rank-deficient. For the input layer only (the view rests at ``t = 0``)."""

    shape = "circle"

    def __init__(self, moment: TrainingMoment, *, scale: float):
        self.moment, self.scale = moment, scale

    def __call__(self, t: float, zoom: float) -> GlyphFrame:
        last = self.moment.last_jacobian  # (M, 2, 2)
        sites = self.moment.run.sites[0]  # (M, 2)
        maps = self.scale * invert_chart(last)  # (M, 2, 2)
        return GlyphFrame(sites, maps, np.zeros(len(sites), int), rank_deficient(last))


class MovingBoundary(PolylineSet):
    """The decision boundary at the moment, in the input view's framing, clipped to its region."""

    def __init__(self, moment: TrainingMoment, view: LayerView, *, color: str, stroke_width: float = 2.5):
        super().__init__(color=color, stroke_width=stroke_width)
        self.moment, self.view = moment, view
        self.framing = view.framing_at(0.0)  # the input's data and sites do not move
        self.follow(self)
        self.add_updater(self.follow)

    def follow(self, mobject: Mobject) -> None:
        vertices, offsets = self.moment.boundary
        self.set_polylines(self.framing.to_screen(vertices), offsets, region=self.view.region)


class LastLayerPanel(VGroup):
    """The last layer at the moment: the head's half-planes and line, the input's grid lines and the data, in the
    last layer's coordinates, framed to follow the data, with axes giving the true coordinates."""

    def __init__(
        self, moment: TrainingMoment, *, theme: Theme, region: PlotRegion, style: ViewStyle = DEFAULT_STYLE, **kwargs
    ):
        super().__init__(**kwargs)
        self.moment, self.theme, self.region = moment, theme, region
        run = moment.run
        self.classes = [run.y == label for label in range(len(theme.classes))]
        self.grid_input = run.grid[0]  # (R, S, 2)
        self.planes = VGroup(
            *[
                VMobject(stroke_width=0, fill_color=colour, fill_opacity=theme.half_plane_opacity)
                for colour in theme.classes
            ]
        )
        self.line = VMobject(stroke_color=theme.boundary, stroke_width=style.boundary_stroke)
        opacity = theme.grid_opacity if style.grid_opacity is None else style.grid_opacity
        self.grid = WarpedGrid(color=theme.grid, opacity=opacity, stroke_width=style.grid_stroke)
        self.clouds = VGroup(
            *[PointCloud(color=c, radius=style.point_radius, opacity=style.point_opacity) for c in theme.classes]
        )
        self.axes = FramedAxes(region, theme, font_size=style.axes_font_size)
        self.add(self.planes, self.grid, self.clouds, self.line, self.axes)
        self.follow(self)
        self.add_updater(self.follow)

    def follow(self, mobject: Mobject) -> None:
        moment, region = self.moment, self.region
        last = moment.layers[-1]  # (N, 2)
        framing = Framing.fit(last, region)
        self.current_framing = framing
        state = moment.state
        self.grid.set_lines(framing.to_screen(state.layers(self.grid_input)[-1]), region=region)
        screen = framing.to_screen(last)
        for members, cloud in zip(self.classes, self.clouds):
            cloud.set_positions(screen[members], region=region)
        low, high = np.array([region.left, region.bottom]), np.array([region.right, region.top])
        # The line logit = 0 in scene coordinates: w . ((p - region centre) / zoom + centre) + c = 0.
        normal = state.head_weight / framing.zoom
        offset = float(state.head_weight @ framing.centre + state.head_bias) - float(normal @ region.centre)
        if np.linalg.norm(normal) == 0:  # a head of zero weights (no training yet): no line to draw
            sides: list[np.ndarray] = [np.zeros((0, 2)), np.zeros((0, 2))]
        else:
            sides = half_plane_polygons(normal, offset, low, high)
        for side, polygon in zip(sides, self.planes):
            if len(side) >= 3:
                polygon.set_points_as_corners([np.append(p, 0.0) for p in (*side, side[0])])
            else:
                polygon.set_points(np.zeros((0, 3)))
        self.line.set_points(_line_across(sides))
        self.axes.fit_to(framing)


def _line_across(sides: list[np.ndarray]) -> np.ndarray:
    """The segment the two half-plane polygons share (their common corners), as Bezier points; empty if none."""
    negative, positive = sides
    if len(negative) < 3 or len(positive) < 3:
        return np.zeros((0, 3))
    shared = [p for p in negative if np.min(np.linalg.norm(positive - p, axis=1)) < 1e-9]
    if len(shared) < 2:
        return np.zeros((0, 3))
    return segments_to_bezier(np.array([shared[0]]), np.array([shared[-1]]))


def history(run: Run) -> tuple[np.ndarray, np.ndarray]:
    """Loss and accuracy at every iteration ``0..I`` (I+1,) each: the training history, measured before each
    step, and the final loss and accuracy after the last."""
    t = run.meta["training"]
    return np.append(run.loss, t["loss"]), np.append(run.accuracy, t["accuracy"])


def log_iteration(iteration: ArrayLike) -> np.ndarray:
    """The loss curve's horizontal coordinate: ``log10(1 + i)``, so iteration 0 has a place."""
    return np.log10(1.0 + np.asarray(iteration, float))


class LossCurve(VGroup):
    """Loss and accuracy against the iteration (log scale), drawn up to the moment, with a dot at the moment.

    Both share one vertical scale from 0 to 1 (to the largest loss when that is higher); the loss is drawn in
    the text colour, the accuracy in the glyph colour, named by a key in the top left corner. The frame, ticks,
    labels and key never change: they are ``axes``, a separate group the scene adds once (Manim then draws them
    into the still background instead of every frame).
    """

    def __init__(
        self,
        moment: TrainingMoment,
        *,
        theme: Theme,
        region: PlotRegion,
        font_size: float = 15,
        stroke_width: float = 3.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.moment, self.region = moment, region
        self.loss, self.accuracy = history(moment.run)  # (I+1,) each
        self.iterations = len(self.loss) - 1
        self.top = max(1.0, float(self.loss.max()))
        cache = OutlineCache(theme, font_size=font_size)
        low, high = np.array([region.left, region.bottom]), np.array([region.right, region.top])
        corners = np.array([low, [high[0], low[1]], high, [low[0], high[1]]])
        border = VMobject(stroke_color=theme.muted, stroke_width=1.5, stroke_opacity=0.7)
        border.set_points(segments_to_bezier(corners, np.roll(corners, -1, axis=0)))
        ticks, labels = self._axes(cache, theme)
        self.loss_line = VMobject(stroke_color=theme.text, stroke_width=stroke_width)
        self.accuracy_line = VMobject(stroke_color=theme.glyph, stroke_width=stroke_width)
        self.dots = VGroup(PointCloud(color=theme.text, radius=0.06), PointCloud(color=theme.glyph, radius=0.06))
        self.axes = VGroup(border, ticks, labels, self._key(theme, stroke_width, font_size + 1))
        self.add(self.loss_line, self.accuracy_line, self.dots)
        self.follow(self)
        self.add_updater(self.follow)

    def to_screen(self, iteration: np.ndarray, value: np.ndarray) -> np.ndarray:
        """(K,) iterations and values -> (K, 2) scene points."""
        r = self.region
        u = log_iteration(iteration) / log_iteration(self.iterations)
        v = np.asarray(value) / self.top
        return np.column_stack([r.left + u * (r.right - r.left), r.bottom + v * (r.top - r.bottom)])

    def _axes(self, cache: OutlineCache, theme: Theme) -> tuple[VMobject, PathText]:
        r, tick = self.region, 0.09
        powers = 10 ** np.arange(0, int(math.log10(max(self.iterations, 1))) + 1)  # 1, 10, 100, ...
        x_values = np.concatenate([[0], powers[powers <= self.iterations]])
        if self.iterations not in x_values:
            x_values = np.append(x_values, self.iterations)
        x_at = self.to_screen(x_values, np.zeros(len(x_values)))[:, 0]
        y_values = np.array([0.0, 0.5, 1.0])
        y_at = self.to_screen(np.zeros(3), y_values)[:, 1]
        starts = np.concatenate(
            [np.column_stack([x_at, np.full_like(x_at, r.bottom)]), np.column_stack([np.full_like(y_at, r.left), y_at])]
        )
        ends = starts + np.concatenate([np.tile([0.0, -tick], (len(x_at), 1)), np.tile([-tick, 0.0], (len(y_at), 1))])
        ticks = VMobject(stroke_color=theme.muted, stroke_width=1.5, stroke_opacity=0.9)
        ticks.set_points(segments_to_bezier(starts, ends))
        labels = PathText(cache, color=theme.muted)
        texts = [f"{int(v)}" for v in x_values] + ["0", "0.5", "1"] + ["iteration (log scale)"]
        anchors = np.concatenate(
            [
                ends[: len(x_at)] - [0.0, 0.06],
                ends[len(x_at) :] - [0.06, 0.0],
                [[r.centre[0], r.bottom - tick - 0.06 - 1.9 * float(cache.size("0")[1])]],
            ]
        )
        aligns = np.concatenate([np.tile([0.0, 1.0], (len(x_at), 1)), np.tile([1.0, 0.0], (3, 1)), [[0.0, 0.0]]])
        labels.place(texts, anchors, align=aligns)
        return ticks, labels

    def _key(self, theme: Theme, stroke_width: float, font_size: float) -> VGroup:
        """ "— loss   — accuracy" inside the top left corner, on one baseline."""
        key = VGroup(
            *[
                key_row(line_sample(colour, stroke_width=stroke_width), name, theme, font_size=font_size)
                for name, colour in (("loss", theme.text), ("accuracy", theme.glyph))
            ]
        ).arrange(buff=0.35)
        return key.move_to((self.region.left + 0.2, self.region.top - 0.08, 0), aligned_edge=UP + LEFT)

    def follow(self, mobject: Mobject) -> None:
        now = min(max(self.moment.iteration, 0.0), float(self.iterations))
        whole = math.floor(now)
        iterations = np.append(np.arange(whole + 1), now)  # (W+2,) the steps so far, and the moment
        for line, values, dot in (
            (self.loss_line, self.loss, self.dots[0]),
            (self.accuracy_line, self.accuracy, self.dots[1]),
        ):
            current = np.interp(now, np.arange(len(values)), values)
            points = self.to_screen(iterations, np.append(values[: whole + 1], current))  # (W+2, 2)
            line.set_points_as_corners(np.column_stack([points, np.zeros(len(points))]))
            dot.set_positions(points[-1:])


class IterationCounter(VGroup):
    """ "Iteration i of I" at the moment (rounded down), and under it the loss and accuracy there, left edge at
    ``anchor``."""

    def __init__(self, moment: TrainingMoment, *, theme: Theme, anchor: ArrayLike, font_size: float = 26, **kwargs):
        super().__init__(**kwargs)
        self.moment, self.anchor = moment, np.asarray(anchor, float)[:2]
        self.loss, self.accuracy = history(moment.run)
        self.title = PathText(OutlineCache(theme, font_size=font_size), color=theme.text)
        self.numbers = PathText(OutlineCache(theme, font_size=0.62 * font_size), color=theme.muted)
        self.line_gap = 0.016 * font_size
        self.add(self.title, self.numbers)
        self.follow(self)
        self.add_updater(self.follow)

    def text_at(self, iteration: float) -> tuple[str, str]:
        now = math.floor(min(max(iteration, 0.0), len(self.loss) - 1))
        return (
            f"Iteration {now} of {len(self.loss) - 1}",
            f"loss {self.loss[now]:.3f}  \u00b7  accuracy {100 * self.accuracy[now]:.1f}%",
        )

    def follow(self, mobject: Mobject) -> None:
        title, numbers = self.text_at(self.moment.iteration)
        self.title.place([title], self.anchor[None], align=np.array([-1.0, 0.0]))
        self.numbers.place(
            [numbers], (self.anchor + np.array([0.0, -self.line_gap]))[None], align=np.array([-1.0, 0.0])
        )
