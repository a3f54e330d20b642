"""How much the network grows or shrinks each piece of the plane on its way to the last layer: the volume
element sqrt(det g_l), as coloured cells carried through the layers.

    manim -pql scenes/volume.py

Every glyph site's input cell is carried through the layers by the exact Jacobian J(t) of the layer path (a
parallelogram of area |det J(t)| times the input cell's) and filled with the colour of
log10 sqrt(det g(t)) = log10 |det J_L| - log10 |det J(t)|, exact at the layers and in between. The colour scale
is diverging (neutral = unchanged area) and clipped to the 2nd and 98th percentiles of the values over all
layers; collapsed charts count as fully squeezed. Cells the map has folded over (det J(t) of the sign opposite
to most cells') are faded and outlined. ``RIEMANN_NN_PRESET`` / ``RIEMANN_NN_RUN``, ``RIEMANN_NN_PATH`` and
``RIEMANN_NN_THEME`` work as for scenes/transform.py; a preset is trained with 20 x 20 glyph sites (cached
separately from the default geometry).
"""

from typing import ClassVar

from manim import FadeIn, VMobject

from riemann_nn.interpolate import LayerMotion, VolumeField
from riemann_nn.render.colour import LogColourScale
from riemann_nn.render.legends import ColourBar, cell_sample, key_row
from riemann_nn.render.story import LayerStory, StoryLegend, scene_path_method, stray_boundary
from riemann_nn.render.text import volume_formulas
from riemann_nn.render.views import (
    LayerView,
    ViewStyle,
    VolumeCells,
    fold_colours,
    fold_layer,
    outline_folds,
)


class VolumeElement(LayerStory):
    """The input cut into cells, coloured by how much the network grows their area on the way to the last layer,
    carried forward (folds named where they first show) and back."""

    default_preset = "seed-c2-sigmoid"
    geometry: ClassVar[dict] = {"sites_per_side": 20}
    question = "Where does the network stretch the plane, and where shrink it?"
    style = ViewStyle(grid_opacity=0.0, point_radius=0.03, glyph_stroke=0.0, glyph_fill=0.92)
    colour_bins = 25  # odd: the middle bin is exactly "area unchanged"
    cell_fill = 0.94  # cells a little smaller than the input grid's, so that the mosaic reads as cells
    cell_cap = 4.0  # no cell drawn larger than 4 typical ones: shards across a sharp bend would bury the data

    def construct(self):
        # 0-1. The question; the input cut into cells, not yet coloured; the boundary named.
        self.title_card()
        self.say(f"The input, cut into small cells. The {self.theme.boundary_word} curve: the decision boundary.")
        if stray_boundary(self.run):
            self.say("A piece of it lies far from the data: there no data guided the network.")
        # 2. What the colour means, as it comes (a network may shrink every cell: then there is no green to name).
        self.say(
            "Colour: how much a cell's area grows by the last layer. "
            + ("Green grows, purple shrinks." if self.grows else "Here all shrink, purple the most."),
            self.cells.strength.animate.set_value(1.0),
            FadeIn(self.legend.glyph_rows[0]),
            run_time=1.5,
        )
        # 3. Forward: the colour is the growth still ahead; a fold is named where it first shows.
        self.sweep(
            self.fold or self.depth // 2, caption="Follow the cells: the colour is the growth still ahead, so it fades."
        )
        if self.fold is not None:
            self.say(
                "Outlined cells are folded over, face down on others like paper; curves across them fold too.",
                FadeIn(self.legend.glyph_rows[1]),
            )
            self.read()
        self.sweep(self.depth)
        # 4. The last layer: nothing left to grow.
        self.say("Last layer: no growth left, all neutral; a straight line separates the classes.")
        # 5. Back to the input, where the colour is the whole network's growth.
        self.sweep(0, seconds=4.0, caption="Back to the input: each colour is the whole network's growth.")
        # 6. The term, after the picture.
        formulas = self.present(
            volume_formulas(self.theme), caption="Its name: the volume element of g, the metric the network induces."
        )
        self.close(
            "Green: the network magnifies, and is sensitive there; purple: it squeezes points together."
            if self.grows
            else "It squeezes the whole input; least in the grey cells, where it is most sensitive.",
            formulas,
        )

    def make_view(self) -> LayerView:
        motion = LayerMotion(self.run, method=scene_path_method(self.run))
        volume = VolumeField(motion)
        values, collapsed = volume.at_layers()  # (L+1, M) each
        self.grows = bool((values[0] > 0).any())  # some input cell grows by the last layer
        self.scale = LogColourScale.robust(values, exclude=collapsed)
        self.cells = VolumeCells.of_run(
            volume, self.scale, self.colour_bins, fill=self.cell_fill, folds=True, cap=self.cell_cap
        )
        self.fold = fold_layer(self.cells.folded_at_layers())  # where the folds are named, if anywhere
        self.cells.strength.set_value(0.0)  # neutral until the colour is explained
        self.colours = fold_colours(self.scale.colours(self.theme, self.colour_bins), self.theme)
        view = LayerView(
            self.run,
            theme=self.theme,
            motion=motion,
            glyphs=self.cells,
            glyph_colours=self.colours,
            style=self.style,
            glyph_size=1.0,
            fit_sites=1.0,
            region=self.layout.plot,
        )
        outline_folds(view.glyphs, count=self.colour_bins, theme=self.theme)
        return view

    def make_legend(self) -> StoryLegend:
        bar = ColourBar(
            self.scale,
            self.theme,
            count=self.colour_bins,
            title="growth of area by the last layer",
            ends=("shrinks", "grows"),
            clip_note=False,
            font_size=19,
            height=0.28,
        )
        rows: list[VMobject] = [bar]
        if self.fold is not None:
            folded = cell_sample(self.colours[-3], outline=self.theme.text)
            rows.append(key_row(folded, "folded over: lies on other cells", self.theme, font_size=17))
        return StoryLegend(
            self.theme, dashed=False, unbounded=False, glyph_rows=rows, classes=self.run.class_names, layout=self.layout
        )
