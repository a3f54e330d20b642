"""``LayerView``: data, grid and metric glyphs of a Run at a continuous layer time, in a framed region."""

from __future__ import annotations

import numpy as np
from manim import ValueTracker, VGroup

from ..interpolate import LayerMotion
from ..run import Run
from .boundary import PolylineSet
from .framing import FramedAxes, Framing, PlotRegion
from .glyphs import EllipseField
from .grid import WarpedGrid
from .points import PointCloud
from .text_paths import GlyphCache, PathText
from .theme import Theme


class LayerView(VGroup):
    """Everything drawn in the plot region, driven by one ``ValueTracker``: ``time`` in ``[0, L]``.

    Points, grid lines and glyphs are moved by one and the same interpolated map (``LayerMotion``), and the
    framing follows the data so every layer fills the region whatever its scale.

    Parameters
    ----------
    run : the Run to show.
    theme : colours.
    region : where in the scene to draw.
    method : layer path (straight, spline, staged); the scheme's default when None.
    point_radius : disc radius in scene units.
    show_boundary : draw the decision boundary (Run files that have it) in every layer.
    """

    def __init__(self, run: Run, *, theme: Theme, region: PlotRegion = PlotRegion(), method: str | None = None,
                 point_radius: float = 0.035, show_axes: bool = True, show_boundary: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.run, self.theme, self.region = run, theme, region
        self.motion = LayerMotion(run, method=method)
        self.time = ValueTracker(0.0)
        self.glyph_size = ValueTracker(0.0)  # 0 hides the glyphs, 1 draws them at full size
        self.grid = WarpedGrid(color=theme.grid, opacity=theme.grid_opacity)
        self.clouds = VGroup(*[PointCloud(color=c, radius=point_radius) for c in theme.classes])
        self.glyphs = EllipseField(color=theme.glyph)
        self.clipped_glyphs = EllipseField(color=theme.clipped_glyph, stroke_width=1.5)
        self.axes = FramedAxes(region, theme)
        # The decision boundary logit = 0 (when the Run has it), moved by the same map as the points.
        self.boundary = PolylineSet(color=theme.boundary, stroke_width=2.5)
        self.show_boundary = show_boundary and run.boundary is not None
        self.add(self.grid, self.clipped_glyphs, self.glyphs, self.clouds, self.boundary)
        if show_axes:
            self.add(self.axes)
        self.follow_layer(self)
        self.add_updater(self.follow_layer)

    @property
    def framing(self) -> Framing:
        return Framing.fit(self.motion.points(self.time.get_value()), self.region)

    def follow_layer(self, mobject: "LayerView") -> None:
        """Redraw points, grid, glyphs and axes at the tracker's layer time (one vectorised write each)."""
        t = self.time.get_value()
        points = self.motion.points(t)  # (N, 2)
        framing = Framing.fit(points, self.region)
        self.current_framing = framing  # for overlays drawn in the same coordinates (updated after the view)
        screen = framing.to_screen(points)
        for label, cloud in enumerate(self.clouds):
            cloud.set_positions(screen[self.run.y == label], region=self.region)
        self.grid.set_lines(framing.to_screen(self.motion.grid(t)), region=self.region)
        size = self.glyph_size.get_value()
        centres, maps, clipped = self.motion.glyphs(t) if size > 0 else (np.zeros((0, 2)), np.zeros((0, 2, 2)), np.zeros(0, bool))
        centres, maps = framing.to_screen(centres), framing.zoom * size * maps
        self.glyphs.set_glyphs(centres[~clipped], maps[~clipped], region=self.region)
        self.clipped_glyphs.set_glyphs(centres[clipped], maps[clipped], region=self.region)
        if self.show_boundary:
            vertices = framing.to_screen(self.motion.at(self.run.boundary, t))
            self.boundary.set_polylines(vertices, self.run.boundary_offsets, region=self.region)
        self.axes.show(framing)


class LayerCounter(PathText):
    """"Layer l / L" for the nearest integer layer of a view's time, left edge pinned at ``anchor``."""

    def __init__(self, view: LayerView, *, anchor: np.ndarray, font_size: float = 34, **kwargs):
        super().__init__(GlyphCache(view.theme, font_size=font_size), color=view.theme.text, **kwargs)
        self.view, self.anchor = view, np.asarray(anchor, float)[:2]
        self.follow_time(self)
        self.add_updater(self.follow_time)

    def follow_time(self, mobject: "LayerCounter") -> None:
        layer = int(np.floor(self.view.time.get_value() + 0.5))
        text = "Layer 0  (input)" if layer == 0 else f"Layer {layer} / {self.view.run.depth}"
        self.show([text], self.anchor[None], align=np.array([-1.0, 0.0]))
