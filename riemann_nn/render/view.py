"""``LayerView``: data, grid and metric glyphs of a Run at a continuous layer time, in a framed region."""

from __future__ import annotations

import numpy as np
from manim import Text, ValueTracker, VGroup

from ..interpolate import LayerMotion
from ..run import Run
from .framing import FramedAxes, Framing, PlotRegion
from .glyphs import EllipseField
from .grid import WarpedGrid
from .points import PointCloud
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
    """

    def __init__(self, run: Run, *, theme: Theme, region: PlotRegion = PlotRegion(), method: str | None = None,
                 point_radius: float = 0.035, show_axes: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.run, self.theme, self.region = run, theme, region
        self.motion = LayerMotion(run, method=method)
        self.time = ValueTracker(0.0)
        self.glyph_size = ValueTracker(0.0)  # 0 hides the glyphs, 1 draws them at full size
        self.grid = WarpedGrid(color=theme.grid, opacity=theme.grid_opacity)
        self.clouds = VGroup(*[PointCloud(color=c, radius=point_radius) for c in theme.classes])
        self.glyphs = EllipseField(color=theme.glyph)
        self.axes = FramedAxes(region, theme)
        self.add(self.grid, self.glyphs, self.clouds)
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
        screen = framing.to_screen(points)
        for label, cloud in enumerate(self.clouds):
            cloud.set_positions(screen[self.run.y == label], region=self.region)
        self.grid.set_lines(framing.to_screen(self.motion.grid(t)), region=self.region)
        size = self.glyph_size.get_value()
        if size > 0:
            centres, maps = self.motion.glyphs(t)
            self.glyphs.set_glyphs(framing.to_screen(centres), framing.zoom * size * maps, region=self.region)
        else:
            self.glyphs.set_points(np.zeros((0, 3)))
        self.axes.show(framing)


class LayerCounter(VGroup):
    """"Layer l / L", following a view's time: the nearest integer layer, cached texts."""

    def __init__(self, view: LayerView, *, font_size: float = 34, **kwargs):
        super().__init__(**kwargs)
        self.view = view
        self.font_size = font_size
        self._texts: dict[int, Text] = {}
        self._anchor = None
        self.follow_time(self)
        self.add_updater(self.follow_time)

    def _text(self, layer: int) -> Text:
        if layer not in self._texts:
            label = "Layer 0  (input)" if layer == 0 else f"Layer {layer} / {self.view.run.depth}"
            self._texts[layer] = Text(label, font_size=self.font_size, color=self.view.theme.text)
        return self._texts[layer]

    def follow_time(self, mobject: "LayerCounter") -> None:
        layer = int(np.floor(self.view.time.get_value() + 0.5))
        text = self._text(layer)
        if self._anchor is not None:
            text.move_to(self._anchor, aligned_edge=np.array([-1, 0, 0]))
        self.submobjects = [text]

    def pin(self, point: np.ndarray) -> "LayerCounter":
        """Keep the counter's left edge at ``point`` whatever its text."""
        self._anchor = np.asarray(point, float)
        self.follow_time(self)
        return self
