"""The default video: what a deep network does to the plane, layer by layer, and the metric it induces on its
input, told for a viewer who has not read the paper.

    manim -pql scenes/transform.py

``RIEMANN_NN_PRESET=<name>`` or ``RIEMANN_NN_RUN=<file.npz>`` shows another run, ``RIEMANN_NN_PATH`` picks the
layer path (straight, spline, staged) and ``RIEMANN_NN_THEME`` the colours (dark, light). Subtitles are written
beside the video (``LayerByLayer.vtt``, ``.srt``).
"""

from manim import FadeOut

from riemann_nn.render.overlays import WorkedGlyph
from riemann_nn.render.story import LayerStory, stray_boundary
from riemann_nn.render.text import metric_formulas


class LayerByLayer(LayerStory):
    """Forward through the layers, one glyph explained, the last layer's metric pulled back to the input."""

    default_preset = "seed-c2-sigmoid"

    def construct(self):
        # 0-1. The question; the input and its decision boundary.
        self.title_card()
        self.say(f"Two classes of points. The {self.theme.boundary_word} curve: the network's decision boundary.")
        if stray_boundary(self.run):
            self.say(
                "A piece of it lies far from the data: the network splits the plane there too, with no data "
                "to guide it."
            )
        # 2-3. Forward: every layer gives the points new coordinates; a hold half way.
        self.sweep(
            self.depth // 2,
            caption="Each layer's two neurons give every point new coordinates. Follow points, grid and boundary.",
        )
        self.say("The grid shows how the network stretches and folds the plane.")
        self.sweep(self.depth)
        # 4. Linear at last.
        planes = self.half_planes(
            "In the last layer a straight line separates the classes: the problem has become linear."
        )
        # 5. One glyph: a circle of the last layer carried back to the input, where it is an ellipse.
        glyph = WorkedGlyph.chosen_for(self.view)
        self.add(glyph)
        self.say(
            "Around one point, the points at one small distance: a circle. Watch it go back to the input.",
            glyph.grow.animate.set_value(1.0),
            self.diagram.head.animate.set_value(0.0),
            FadeOut(planes),
        )
        self.hold(1.2)  # the circle, still, before it travels
        self.sweep(0, seconds=3.6)
        self.say(
            "Long axis, squeezed: moving far this way changes little. Short axis, stretched: "
            "a small step changes a lot.",
            glyph.arrows.animate.set_value(1.0),
            run_time=1.2,
        )
        # 6. The field: one circle at every site of the last layer.
        self.hide(glyph)
        self.sweep(self.depth, seconds=2.4, caption="Back to the last layer, to draw one circle at every site.")
        self.grow_field()
        self.hold(1.0)
        # 7-8. The pull-back, with holds; the metric of the input.
        third = self.depth // 3
        self.sweep(
            third,
            caption="Pulled back layer by layer, the circles deform with the coordinates.",
            holds={self.depth - third: 1.0, third: 1.0},
        )
        self.sweep(
            0,
            caption="The metric the network induces on its input: small ellipses where it is "
            "sensitive, long ones where it ignores a direction.",
        )
        if self.legend.unbounded:
            self.say("Red arrows: there a layer squashes the plane onto a line, and distances across it are lost.")
        # 9. The formula, its symbols in words beside it.
        formulas = self.present(metric_formulas(self.theme), caption="Where the metric comes from, in every layer:")
        self.hold(3.5)  # five lines of mathematics: longer than the caption's reading time
        # 10. Close.
        self.close(
            "A deep network is a chain of coordinate changes. Try yours: "
            "riemann-nn\u00a0render\u00a0--run\u00a0your.npz",
            formulas,
        )
