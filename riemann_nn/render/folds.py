"""Folds and loops over a layer view: input cells coloured by whether the network turns them over
(``OrientationCells``, a glyph source for ``LayerView``), and curves of the input carried through the layers with
the data (``CarriedCurves``: a loop in the gap between a disc and a ring, the fold curve ``det J_L = 0``)."""

from __future__ import annotations

import numpy as np
from manim import Mobject, Polygon, ValueTracker

from ..interpolate import LayerMotion
from .marks import PolylineSet
from .views import GlyphFrame, LayerView

__all__ = ["CarriedCurves", "OrientationCells", "square_sample"]


class OrientationCells:
    """Every site's input cell (``cell`` maps the unit square onto it) pushed by the exact Jacobian ``J(t)`` of
    the layer path, in colour bin 1 where the whole network turns it over (``det J_L < 0`` at the site: the
    band between fold curves), else 0: watch the band fold under the rest. A glyph source of ``LayerView``
    (shape "square").

    Cells stretched beyond ``cap`` scene units (half their longest side) are shrunk as a whole to it, shape and
    orientation kept: a fold's neighbourhood is stretched enormously, and uncapped cells would bury the data.
    """

    shape = "square"

    def __init__(self, motion: LayerMotion, *, cell: np.ndarray, cap: float = 0.2):
        self.motion, self.cell, self.cap = motion, cell, cap
        self.turned = (np.linalg.det(motion.run.jacobian[-1]) < 0).astype(int)  # (M,)

    def __call__(self, t: float, zoom: float) -> GlyphFrame:
        cells = self.motion.jacobian(t) @ self.cell  # (M, 2, 2)
        reach = zoom * np.linalg.norm(cells, ord=2, axis=(1, 2))  # (M,) on screen
        cells = cells * np.minimum(1.0, self.cap / np.maximum(reach, 1e-300))[:, None, None]
        return GlyphFrame(self.motion.sites(t), cells, self.turned, np.zeros(len(cells), bool))


class CarriedCurves(PolylineSet):
    """Packed polylines of the input, given in every layer's coordinates (``layers`` (L+1, P, 2), ``offsets``
    (K+1,)), drawn where the view's map puts them at its time; ``reveal`` (0..1) fades them in.

    Add it after the view: it reads the framing the view drew with in the same frame.
    """

    def __init__(
        self,
        view: LayerView,
        layers: np.ndarray,
        offsets: np.ndarray,
        *,
        color: str,
        stroke_width: float = 3.0,
        **kwargs,
    ):
        super().__init__(color=color, stroke_width=stroke_width, opacity=0.0, **kwargs)
        self.view, self.layers, self.offsets = view, layers, offsets
        self.reveal = ValueTracker(0.0)
        self.shown: float | None = None  # the opacity is written only when ``reveal`` moves (see LayerView.draw_glyphs)
        self.follow_view(self)
        self.add_updater(self.follow_view)

    def follow_view(self, mobject: Mobject) -> None:
        view = self.view
        shown = self.reveal.get_value()
        if shown != self.shown:
            self.set_stroke(opacity=0.95 * shown)
            self.shown = shown
        if shown <= 0 or not len(self.layers[0]):
            self.draw(np.zeros((0, 3)))
            return
        vertices = view.current_framing.to_screen(view.motion.at(self.layers, view.time.get_value()))  # (P, 2)
        self.set_polylines(vertices, self.offsets, region=view.region)


def square_sample(colour: str, *, side: float = 0.16, opacity: float = 0.9) -> Polygon:
    """A small filled square, for a legend row of cells."""
    half = side / 2
    return Polygon(
        *[np.array([x, y, 0.0]) for x, y in ((-half, -half), (half, -half), (half, half), (-half, half))],
        stroke_width=0,
        fill_color=colour,
        fill_opacity=opacity,
    )
