"""A field of metric glyphs (ellipses) as one ``VMobject`` with a closed sub-path per glyph."""

from __future__ import annotations

import numpy as np
from manim import VMobject

from .framing import PlotRegion
from .paths import ellipses_to_bezier


class EllipseField(VMobject):
    """Ellipses ``centre + A u`` over the unit circle ``u``; one array write per frame."""

    def __init__(self, *, color: str, stroke_width: float = 2.0, fill_opacity: float = 0.0, **kwargs):
        super().__init__(stroke_color=color, stroke_width=stroke_width, fill_color=color,
                         fill_opacity=fill_opacity, **kwargs)

    def set_glyphs(self, centres: np.ndarray, maps: np.ndarray, *, region: PlotRegion | None = None) -> "EllipseField":
        """Draw glyphs with screen ``centres`` (M, 2) and screen maps (M, 2, 2); those whose extent leaves
        ``region`` are not drawn, so no glyph is ever cut by the frame."""
        if region is not None and len(centres):
            reach = np.linalg.norm(maps, ord=2, axis=(1, 2))  # (M,) largest semi-axis
            inside = (region.contains(centres) & (centres[:, 0] - reach >= region.left)
                      & (centres[:, 0] + reach <= region.right) & (centres[:, 1] - reach >= region.bottom)
                      & (centres[:, 1] + reach <= region.top))
            centres, maps = centres[inside], maps[inside]
        self.set_points(ellipses_to_bezier(centres, maps) if len(centres) else np.zeros((0, 3)))
        return self
