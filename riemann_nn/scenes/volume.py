"""The volume element sqrt(det g_l): how much each patch of layer l is magnified on the way to the last layer,
as a field over every layer, with the data.

    manim -pql scenes/volume.py

Every glyph site's input cell is carried through the layers by the exact Jacobian J(t) of the layer path
(a parallelogram of area |det J(t)| times the input cell's) and filled with the colour of
log10 sqrt(det g(t)) = log10 |det J_L| - log10 |det J(t)|, exact at the layers and in between: no
interpolation of the field. The colour scale is diverging (neutral = unchanged area) and clipped to the 2nd and
98th percentiles of the values over all layers; collapsed charts count as fully squeezed. ``RIEMANN_NN_PRESET``
/ ``RIEMANN_NN_RUN``, ``RIEMANN_NN_PATH`` and ``RIEMANN_NN_THEME`` work as for scenes/transform.py; a preset is
trained with 20 x 20 glyph sites (cached separately from the default geometry).
"""

from manim import DOWN, LEFT, UP, FadeIn, Scene

from riemann_nn.interpolate import LayerMotion
from riemann_nn.render import LayerCounter, current_theme, formula, run_title, scene_path_method, scene_run
from riemann_nn.render.colour import LogColourScale
from riemann_nn.render.legends import ColourBar
from riemann_nn.render.story import PANEL_LEFT, PanelCaptions
from riemann_nn.render.views import LayerView, ViewStyle, VolumeCells, site_cell
from riemann_nn.interpolate import VolumeField


class VolumeElement(PanelCaptions, Scene):
    """Forward through the network: each cell coloured by the magnification still to come, down to 1 at the
    last layer; then back to the input."""

    default_preset = "seed-c2-sigmoid"
    sites_per_side = 20
    colour_bins = 25  # odd: the middle bin is exactly "area unchanged"
    cell_fill = 0.94  # cells a little smaller than the input grid's, so that the mosaic reads as cells
    seconds_forward = 15.0  # spread over all layers
    seconds_back = 6.0

    def construct(self):
        theme = current_theme()
        self.camera.background_color = theme.background
        run = scene_run(self.default_preset, geometry={"sites_per_side": self.sites_per_side})
        motion = LayerMotion(run, method=scene_path_method(run))
        volume = VolumeField(motion)
        values, collapsed = volume.at_layers()  # (L+1, M) each
        scale = LogColourScale.robust(values, exclude=collapsed)
        cells = VolumeCells(volume, scale, self.colour_bins, cell=self.cell_fill * site_cell(run))
        style = ViewStyle(grid_opacity=0.0, point_radius=0.03, glyph_stroke=0.0, glyph_fill=0.92)
        view = LayerView(run, theme=theme, motion=motion, glyphs=cells, style=style, glyph_size=1.0, fit_sites=1.0,
                         glyph_colours=scale.colours(theme, self.colour_bins))
        depth = run.depth
        step_forward = min(max(self.seconds_forward / depth, 0.8), 2.0)
        step_back = min(max(self.seconds_back / depth, 0.4), 1.0)

        title = run_title(run, theme).move_to([PANEL_LEFT, 3.6, 0], aligned_edge=UP + LEFT)
        counter = LayerCounter(view, anchor=[PANEL_LEFT, 1.45], font_size=34)
        legend = ColourBar(scale, theme, count=self.colour_bins, title="area scale to the last layer")
        legend.move_to([PANEL_LEFT, -3.7, 0], aligned_edge=DOWN + LEFT)

        # Beat 1: the input tiled by cells, each coloured by how much the whole network magnifies its area.
        self.play(FadeIn(title, shift=0.2 * DOWN), FadeIn(legend), FadeIn(counter), FadeIn(view),
                  *self.caption_to("Colour: how much the\nnetwork magnifies the\narea of each cell", theme,
                                   run_time=1.5), run_time=1.5)
        self.wait(1.5)

        # Beat 2: forward; the cells move with the data, their colour is the magnification still to come.
        for layer in range(depth):
            captions = (self.caption_to("Cells ride the layers;\ncolour: magnification\nstill to come", theme,
                                        run_time=step_forward) if layer == 0 else [])
            self.play(view.time.animate.set_value(layer + 1), *captions, run_time=step_forward)

        # Beat 3: the last layer measures areas as they are; the decision boundary (drawn in every layer by
        # the view) is the head's line here.
        self.play(*self.caption_to("Last layer: every area\nis itself (scale 1); the\n"
                                   "boundary is the head's\nline", theme, run_time=1.2), run_time=1.2)
        self.wait(1.5)

        # Beat 4: back to the input, where the colours show the whole network's stretching and squeezing.
        for layer in reversed(range(depth)):
            captions = (self.caption_to("Back to the input", theme, run_time=step_back)
                        if layer == depth - 1 else [])
            self.play(view.time.animate.set_value(layer), *captions, run_time=step_back)

        # Beat 5: the formula.
        element = formula(r"\sqrt{\det g_l} = \frac{|\det J_L|}{|\det J_l|}", "sqrt(det gl) = |det JL| / |det Jl|",
                          theme, font_size=32)
        element.move_to([PANEL_LEFT, -0.4, 0], aligned_edge=UP + LEFT)
        self.play(*self.caption_to("Green: stretched by the\nnet; purple: squeezed", theme,
                                   run_time=1.0), FadeIn(element, shift=0.2 * UP), run_time=1.0)
        self.wait(3.0)
