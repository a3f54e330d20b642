"""A field of short line segments through sites: directions such as the kernel of a degenerate metric."""

from __future__ import annotations

import numpy as np
from manim import VMobject

from .framing import PlotRegion
from .paths import clip_segments, segments_to_bezier


class DirectionField(VMobject):
    """Segments of one length (scene units) centred on sites, along given directions; one path."""

    def __init__(self, *, color: str, stroke_width: float = 2.5, **kwargs):
        super().__init__(stroke_color=color, stroke_width=stroke_width, fill_opacity=0, **kwargs)

    def set_directions(self, centres: np.ndarray, directions: np.ndarray, *, half_length: float,
                       region: PlotRegion) -> "DirectionField":
        """Draw segments through ``centres`` (M, 2) along ``directions`` (M, 2, any length; zero rows are
        skipped), ``half_length`` either side, clipped to ``region``."""
        norm = np.linalg.norm(directions, axis=1, keepdims=True)  # (M, 1)
        keep = norm[:, 0] > 1e-300
        unit = directions[keep] / norm[keep]
        starts, ends = centres[keep] - half_length * unit, centres[keep] + half_length * unit
        low, high = np.array([region.left, region.bottom]), np.array([region.right, region.top])
        starts, ends = clip_segments(starts, ends, low, high)
        self.set_points(segments_to_bezier(starts, ends) if len(starts) else np.zeros((0, 3)))
        return self
