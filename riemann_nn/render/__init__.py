"""Manim building blocks: marks (points, grid, glyphs), framing, views of a Run at a layer time, overlays,
legends, the story base of the scenes, stills and slides.

The only part of riemann-nn that imports manim; scenes in ``scenes/`` are thin stories over these. Modules:

- ``colour``: themes and colour maps;            - ``text``: labels, captions, formulas, changing labels;
- ``marks``: shapes as sub-paths of one path;    - ``framing``: plot region, layer-to-screen map, axes;
- ``views``: a Run drawn at a layer time;        - ``overlays``: half-planes and other things over a view;
- ``legends``: keys and colour bars;             - ``story``: the scene base and its verbs;
- ``sheet``: one still, a panel per layer;       - ``slides``: a scene as manim-slides slides;
- ``camera``: Manim's Cairo camera, faster paths; - ``encoding``: frames to the encoder without a slow copy.
"""

from .colour import THEMES, Theme, current_theme
from .framing import FramedAxes, Framing, PlotRegion
from .marks import EllipseField, PointCloud, WarpedGrid
from .overlays import DecisionHalfPlanes
from .story import scene_path_method, scene_run
from .text import caption, formula, run_title
from .views import LayerCounter, LayerView

__all__ = [
    "THEMES",
    "DecisionHalfPlanes",
    "EllipseField",
    "FramedAxes",
    "Framing",
    "LayerCounter",
    "LayerView",
    "PlotRegion",
    "PointCloud",
    "Theme",
    "WarpedGrid",
    "caption",
    "current_theme",
    "formula",
    "run_title",
    "scene_path_method",
    "scene_run",
]
