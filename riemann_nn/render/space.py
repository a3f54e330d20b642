"""Width-3 runs in 3-space: the data, the input plane's grid warped into a surface, the input plane's metric
glyphs on that surface and the head's separating plane, drawn by Manim's ``ThreeDCamera`` (Cairo).

Every mark is one ``VMobject`` of many sub-paths, rewritten with numpy once per frame (Cairo's cost is per
Python object). The view is driven by trackers like the plane's ``LayerView``: ``time`` in ``[0, L]``,
``glyph_size`` (0 hides the glyphs), ``plane_opacity`` (the head's plane, meant for the last layer) and
``opacity`` (everything: fade the view with it, as the view holds the camera and cannot be copied).
Depth: the camera draws in order, so the view orders the classes itself every frame, the class on the far side
of the head's plane first, then the plane, then the class on the camera's side.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from manim import CapStyleType, Mobject, ValueTracker, VGroup, VMobject
from manim.camera.three_d_camera import ThreeDCamera

from ..interpolate import LayerMotion
from ..run import Run
from .marks import STROKE_UNIT, UNIT_CIRCLE
from .views import STAGES

__all__ = ["OffsetCamera", "SpaceFraming", "SpaceView", "plane_polygon"]

# The twelve edges of the cube [0, 1]^3 as pairs of corner indices (corner k has coordinates the bits of k).
_CORNERS = np.array([[(k >> i) & 1 for i in range(3)] for k in range(8)], dtype=float)  # (8, 3)
_EDGES = np.array(
    [(a, b) for a in range(8) for b in range(a + 1, 8) if np.abs(_CORNERS[a] - _CORNERS[b]).sum() == 1]
)  # (12, 2)


class OffsetCamera(ThreeDCamera):
    """A ``ThreeDCamera`` whose projected picture is shifted by ``screen_offset`` (scene units), so the 3-D
    view can sit beside a panel fixed in the frame; fixed-in-frame mobjects are not shifted."""

    screen_offset = np.array([0.0, 0.0, 0.0])

    def project_points(self, points: np.ndarray) -> np.ndarray:
        return super().project_points(points) + self.screen_offset

    def toward_viewer(self) -> np.ndarray:
        """The unit vector (3,) from the frame's centre towards the camera, in scene coordinates (the direction
        the rotation sends to +z, where points are nearest the viewer)."""
        return self.generate_rotation_matrix()[2]


@dataclass(frozen=True)
class SpaceFraming:
    """An isotropic map from layer coordinates to the scene: ``scene = zoom (x - centre)``."""

    centre: np.ndarray  # (3,)
    zoom: float

    @classmethod
    def fit(cls, points: np.ndarray, *, size: float) -> SpaceFraming:
        """The framing in which the bounding box of ``points`` (..., 3) is at most ``size`` units on its longest
        side, centred at the origin."""
        flat = points.reshape(-1, 3)
        low, high = flat.min(axis=0), flat.max(axis=0)
        extent = max(float((high - low).max()), 1e-9 * max(float(np.abs(flat).max()), 1.0))
        return cls((low + high) / 2, size / extent)

    def to_scene(self, points: np.ndarray) -> np.ndarray:
        return (points - self.centre) * self.zoom


def segments(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Straight segments as cubic curves with handles at thirds: (K, 3), (K, 3) -> (4K, 3)."""
    return np.stack([starts, (2 * starts + ends) / 3, (starts + 2 * ends) / 3, ends], axis=1).reshape(-1, 3)


