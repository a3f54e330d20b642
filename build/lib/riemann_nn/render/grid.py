"""The input's coordinate grid, warped through the layers, as one ``VMobject`` of polyline segments."""

from __future__ import annotations

import numpy as np
from manim import VMobject

from .framing import PlotRegion
from .paths import clip_segments, segments_to_bezier


class WarpedGrid(VMobject):
    """Grid lines given as screen polylines (R, S, 2), clipped to the plot region every frame."""

    def __init__(self, *, color: str, opacity: float = 0.5, stroke_width: float = 1.2, **kwargs):
        super().__init__(stroke_color=color, stroke_opacity=opacity, stroke_width=stroke_width,
                         fill_opacity=0, **kwargs)

    def set_lines(self, lines: np.ndarray, *, region: PlotRegion) -> "WarpedGrid":
        starts = lines[:, :-1].reshape(-1, 2)  # (R (S-1), 2)
        ends = lines[:, 1:].reshape(-1, 2)
        low, high = np.array([region.left, region.bottom]), np.array([region.right, region.top])
        starts, ends = clip_segments(starts, ends, low, high)
        self.set_points(segments_to_bezier(starts, ends) if len(starts) else np.zeros((0, 3)))
        return self
