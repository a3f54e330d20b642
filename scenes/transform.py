"""The default video: what a deep network does to the plane, layer by layer, and the metric it induces on its
input, told for a viewer who has not read the paper.

    manim -pql scenes/transform.py

``RIEMANN_NN_PRESET=<name>`` or ``RIEMANN_NN_RUN=<file.npz>`` shows another run, ``RIEMANN_NN_PATH`` picks the
layer path (straight, spline, staged) and ``RIEMANN_NN_THEME`` the colours (dark, light). Subtitles are written
beside the video (``LayerByLayer.vtt``, ``.srt``).
"""

from manim import FadeOut, VGroup

from riemann_nn.render.overlays import WorkedGlyph, worked_site
from riemann_nn.render.story import FORMULA_TOP, PANEL_LEFT, PANEL_WIDTH, LayerStory
from riemann_nn.render.text import formula, label


class LayerByLayer(LayerStory):
    """Forward through the layers, one glyph explained, the last layer's metric pulled back to the input."""

    default_preset = "seed-c2-sigmoid"

    def construct(self):
        # 0-1. The question; the input and its decision boundary.
        self.title_card()
        self.say("Two classes of points in the plane.\nThe white curve is the network's\ndecision boundary.")
        # 2-3. Forward: each layer is a plane of its own; a hold half way.
        self.sweep(self.depth // 2, caption="Each layer has two neurons, so its\noutput is a point in a new plane.\n"
                                            "Follow points, grid and boundary.")
        self.say("The grid shows how the network\nstretches and folds the plane.")
        self.sweep(self.depth)
        # 4. Linear at last.
        planes = self.half_planes("In the last layer a straight line\nseparates the classes: the network\n"
                                  "has made the problem linear.")
        # 5. One glyph: a circle of the last layer, carried back to the input, where it is an ellipse.
        site, magnify = worked_site(self.view, self.run.clipped)
        glyph = WorkedGlyph(self.view, site, magnify=magnify)
        self.add(glyph)
        self.say("Around one point, all points at\none small distance: a circle.",
                 glyph.grow.animate.set_value(1.0), self.diagram.head.animate.set_value(0.0), FadeOut(planes))
        self.sweep(0, seconds=3.6, caption="Carried back to the input, the\ncircle becomes an ellipse.")
        self.say("Long axis, squeezed: moving far this\nway changes little. Short axis,\n"
                 "stretched: a small step changes a lot.", glyph.arrows.animate.set_value(1.0), run_time=1.2)
        # 6. The field: one circle at every site of the last layer.
        self.hide(glyph)
        self.sweep(self.depth, seconds=2.4, caption="Now one circle at every site\nof the last layer.")
        self.grow_field()
        # 7-8. The pull-back, with holds; the metric of the input.
        self.sweep(0, caption="Pulled back layer by layer, the\ncircles deform with the coordinates.",
                   holds={2 * self.depth // 3: 1.0, self.depth // 3: 1.0})
        if self.legend.unbounded:
            self.say("Red arrows: there a layer squashes\nthe plane onto a line. Distances\n"
                     "across it are lost: no ellipse fits.")
        self.say("The metric the network induces on\nits input: small ellipses where it is\n"
                 "sensitive, long ones where it ignores\na direction.")
        # 9. The formula, its symbols in words beside it.
        self.show(pullback_formulas(self.theme), caption="It comes from the Jacobian: how\nthe last layer moves when "
                                                         "the\ninput moves.")
        # 10. Close.
        self.close("A deep network is a chain of\ncoordinate changes. Render your\nown: riemann-nn render")


def pullback_formulas(theme) -> VGroup:
    """The metric of the input and of layer l, each formula over its symbols in words, in the panel."""
    def pair(tex, plain, words):
        return VGroup(formula(tex, plain, theme, font_size=34),
                      label(words, theme, font_size=17, color=theme.muted)).arrange(direction=[0, -1, 0],
                                                                                   aligned_edge=[-1, 0, 0], buff=0.1)

    block = VGroup(
        pair(r"g_0 = J_L^{\top} J_L, \quad J_L = \frac{\partial x_L}{\partial x_0}", "g0 = JL^T JL",
             "how the last layer moves\nwhen the input moves"),
        pair(r"g_l = M_l^{\top} M_l, \quad M_l = J_L J_l^{-1}", "gl = Ml^T Ml",
             "the same rule in every layer l"),
    ).arrange(direction=[0, -1, 0], aligned_edge=[-1, 0, 0], buff=0.25)
    if block.width > PANEL_WIDTH:
        block.scale_to_fit_width(PANEL_WIDTH)
    return block.move_to([PANEL_LEFT, FORMULA_TOP, 0], aligned_edge=[-1, 1, 0])
