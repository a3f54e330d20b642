"""The default video: the data warped layer by layer, then the last layer's metric pulled back to the input.

    manim -pql scenes/transform.py

``RIEMANN_NN_PRESET=<name>`` or ``RIEMANN_NN_RUN=<file.npz>`` shows another run, ``RIEMANN_NN_PATH`` picks the
layer path (straight, spline, staged) and ``RIEMANN_NN_THEME`` the colours (dark, light).
"""

import numpy as np
from manim import DOWN, LEFT, UP, FadeIn, FadeOut, Scene, VGroup

from riemann_nn.render import (
    DecisionHalfPlanes, EllipseField, LayerCounter, LayerView, PointCloud, current_theme, formula,
    run_title, scene_path_method, scene_run,
)
from riemann_nn.render.framing import PlotRegion
from riemann_nn.render.marks import PolylineSet
from riemann_nn.render.story import PANEL_LEFT, PanelCaptions
from riemann_nn.render.text import label


class LayerByLayer(PanelCaptions, Scene):
    """Layers as coordinate systems: forward through the network, then the metric pulled back."""

    default_preset = "seed-c2-sigmoid"
    seconds_forward = 16.0  # spread over all layers
    seconds_back = 11.0

    def construct(self):
        theme = current_theme()
        self.camera.background_color = theme.background
        run = scene_run(self.default_preset)
        view = LayerView(run, theme=theme, method=scene_path_method(run))
        depth = run.depth
        step_forward = min(max(self.seconds_forward / depth, 0.7), 2.0)
        step_back = min(max(self.seconds_back / depth, 0.5), 1.5)

        title = run_title(run, theme).move_to([PANEL_LEFT, 3.6, 0], aligned_edge=UP + LEFT)
        counter = LayerCounter(view, anchor=[PANEL_LEFT, 1.45], font_size=34)
        path = label(f"layer path: {view.motion.method}", theme, font_size=18, color=theme.muted)
        path.move_to([PANEL_LEFT, 1.0, 0], aligned_edge=LEFT)
        legend = data_legend(theme).move_to([PANEL_LEFT, -3.35, 0], aligned_edge=DOWN + LEFT)
        self.caption = None

        # Beat 1: the input space, two classes over the input's coordinate grid. The panel goes in first:
        # mobjects before the first moving one are drawn once per animation, not once per frame.
        self.play(FadeIn(title, shift=0.2 * DOWN), FadeIn(path), FadeIn(legend), FadeIn(view), FadeIn(counter),
                  *self.caption_to("The data in the input\ncoordinates; the line is\nthe decision boundary", theme,
                                  run_time=1.5), run_time=1.5)
        self.wait(1.0)

        # Beat 2: forward, layer by layer; each layer is a new coordinate system. (No rate_func on these
        # plays: it would override the captions' own; Manim's default, smooth, eases each layer step.)
        forward = "Each layer is a new\ncoordinate system:\npoints and grid move\nwith the network"
        for layer in range(depth):
            captions = self.caption_to(forward, theme, run_time=step_forward) if layer == 0 else []
            self.play(view.time.animate.set_value(layer + 1), *captions, run_time=step_forward)

        # Beat 3: at the last layer a straight line separates the classes.
        half_planes = DecisionHalfPlanes(run.head_weight, run.head_bias, view.framing, theme)
        self.add(half_planes)
        self.bring_to_back(half_planes)
        self.play(FadeIn(half_planes), *self.caption_to("Last layer: the boundary\nis the head's line\nw\u00b7x + c = 0",
                                                        theme, run_time=1.2), run_time=1.2)
        self.wait(1.5)

        # Beat 4: the Euclidean metric of the last layer, as equal circles.
        glyph_legend = metric_legend(theme).next_to(legend, UP, aligned_edge=LEFT, buff=0.25)
        self.play(FadeOut(half_planes), view.glyph_size.animate.set_value(1.0), FadeIn(glyph_legend),
                  *self.caption_to("The Euclidean metric\nof the last layer:\nequal circles", theme, run_time=1.5),
                  run_time=1.5)
        self.bring_to_back(glyph_legend)
        self.wait(0.8)

        # Beat 5: pulled back layer by layer; the glyphs are pushed by the same map as the points.
        back = "Pulled back layer by\nlayer to the input:\nthe circles deform"
        for layer in reversed(range(depth)):
            captions = self.caption_to(back, theme, run_time=step_back) if layer == depth - 1 else []
            self.play(view.time.animate.set_value(layer), *captions, run_time=step_back)

        # Beat 6: the input space with its pulled-back metric, and the formula.
        pullback = formula(r"g_0 = J_L^{\top} J_L", "g0 = JL^T JL", theme, font_size=38)
        chart = formula(r"g_l = \big(J_L J_l^{-1}\big)^{\top} J_L J_l^{-1}", "gl = (JL Jl^-1)^T JL Jl^-1", theme,
                        font_size=30)
        formulas = VGroup(pullback, chart).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
        formulas.move_to([PANEL_LEFT, -0.35, 0], aligned_edge=UP + LEFT)
        self.play(*self.caption_to("The metric the network\ninduces on its input", theme, run_time=0.8), run_time=0.8)
        self.play(FadeIn(formulas, shift=0.2 * UP), run_time=1.0)
        self.wait(3.0)


def data_legend(theme) -> VGroup:
    """A disc of each class colour with its name, and the decision boundary's line."""
    classes = VGroup(*[VGroup(PointCloud(color=colour, radius=0.07).set_positions(np.zeros((1, 2))),
                              label(name, theme, font_size=18, color=theme.muted)).arrange(buff=0.15)
                       for colour, name in zip(theme.classes, ("class 0", "class 1"))]).arrange(buff=0.5)
    line = PolylineSet(color=theme.boundary, stroke_width=2.5).set_polylines(
        np.array([[0.0, 0.0], [0.3, 0.0]]), np.array([0, 2]), region=PlotRegion())
    boundary = VGroup(line, label("decision boundary", theme, font_size=18, color=theme.muted))
    return VGroup(classes, boundary.arrange(buff=0.15)).arrange(DOWN, aligned_edge=LEFT, buff=0.2)


def metric_legend(theme) -> VGroup:
    """A glyph in each colour: the metric, and the metric clipped where it blows up."""
    def glyph(colour):
        return EllipseField(color=colour).set_glyphs(np.zeros((1, 2)), np.diag([0.12, 0.07])[None])

    return VGroup(
        VGroup(glyph(theme.glyph), label("metric", theme, font_size=18, color=theme.muted)).arrange(buff=0.15),
        VGroup(glyph(theme.unbounded), label("unbounded", theme, font_size=18, color=theme.muted)).arrange(buff=0.15),
    ).arrange(buff=0.5)
