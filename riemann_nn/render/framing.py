"""Framing: which part of a layer's coordinates the plot region shows, and the axes that say so."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from manim import VGroup, VMobject

from ..steps import nice_step, tick_step_over
from .colour import Theme
from .marks import segments_to_bezier
from .text import OutlineCache, PathText

__all__ = ["FramedAxes", "Framing", "PlotRegion", "format_tick", "nice_step"]


@dataclass(frozen=True)
class PlotRegion:
    """A rectangle of the scene (in Manim units) where layer coordinates are drawn."""

    left: float = -6.25
    right: float = 2.35
    bottom: float = -3.35
    top: float = 3.65

    @property
    def centre(self) -> np.ndarray:
        return np.array([(self.left + self.right) / 2, (self.bottom + self.top) / 2])

    @property
    def size(self) -> np.ndarray:
        return np.array([self.right - self.left, self.top - self.bottom])

    def contains(self, screen: np.ndarray, *, margin: float = 0.0) -> np.ndarray:
        """Which screen points (..., 2) lie inside the region shrunk by ``margin``: (...,) bool."""
        return (
            (screen[..., 0] >= self.left + margin)
            & (screen[..., 0] <= self.right - margin)
            & (screen[..., 1] >= self.bottom + margin)
            & (screen[..., 1] <= self.top - margin)
        )


@dataclass(frozen=True)
class Framing:
    """An aspect-preserving map from layer coordinates to the scene: ``screen = zoom (x - centre) + region centre``.

    One zoom for both axes, so a metric circle is drawn as a circle.
    """

    region: PlotRegion
    centre: np.ndarray  # (2,) layer coordinates shown at the region's centre
    zoom: float  # scene units per layer unit

    @classmethod
    def fit(cls, points: np.ndarray, region: PlotRegion, *, margin: float = 0.07) -> Framing:
        """The framing in which ``points`` (..., 2) fill the region, leaving ``margin`` of it free on each side."""
        flat = points.reshape(-1, 2)
        return cls.fit_box(flat.min(axis=0), flat.max(axis=0), region, margin=margin)

    @classmethod
    def fit_box(cls, low: np.ndarray, high: np.ndarray, region: PlotRegion, *, margin: float = 0.07) -> Framing:
        """The framing in which the box ``[low, high]`` (2,) each fills the region, ``margin`` of it free on each
        side; a box of no width is given a sliver relative to its size, so the zoom stays finite."""
        extent = np.maximum(high - low, 1e-9 * max(float(np.abs(low).max()), float(np.abs(high).max()), 1.0))
        zoom = float(np.min(region.size * (1 - 2 * margin) / extent))
        return cls(region, (low + high) / 2, zoom)

    def to_screen(self, points: np.ndarray) -> np.ndarray:
        """Layer coordinates (..., 2) -> scene coordinates (..., 2)."""
        return self.zoom * (points - self.centre) + self.region.centre

    def visible_range(self) -> np.ndarray:
        """The layer coordinates at the region's edges: [[xmin, ymin], [xmax, ymax]]."""
        half = self.region.size / (2 * self.zoom)
        return np.stack([self.centre - half, self.centre + half])


def format_tick(value: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    text = f"{value:.{decimals}f}"
    return "0" if float(text) == 0 else text.replace("-", "\u2212")


class FramedAxes(VGroup):
    """The region's border with ticks and labels giving the true coordinates of the current framing, and the
    axes' names (e.g. "unit 1", "unit 2" of a layer): x under the tick labels, y turned, left of them.

    Labels are cached letter outlines in one ``PathText``, so a frame costs no new ``Text`` objects.
    """

    def __init__(self, region: PlotRegion, theme: Theme, *, font_size: float = 16, **kwargs):
        super().__init__(**kwargs)
        self.region = region
        corners = np.array(
            [
                [region.left, region.bottom],
                [region.right, region.bottom],
                [region.right, region.top],
                [region.left, region.top],
            ]
        )
        self.border = VMobject(stroke_color=theme.muted, stroke_width=1.5, stroke_opacity=0.7)
        self.border.set_points(segments_to_bezier(corners, np.roll(corners, -1, axis=0)))
        self.ticks = VMobject(stroke_color=theme.muted, stroke_width=1.5, stroke_opacity=0.9)
        cache = OutlineCache(theme, font_size=font_size)
        self.x_labels = PathText(cache, color=theme.muted)
        self.y_labels = PathText(cache, color=theme.muted)
        self.names = PathText(cache, color=theme.muted)
        self.add(self.border, self.ticks, self.x_labels, self.y_labels, self.names)

    def fit_to(
        self,
        framing: Framing,
        *,
        names: tuple[str, str] | None = None,
        note: str | None = None,
        tick: float = 0.09,
        gap: float = 0.07,
        grid_step: float | None = None,
    ) -> FramedAxes:
        """Place ticks and labels for ``framing``: about five 1-2-5 steps along the shorter side; with ``names``,
        the x axis's name centred under its tick labels and the y axis's, turned, left of its own; ``note`` goes
        above the region's top right corner (e.g. how far the framing zooms). With ``grid_step``, the spacing of
        straight grid lines in these coordinates (the input plane's), every tick falls on a grid line."""
        r, visible = self.region, framing.visible_range()
        step = nice_step(float((visible[1] - visible[0]).min()))
        if grid_step is not None:
            step = tick_step_over(step, grid_step)
        starts, ends = [], []
        self.tick_values: list[np.ndarray] = []  # per axis: the coordinates ticked, for overlays and tests
        for axis, labels in ((0, self.x_labels), (1, self.y_labels)):
            values = step * np.arange(math.ceil(visible[0, axis] / step), math.floor(visible[1, axis] / step) + 1)
            self.tick_values.append(values)
            positions = framing.zoom * (values - framing.centre[axis]) + r.centre[axis]  # (K,)
            if axis == 0:
                base = np.column_stack([positions, np.full_like(positions, r.bottom)])
                out, align = np.array([0.0, -tick]), np.array([0.0, 1.0])
            else:
                base = np.column_stack([np.full_like(positions, r.left), positions])
                out, align = np.array([-tick, 0.0]), np.array([1.0, 0.0])
            starts.append(base)
            ends.append(base + out)
            labels.place([format_tick(v, step) for v in values], base + out * (1 + gap / tick), align=align)
        self.ticks.set_points(segments_to_bezier(np.concatenate(starts), np.concatenate(ends)))
        texts: list[str] = []
        anchors: list[list[float]] = []
        turned: list[bool] = []
        edges: list[list[float]] = []
        text_height = float(self.names.cache.size("0")[1])
        if names is not None:
            below = r.bottom - tick - gap - 1.9 * text_height  # the x name's centre, a line under the tick labels
            widest = max((float(self.names.cache.size(t)[0]) for t in self.y_labels.shown), default=0.0)
            beside = r.left - tick - gap - widest - 0.9 * text_height  # the turned y name's centre
            texts += list(names)
            anchors += [[r.centre[0], below], [beside, r.centre[1]]]
            turned += [False, True]
            edges += [[0.0, 0.0], [0.0, 0.0]]
        if note:
            texts.append(note)
            anchors.append([r.right, r.top + gap])
            turned.append(False)
            edges.append([1.0, -1.0])
        self.names.place(texts, np.array(anchors).reshape(-1, 2), turned=turned, align=np.array(edges).reshape(-1, 2))
        return self