def plane_polygon(normal: np.ndarray, offset: float, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The polygon (K, 3), K = 0 or 3..6, where the plane ``normal . x + offset = 0`` cuts the box [low, high],
    its vertices in order around it."""
    corners = low + _CORNERS * (high - low)  # (8, 3)
    values = corners @ normal + offset  # (8,)
    a, b = values[_EDGES[:, 0]], values[_EDGES[:, 1]]
    crossing = (a * b < 0) | ((a == 0) & (b != 0))
    if crossing.sum() < 3:
        return np.zeros((0, 3))
    fraction = a[crossing] / (a[crossing] - b[crossing])  # (K,)
    start, end = corners[_EDGES[crossing, 0]], corners[_EDGES[crossing, 1]]
    points = start + fraction[:, None] * (end - start)  # (K, 3)
    centre = points.mean(axis=0)
    u = points[0] - centre
    v = np.cross(normal, u)
    order = np.argsort(np.arctan2((points - centre) @ v, (points - centre) @ u))
    return points[order]


class Dots(VMobject):
    """Discs of one colour at 3-D positions: each a round-capped stroke of (almost) no length, a disc facing the
    viewer from every angle."""

    def __init__(self, *, color: str, radius: float, opacity: float = 0.95, **kwargs):
        super().__init__(
            stroke_color=color,
            stroke_opacity=opacity,
            stroke_width=2 * radius / STROKE_UNIT,
            fill_opacity=0,
            cap_style=CapStyleType.ROUND,
            **kwargs,
        )
        self.radius = radius

    def set_positions(self, points: np.ndarray) -> Dots:
        ends = points + np.array([1e-5 * self.radius, 0.0, 0.0])  # open paths, so Cairo caps both ends
        self.set_points(segments(points, ends) if len(points) else np.zeros((0, 3)))
        return self


class Polylines(VMobject):
    """Polylines (R, S, 3) as one path of straight segments."""

    def set_lines(self, lines: np.ndarray) -> Polylines:
        self.set_points(segments(lines[:, :-1].reshape(-1, 3), lines[:, 1:].reshape(-1, 3)))
        return self


class Ellipses(VMobject):
    """Ellipses ``centre + E u`` (u on the unit circle) in 3-space: centres (M, 3), maps (M, 3, 2)."""

    def set_ellipses(self, centres: np.ndarray, maps: np.ndarray) -> Ellipses:
        shapes = centres[:, None, :] + np.einsum("mij,kj->mki", maps, UNIT_CIRCLE)  # (M, 16, 3)
        self.set_points(shapes.reshape(-1, 3) if len(centres) else np.zeros((0, 3)))
        return self


class SpaceView(VGroup):
    """Data, the warped input grid, glyphs and the head's plane of a width-3 Run at a continuous layer time.

    Parameters
    ----------
    run : a width-3 Run.
    theme : colours (``classes``, ``grid``, ``glyph``, ``boundary``, ``muted``).
    toward_viewer : a function giving the unit vector (3,) towards the viewer (``OffsetCamera.toward_viewer``),
        which orders the classes around the head's plane; a plain function, so that Manim can copy the view.
    size : the longest side of the data's bounding box, in scene units, at every time.
    grid_stride : draw every ``grid_stride``-th sample of each grid line (the surface needs fewer than the plane).
    """

    def __init__(
        self,
        run: Run,
        *,
        theme,
        toward_viewer: Callable[[], np.ndarray],
        size: float = 4.6,
        method: str | None = None,
        dot_radius: float = 0.032,
        grid_stride: int = 2,
        **kwargs,
    ):
        super().__init__(**kwargs)
        run.require_width(3, what="the 3-D view")
        self.run, self.theme, self.toward_viewer, self.size = run, theme, toward_viewer, size
        self.motion = LayerMotion(run, method=method)
        self.grid_lines = run.grid[:, :, ::grid_stride]  # (L+1, R, S', 3)
        self.time = ValueTracker(0.0)
        self.glyph_size = ValueTracker(0.0)
        self.plane_opacity = ValueTracker(0.0)
        self.opacity = ValueTracker(1.0)
        self.grid = Polylines(stroke_color=theme.grid, stroke_opacity=theme.grid_opacity, stroke_width=1.1)
        self.glyphs = Ellipses(stroke_color=theme.glyph, stroke_width=1.6, fill_opacity=0)
        self.plane = VMobject(stroke_color=theme.boundary, stroke_width=1.5, fill_color=theme.boundary)
        self.dots = [Dots(color=colour, radius=dot_radius) for colour in theme.classes]
        self.add(self.grid, self.glyphs, *self.dots, self.plane)
        self.follow_layer(self)
        self.add_updater(self.follow_layer)

    def stage_at(self, t: float) -> str | None:
        """On a staged (c0) path between two layers, the stage playing (for ``views.LayerCounter``)."""
        if self.motion.method != "staged" or abs(t - round(t)) < 1e-6:
            return None
        stage = min(int(3 * (t - math.floor(t))), 2)
        return STAGES[stage] if stage < 2 else self.run.activation

    @property
    def framing(self) -> SpaceFraming:
        return SpaceFraming.fit(self.motion.points(self.time.get_value()), size=self.size)

    def follow_layer(self, mobject: Mobject) -> None:
        """Redraw everything at the tracker's time, and order the classes around the head's plane."""
        t, opacity = self.time.get_value(), self.opacity.get_value()
        points = self.motion.points(t)  # (N, 3)
        framing = SpaceFraming.fit(points, size=self.size)
        for label, dots in enumerate(self.dots):
            dots.set_positions(framing.to_scene(points[self.run.y == label])).set_stroke(opacity=0.95 * opacity)
        self.grid.set_lines(framing.to_scene(self.motion.at(self.grid_lines, t)))
        self.grid.set_stroke(opacity=self.theme.grid_opacity * opacity)
        self.glyphs.set_stroke(opacity=opacity)
        size = self.glyph_size.get_value()
        if size > 0:
            centres, maps, _ = self.motion.glyphs(t)  # (M, 3), (M, 3, 2)
            self.glyphs.set_ellipses(framing.to_scene(centres), framing.zoom * size * maps)
        else:
            self.glyphs.set_points(np.zeros((0, 3)))
        self._draw_plane(points, framing)

    def _draw_plane(self, points: np.ndarray, framing: SpaceFraming) -> None:
        opacity = self.plane_opacity.get_value() * self.opacity.get_value()
        low, high = points.min(axis=0), points.max(axis=0)
        pad = 0.03 * (high - low).max()
        normal, offset = self.run.head_weight, float(self.run.head_bias)
        polygon = plane_polygon(normal, offset, low - pad, high + pad) if opacity > 0 else np.zeros((0, 3))
        if len(polygon):
            corners = framing.to_scene(polygon)
            self.plane.set_points_as_corners([*corners, corners[0]])
        else:
            self.plane.set_points(np.zeros((0, 3)))
        self.plane.set_fill(opacity=0.12 * opacity).set_stroke(opacity=0.7 * opacity)
        # The class on the viewer's side of the plane is drawn last; class 1 lies where normal . x + offset > 0.
        facing = float(normal @ self.toward_viewer()) > 0
        near, far = (self.dots[1], self.dots[0]) if facing else (self.dots[0], self.dots[1])
        self.submobjects = [self.grid, self.glyphs, far, self.plane, near]
