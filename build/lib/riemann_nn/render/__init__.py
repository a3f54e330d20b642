"""Manim building blocks: point clouds, ellipse fields, warped grids, framing, the layer view.

The only part of riemann-nn that imports manim; scenes in ``scenes/`` are thin stories over these.
"""

from .boundary import DecisionHalfPlanes
from .framing import FramedAxes, Framing, PlotRegion
from .glyphs import EllipseField
from .grid import WarpedGrid
from .points import PointCloud
from .scene_support import caption, formula, run_title, scene_path_method, scene_run
from .theme import THEMES, Theme, current_theme
from .view import LayerCounter, LayerView

__all__ = [
    "THEMES", "DecisionHalfPlanes", "EllipseField", "FramedAxes", "Framing", "LayerCounter", "LayerView",
    "PlotRegion", "PointCloud", "Theme", "WarpedGrid", "caption", "current_theme", "formula", "run_title",
    "scene_path_method", "scene_run",
]
