"""``FieldView``: a field of per-site shapes in colour bins over a Run's grid and data, at a layer time."""

from __future__ import annotations

from typing import Callable

import numpy as np
from manim import ValueTracker, VGroup

from ..interpolate import LayerMotion
from ..interpolate import VolumeField
from .boundary import PolylineSet
from .framing import FramedAxes, Framing, PlotRegion
from .grid import WarpedGrid
from .palette import GlyphPalette, LogColourScale
from .points import PointCloud
from .theme import Theme

# shapes(t, zoom) -> centres (M, 2) and maps (M, 2, 2) in layer-t coordinates, colour bins (M,) int; zoom is
# the framing's scene units per layer unit, for shapes of a fixed size on screen.
Shapes = Callable[[float, float], tuple[np.ndarray, np.ndarray, np.ndarray]]


class FieldView(VGroup):
    """Grid lines, data and a ``GlyphPalette`` of site shapes, all driven by one ``ValueTracker`` ``time``.

    Like ``LayerView``, everything is moved by one map (``LayerMotion``) and the framing follows the layer;
    here it fits the glyph sites as well as the data, because the field covers the whole input box.

    Parameters
    ----------
    motion : where everything is at a layer time.
    theme : colours.
    palette : the coloured shapes; drawn from ``shapes(t)`` every frame.
    shapes : centres, maps (layer units) and colour bins of the site shapes at time ``t`` and zoom.
    region : where in the scene to draw.
    grid_opacity, point_opacity : how faint the grid lines and the data are (0 hides them).
    show_boundary : draw the decision boundary in every layer (Run files that carry it).
    """

    def __init__(self, motion: LayerMotion, *, theme: Theme, palette: GlyphPalette, shapes: Shapes,
                 region: PlotRegion = PlotRegion(), grid_opacity: float = 0.22, point_opacity: float = 0.9,
                 point_radius: float = 0.035, show_boundary: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.motion, self.run, self.theme, self.region = motion, motion.run, theme, region
        self.palette, self.shapes = palette, shapes
        self.time = ValueTracker(0.0)
        self.grid = WarpedGrid(color=theme.grid, opacity=grid_opacity)
        self.clouds = VGroup(*[PointCloud(color=c, radius=point_radius, opacity=point_opacity)
                               for c in theme.classes])
        self.axes = FramedAxes(region, theme)
        self.show_grid, self.show_points = grid_opacity > 0, point_opacity > 0
        # The decision boundary logit = 0 in every layer (Run files that carry it), on top of the field.
        self.boundary = PolylineSet(color=theme.boundary, stroke_width=2.5)
        self.show_boundary = show_boundary and self.run.boundary is not None
        self.add(*([self.grid] if self.show_grid else []), palette,
                 *([self.clouds] if self.show_points else []), self.boundary, self.axes)
        self.follow_layer(self)
        self.add_updater(self.follow_layer)

    def framing_at(self, t: float) -> Framing:
        """The framing of layer time ``t``: the data and the glyph sites fill the region."""
        return Framing.fit(np.concatenate([self.motion.points(t), self.motion.sites(t)]), self.region)

    @property
    def framing(self) -> Framing:
        return self.framing_at(self.time.get_value())

    def follow_layer(self, mobject: "FieldView") -> None:
        """Redraw grid, data, shapes and axes at the tracker's layer time (one vectorised write each)."""
        t = self.time.get_value()
        framing = self.framing_at(t)
        if self.show_grid:
            self.grid.set_lines(framing.to_screen(self.motion.grid(t)), region=self.region)
        if self.show_points:
            screen = framing.to_screen(self.motion.points(t))  # (N, 2)
            for label, cloud in enumerate(self.clouds):
                cloud.set_positions(screen[self.run.y == label], region=self.region)
        centres, maps, bins = self.shapes(t, framing.zoom)
        self.palette.set_glyphs(framing.to_screen(centres), framing.zoom * maps, bins, region=self.region)
        if self.show_boundary:
            vertices = framing.to_screen(self.motion.at(self.run.boundary, t))
            self.boundary.set_polylines(vertices, self.run.boundary_offsets, region=self.region)
        self.axes.show(framing)


def sites_per_side(run) -> int:
    """How many glyph sites the Run has along each side of the input box."""
    return int(run.meta.get("geometry", {}).get("sites_per_side", round(np.sqrt(run.sites.shape[1]))))


def input_box(run) -> np.ndarray:
    """The input box the glyph sites tile, [[xmin, ymin], [xmax, ymax]]: ``meta.geometry.bounds``, or for files
    without it, the sites' extent widened by half a spacing (the sites are cell centres)."""
    geometry = run.meta.get("geometry", {})
    if "bounds" in geometry:
        return np.asarray(geometry["bounds"], float)
    sites, per_side = run.sites[0], sites_per_side(run)  # (M, 2)
    half = (sites.max(axis=0) - sites.min(axis=0)) / max(per_side - 1, 1) / 2  # (2,)
    return np.stack([sites.min(axis=0) - half, sites.max(axis=0) + half])


def site_cell(run) -> np.ndarray:
    """The map of the unit square [-1, 1]^2 onto a site's cell of the input grid: (2, 2), half the spacing
    along each axis."""
    box = input_box(run)
    return np.diag((box[1] - box[0]) / sites_per_side(run) / 2)


# -- what a FieldView draws: callables (t, zoom) -> centres, maps, bins. Plain objects (not scene methods) so
# that Manim can copy the view for its animations.
class PositionColours:
    """Fixed colour bins (M,): each glyph keeps the colour of its site's input position."""

    def __init__(self, bins: np.ndarray):
        self.fixed = np.asarray(bins)

    def bins(self, t: float) -> np.ndarray:
        return self.fixed.copy()


class VolumeColours:
    """Colour bins of ``log10 sqrt(det g(t))`` on a ``LogColourScale``, recomputed at every time."""

    def __init__(self, volume: VolumeField, scale: LogColourScale, count: int):
        self.volume, self.scale, self.count = volume, scale, count

    def bins(self, t: float) -> np.ndarray:
        return self.scale.bins(self.volume.at(t)[0], self.count)


class MetricGlyphs:
    """The metric glyphs of ``motion`` (exact at every layer), grown from small markers as ``morph`` goes 0 -> 1.

    ``colours.bins(t)`` gives each glyph's colour bin; glyphs clipped at ``max_axis`` go to ``clipped_bin``.
    """

    def __init__(self, motion: LayerMotion, colours, *, clipped_bin: int, marker_radius: float = 0.045):
        self.motion, self.colours, self.clipped_bin = motion, colours, clipped_bin
        self.marker_radius = marker_radius  # scene units
        self.morph = ValueTracker(0.0)

    def __call__(self, t: float, zoom: float):
        centres, maps, clipped = self.motion.glyphs(t)  # (M, 2), (M, 2, 2), (M,)
        morph = self.morph.get_value()
        maps = (1 - morph) * (self.marker_radius / zoom) * np.eye(2) + morph * maps  # (M, 2, 2)
        bins = self.colours.bins(t)  # (M,)
        bins[clipped & (morph > 0)] = self.clipped_bin
        return centres, maps, bins


class VolumeCells:
    """Every site's input cell (``cell`` maps the unit square onto it) pushed by the exact Jacobian ``J(t)``:
    a parallelogram of area ``|det J(t)|`` times the input cell's, coloured by ``log10 sqrt(det g(t))``."""

    def __init__(self, volume: VolumeField, scale: LogColourScale, count: int, *, cell: np.ndarray):
        self.volume, self.scale, self.count, self.cell = volume, scale, count, cell

    def __call__(self, t: float, zoom: float):
        motion = self.volume.motion
        jacobian = motion.jacobian(t)  # (M, 2, 2)
        values, _ = self.volume.at(t)  # (M,)
        return motion.sites(t), jacobian @ self.cell, self.scale.bins(values, self.count)
