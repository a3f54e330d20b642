"""A class of data points as one ``VMobject``: every point is a small disc, a sub-path of the same path."""

from __future__ import annotations

import numpy as np
from manim import VMobject

from .framing import PlotRegion
from .paths import discs_to_bezier


class PointCloud(VMobject):
    """Filled discs of radius ``radius`` (scene units) at screen positions, rewritten in one vectorised call."""

    def __init__(self, *, color: str, radius: float = 0.035, opacity: float = 0.9, **kwargs):
        super().__init__(fill_color=color, fill_opacity=opacity, stroke_width=0, **kwargs)
        self.radius = radius

    def set_positions(self, screen: np.ndarray, *, region: PlotRegion | None = None) -> "PointCloud":
        """Put the discs at ``screen`` (N, 2); with ``region``, points outside it are not drawn."""
        if region is not None:
            screen = screen[region.contains(screen, margin=self.radius)]
        self.set_points(discs_to_bezier(screen, self.radius) if len(screen) else np.zeros((0, 3)))
        return self
