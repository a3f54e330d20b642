"""Labels that change during an animation, drawn as one leaf ``VMobject`` whose points are rewritten.

Manim snapshots a scene's family of mobjects when an animation starts and redraws that snapshot each frame;
swapping ``Text`` submobjects mid-animation would leave the old ones drawn too. Here each distinct string is
typeset once, its glyph outlines cached as a point array, and a frame only translates and concatenates them.
"""

from __future__ import annotations

import numpy as np
from manim import VMobject

from .theme import Theme, label


class GlyphCache:
    """Glyph outlines of strings, typeset once: ``points(text)`` is (K, 3) with its bounding box at the origin."""

    def __init__(self, theme: Theme, *, font_size: float):
        self.theme, self.font_size = theme, font_size
        self._points: dict[str, np.ndarray] = {}
        self._sizes: dict[str, np.ndarray] = {}

    def points(self, text: str) -> np.ndarray:
        if text not in self._points:
            points = label(text, self.theme, font_size=self.font_size).points
            low, high = points.min(axis=0), points.max(axis=0)
            self._points[text] = points - (low + high) / 2
            self._sizes[text] = (high - low)[:2]
        return self._points[text]

    def size(self, text: str) -> np.ndarray:
        """Width and height (2,) of the typeset string."""
        self.points(text)
        return self._sizes[text]


class PathText(VMobject):
    """Any number of short strings at given places, filled in one colour, as sub-paths of one leaf."""

    def __init__(self, cache: GlyphCache, *, color: str, **kwargs):
        super().__init__(fill_color=color, fill_opacity=1.0, stroke_width=0, **kwargs)
        self.cache = cache

    def show(self, texts: list[str], anchors: np.ndarray, *, align: np.ndarray = np.zeros(2)) -> "PathText":
        """Place each string so that the point ``align`` of its box (-1 left/bottom, 0 centre, 1 right/top)
        lies on its anchor (K, 2)."""
        pieces = []
        for text, anchor in zip(texts, np.asarray(anchors, float).reshape(-1, 2)):
            offset = anchor - np.asarray(align) * self.cache.size(text) / 2  # where the box centre goes
            pieces.append(self.cache.points(text) + np.append(offset, 0.0))
        self.set_points(np.concatenate(pieces) if pieces else np.zeros((0, 3)))
        return self
