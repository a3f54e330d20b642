"""Shortest paths as the network measures distance: two far-apart points of each class and the straight line
between them in the input, carried to the crumpled last layer; there the shortest way between them, pulled back
to the input, where it bends; and every path's length.

    manim -pql scenes/geodesics.py

The input metric is g_0 = J_L^T J_L: a path's length is the length of its image in the last layer. Shortest paths
come from ``riemann_nn.geodesic.shortest_path(method="auto")`` (the last layer's chord lifted back where it can
be, a global graph search where the network folds the plane). ``RIEMANN_NN_PRESET`` / ``RIEMANN_NN_RUN``,
``RIEMANN_NN_PATH`` and ``RIEMANN_NN_THEME`` work as for scenes/transform.py; the default preset is seed-spirals.
Subtitles are written beside the video.
"""

from manim import VGroup

from riemann_nn.render.geodesics import (
    GeodesicOverlay,
    LengthTable,
    geodesic_pairs,
    last_layer_caption,
    length_formula,
    ratio_caption,
    with_network,
)
from riemann_nn.render.legends import class_sample, key_row
from riemann_nn.render.story import LayerStory, StoryLegend, scene_path_method
from riemann_nn.render.views import LayerView, ViewStyle
from riemann_nn.run import Run


class Geodesics(LayerStory):
    """Straight lines of the input crumpled in the last layer; the last layer's straight lines bent in the input."""

    default_preset = "seed-spirals"
    needs_network = True  # shortest paths map new points through the net: a custom network's Run cannot
    question = "What is the shortest way between two points, as the network measures distance?"
    style = ViewStyle(point_opacity=0.5)  # the paths are the subject: the data stay behind them

    def construct(self):
        self.title_card()
        pairs = geodesic_pairs(self.run, self.theme)
        paths = GeodesicOverlay(self.view, pairs)
        self.add(paths)
        # 1. The input: two far-apart points of each class, and the straight line between them.
        self.say("Two points far apart along each class: pair A and pair B.", paths.marker_size.animate.set_value(1))
        self.say(
            "Dashed: the straight line between them in the input.",
            paths.segment_drawn.animate.set_value(1),
            run_time=1.5,
        )
        # 2. Forward to the last layer, which crumples those lines.
        self.sweep(
            self.depth, caption="Follow them to the last layer: the straight lines are crumpled into long detours."
        )
        # 3. The last layer measures distance as usual: there the shortest way is straight.
        self.say(last_layer_caption(pairs), paths.geodesic_drawn.animate.set_value(1), run_time=2.0)
        # 4. Pulled back, the shortest path bends in the input.
        self.sweep(
            0,
            caption="Pulled back to the input, the shortest way bends: a geodesic of the network's distance.",
            holds={self.depth // 2: 1.0},
        )
        # 5. How long a path is, as the network measures; then one number per path.
        formula = self.present(
            length_formula(self.theme),
            caption="The length of a path \u03b3, as the network "
            "measures it: the length of its image in the "
            "last layer.",
        )
        self.hide(formula)
        table = self.present(LengthTable(pairs, self.theme), caption=ratio_caption(pairs))
        self.close("Straight in the last layer, bent in the input: the network's own idea of distance.", table)

    def load_run(self) -> Run:
        return with_network(super().load_run())

    def make_view(self) -> LayerView:
        return LayerView(
            self.run, theme=self.theme, method=scene_path_method(self.run), style=self.style, show_boundary=False
        )

    def make_legend(self) -> StoryLegend:
        classes = VGroup(
            *[
                key_row(class_sample(colour), name, self.theme)
                for colour, name in zip(self.theme.classes, ("class 0", "class 1"))
            ]
        ).arrange(buff=0.45)
        return StoryLegend(self.theme, dashed=False, unbounded=False, data_rows=[classes])
