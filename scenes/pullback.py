"""The metric field alone: a 20 x 20 field of glyphs over the input, each in its own colour, pulled back from the
last layer to the input, layer by layer.

    manim -pql scenes/pullback.py

``RIEMANN_NN_SHADE=volume`` colours the glyphs by the volume element sqrt(det g) (log scale) instead of by where
their site lies in the input. ``RIEMANN_NN_PRESET`` / ``RIEMANN_NN_RUN``, ``RIEMANN_NN_PATH`` and
``RIEMANN_NN_THEME`` work as for scenes/transform.py; a preset is trained with 20 x 20 glyph sites (cached
separately from the default geometry).
"""

import os

from manim import DOWN, LEFT, UP, FadeIn, Scene

from riemann_nn.interpolate import LayerMotion
from riemann_nn.render import LayerCounter, current_theme, formula, run_title, scene_path_method, scene_run
from riemann_nn.render.colour import LogColourScale, position_bins, position_colours
from riemann_nn.render.legends import UNBOUNDED_WORDS, ColourBar, PositionKey, key_row, unbounded_sample
from riemann_nn.render.story import PANEL_LEFT, PanelCaptions
from riemann_nn.render.views import LayerView, MetricGlyphs, PositionColours, ViewStyle, VolumeColours, input_box
from riemann_nn.interpolate import VolumeField

SHADES = ("position", "volume")


def scene_shade() -> str:
    """What colours the glyphs: ``$RIEMANN_NN_SHADE`` (position or volume), position by default."""
    shade = os.environ.get("RIEMANN_NN_SHADE") or "position"
    if shade not in SHADES:
        raise SystemExit(f"riemann-nn: unknown RIEMANN_NN_SHADE {shade!r}; choose one of: {', '.join(SHADES)}")
    return shade


class MetricField(PanelCaptions, Scene):
    """Sites coloured by input position, carried to the last layer; there the Euclidean metric's equal circles,
    pulled back layer by layer to the input."""

    default_preset = "seed-c2-sigmoid"
    sites_per_side = 20
    position_bins_per_side = 5  # 25 position colours, each a 4 x 4 block of sites
    volume_bins = 25  # odd: the middle bin is exactly "area unchanged"
    seconds_forward = 8.0  # spread over all layers
    seconds_back = 13.0
    marker_radius = 0.045  # scene units: a site before it becomes a glyph

    def construct(self):
        theme = current_theme()
        self.camera.background_color = theme.background
        shade = scene_shade()
        run = scene_run(self.default_preset, geometry={"sites_per_side": self.sites_per_side})
        motion = LayerMotion(run, method=scene_path_method(run))
        if shade == "volume":
            volume = VolumeField(motion)
            values, collapsed = volume.at_layers()  # (L+1, M) each
            scale = LogColourScale.robust(values, exclude=collapsed)
            colours = scale.colours(theme, self.volume_bins)
            colouring = VolumeColours(volume, scale, self.volume_bins)
            legend = ColourBar(scale, theme, count=self.volume_bins, title="colour: \u221adet g (log scale)")
        else:
            per_side = self.position_bins_per_side
            colours = position_colours(theme, per_side)
            colouring = PositionColours(position_bins(run.sites[0], input_box(run), per_side))
            legend = PositionKey(colours, theme, per_side=per_side)
        glyphs = MetricGlyphs(motion, colouring, marker_radius=self.marker_radius)
        style = ViewStyle(grid_opacity=0.18, point_opacity=0.16, point_radius=0.03, glyph_stroke=1.5, glyph_fill=0.16)
        view = LayerView(run, theme=theme, motion=motion, glyphs=glyphs, glyph_colours=colours, style=style,
                         show_boundary=False, glyph_size=1.0, fit_sites=1.0)
        depth = run.depth
        step_forward = min(max(self.seconds_forward / depth, 0.5), 1.5)
        step_back = min(max(self.seconds_back / depth, 0.7), 2.0)

        title = run_title(run, theme).move_to([PANEL_LEFT, 3.6, 0], aligned_edge=UP + LEFT)
        counter = LayerCounter(view, anchor=[PANEL_LEFT, 1.45], font_size=34)
        legend.move_to([PANEL_LEFT, -3.7, 0], aligned_edge=DOWN + LEFT)
        clipped_key = key_row(unbounded_sample(theme), UNBOUNDED_WORDS, theme)
        clipped_key.next_to(legend, UP, buff=0.3).align_to([PANEL_LEFT, 0, 0], LEFT)

        # Beat 1: the input, a dense grid of sites, each with its colour. The panel goes in first: mobjects
        # before the first moving one are drawn once per animation, not once per frame.
        opening = {"position": "each with\nits own colour", "volume": "coloured by\nthe volume element"}
        self.play(FadeIn(title, shift=0.2 * DOWN), FadeIn(legend), FadeIn(counter), FadeIn(view),
                  *self.caption_to(f"{run.sites.shape[1]} sites over the\ninput, " + opening[shade], theme,
                                   run_time=1.5), run_time=1.5)
        self.wait(1.0)

        # Beat 2: the sites ride the network to the last layer; the colours say where each one went.
        for layer in range(depth):
            captions = (self.caption_to("Carried by the network\nto the last layer", theme, run_time=step_forward)
                        if layer == 0 else [])
            self.play(view.time.animate.set_value(layer + 1), *captions, run_time=step_forward)

        # Beat 3: the Euclidean metric of the last layer: every site becomes an equal circle.
        self.play(glyphs.morph.animate.set_value(1.0), FadeIn(clipped_key),
                  *self.caption_to("The Euclidean metric\nof the last layer:\nequal circles", theme, run_time=1.5),
                  run_time=1.5)
        self.bring_to_back(clipped_key)
        self.wait(1.0)

        # Beat 4: pulled back layer by layer; each glyph is pushed by the map that moves its site.
        for layer in reversed(range(depth)):
            captions = (self.caption_to("Pulled back to the\ninput, layer by layer", theme, run_time=step_back)
                        if layer == depth - 1 else [])
            self.play(view.time.animate.set_value(layer), *captions, run_time=step_back)

        # Beat 5: the metric the network induces on its input.
        pullback = formula(r"g_0 = J_L^{\top} J_L", "g0 = JL^T JL", theme, font_size=38)
        pullback.move_to([PANEL_LEFT, -0.4, 0], aligned_edge=UP + LEFT)
        ending = ("Long glyph: the net\nsqueezes that direction" if shade == "position"
                  else "Colour: how much the\nnet magnifies area")
        self.play(*self.caption_to(ending, theme, run_time=1.0), FadeIn(pullback, shift=0.2 * UP), run_time=1.0)
        self.wait(3.0)
