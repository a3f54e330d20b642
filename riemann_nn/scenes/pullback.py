"""The metric field alone: a 20 x 20 field of sites over the input, each in its own colour, carried to the last
layer, where each becomes a circle, and pulled back to the input, layer by layer.

    manim -pql scenes/pullback.py

``RIEMANN_NN_SHADE=volume`` colours the glyphs by the volume element sqrt(det g) (log scale) instead of by where
their site lies in the input. ``RIEMANN_NN_PRESET`` / ``RIEMANN_NN_RUN``, ``RIEMANN_NN_PATH`` and
``RIEMANN_NN_THEME`` work as for scenes/transform.py; a preset is trained with 20 x 20 glyph sites (cached
separately from the default geometry).
"""

import os
from typing import ClassVar

from manim import FadeIn

from riemann_nn.interpolate import LayerMotion, VolumeField
from riemann_nn.render.colour import LogColourScale, position_bins, position_colours
from riemann_nn.render.legends import (
    DASHED_WORDS,
    UNBOUNDED_WORDS,
    ColourBar,
    PositionKey,
    glyph_samples,
    key_row,
    unbounded_sample,
)
from riemann_nn.render.story import LayerStory, StoryLegend, scene_path_method
from riemann_nn.render.text import metric_formulas
from riemann_nn.render.views import LayerView, MetricGlyphs, PositionColours, ViewStyle, VolumeColours, input_box

SHADES = ("position", "volume")


def scene_shade() -> str:
    """What colours the glyphs: ``$RIEMANN_NN_SHADE`` (position or volume), position by default."""
    shade = os.environ.get("RIEMANN_NN_SHADE") or "position"
    if shade not in SHADES:
        raise SystemExit(f"riemann-nn: unknown RIEMANN_NN_SHADE {shade!r}; choose one of: {', '.join(SHADES)}")
    return shade


class MetricField(LayerStory):
    """Sites coloured by input position (or volume), carried to the last layer; there the Euclidean metric's
    equal circles, pulled back layer by layer to the input."""

    default_preset = "seed-c2-sigmoid"
    geometry: ClassVar[dict] = {"sites_per_side": 20}
    question = "Where does the network stretch the plane, and where does it squeeze it?"
    style = ViewStyle(grid_opacity=0.18, point_opacity=0.16, point_radius=0.03, glyph_stroke=1.5, glyph_fill=0.9)
    position_bins_per_side = 5  # 25 position colours, each a 4 x 4 block of sites
    volume_bins = 25  # odd: the middle bin is exactly "area unchanged"
    marker_radius = 0.045  # scene units: a site, a solid dot, before it becomes a glyph
    ring_fill = 0.16  # the glyphs' fill once they are circles

    def construct(self):
        self.title_card()
        self.say(f"{self.run.sites.shape[1]} sites over the input, each a dot of its own colour.")
        self.sweep(
            self.depth, caption="Carried by the network to the last layer: the colours say where each site went."
        )
        self.say(
            "In the last layer every dot becomes a circle: the points at one small distance from it.",
            self.glyphs.morph.animate.set_value(1.0),
            self.view.glyph_fill.animate.set_value(self.ring_fill),
            *[FadeIn(row) for row in self.legend.glyph_rows],
            run_time=2.0,
        )
        self.sweep(
            0,
            caption="Pulled back to the input, layer by layer, each circle deforms with its site.",
            holds={2 * self.depth // 3: 1.0, self.depth // 3: 1.0},
        )
        self.present(
            metric_formulas(self.theme, every_layer=False),
            caption="Each ellipse is the set of input points the network places at one small distance.",
        )
        self.close(self.ending)

    def make_view(self) -> LayerView:
        self.shade = scene_shade()
        motion = LayerMotion(self.run, method=scene_path_method(self.run))
        if self.shade == "volume":
            volume = VolumeField(motion)
            values, collapsed = volume.at_layers()  # (L+1, M) each
            self.scale = LogColourScale.robust(values, exclude=collapsed)
            colours = self.scale.colours(self.theme, self.volume_bins)
            self.colours = colours
            colouring = VolumeColours(volume, self.scale, self.volume_bins)
            self.ending = "Colour: how much the network magnifies area around each site."
        else:
            per_side = self.position_bins_per_side
            colours = position_colours(self.theme, per_side)
            self.colours = colours
            colouring = PositionColours(position_bins(self.run.sites[0], input_box(self.run), per_side))
            self.ending = "A long ellipse: the network squeezes that direction; a small one: it stretches it."
        self.glyphs = MetricGlyphs(motion, colouring, marker_radius=self.marker_radius)
        return LayerView(
            self.run,
            theme=self.theme,
            motion=motion,
            glyphs=self.glyphs,
            glyph_colours=colours,
            style=self.style,
            show_boundary=False,
            glyph_size=1.0,
            fit_sites=1.0,
        )

    def make_legend(self) -> StoryLegend:
        if self.shade == "volume":
            key = ColourBar(self.scale, self.theme, count=self.volume_bins, title="colour: \u221adet g (log scale)")
        else:
            key = PositionKey(self.colours, self.theme, per_side=self.position_bins_per_side)
        dashed, unbounded = self.view.draws_dashes(), bool(self.run.unbounded.any())
        rows = self.glyph_rows(dashed=dashed, unbounded=unbounded)
        return StoryLegend(self.theme, dashed=dashed, unbounded=unbounded, data_rows=[key], glyph_rows=rows)

    def glyph_rows(self, *, dashed: bool, unbounded: bool) -> list:
        """The legend's glyph rows, their samples in colours of the field (its first, middle and last bin): the
        glyphs on screen take the colour of their site (or volume), never the theme's one glyph colour."""
        theme, colours = self.theme, self.colours
        samples = [colours[0], colours[len(colours) // 2], colours[-1]]
        rows = [
            key_row(
                glyph_samples(samples, stroke_width=2.0, fill_opacity=self.ring_fill),
                "glyph: a circle of the last layer",
                theme,
            )
        ]
        if dashed:
            rows.append(key_row(glyph_samples(samples, stroke_width=2.0, dashed=True), DASHED_WORDS, theme))
        if unbounded:
            rows.append(key_row(unbounded_sample(theme), UNBOUNDED_WORDS, theme))
        return rows
