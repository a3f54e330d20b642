"""A two-minute lecture: the three schemes as finite differences, layers as coordinate systems, and the last
layer's metric pulled back, each equation beside the animation it describes, told on your run.

    manim -ql scenes/lecture.py                        # one MP4 (and its subtitles)
    make slides                                        # one offline HTML file, a slide per beat
    make slides RUN=mine.npz                           # ... on your run (or PRESET=<name>)

``RIEMANN_NN_RUN=<file.npz>`` or ``RIEMANN_NN_PRESET=<name>`` is the lecture's example (default
circles-c1-tanh): it shows layers as coordinates and the pull-back, and takes its scheme's row among the three
schemes (the other rows show moons-c0-tanh, circles-c1-tanh, seed-c2-sigmoid). With manim-slides installed
(``pip install -e '.[slides]'``) the scene is also a manim-slides ``Slide``: every beat becomes a slide under
``media/slides/``, its captions the speaker notes. Without LaTeX the formulas are drawn as plain text, and the
title slide says so. ``RIEMANN_NN_THEME`` picks the colours (dark, light); subtitles are written beside the video.
"""

from riemann_nn.render.lecture import (
    LectureStory,
    change_formula,
    chart_formulas,
    euclid_formula,
    layer_map,
    pullback_formula,
)
from riemann_nn.render.slides import slide_base

SlideOrScene = slide_base()


class Lecture(LectureStory, SlideOrScene):
    """Three schemes, layers as coordinates, the pull-back of the metric: a slide per beat."""

    title = "Layers as coordinate systems"
    question = "What does a deep network with two neurons per layer do to the plane of its data?"
    reference = "after Hauser & Ray, Principles of Riemannian Geometry in Neural Networks, NeurIPS 2017"
    take_home = (
        "Every layer of a width-2 network is a coordinate system on the data.",
        "C0 jumps, C1 takes Euler steps, C2 takes second-order steps.",
        "The last layer's metric, pulled back, shows what the network\nstretches and what it squeezes.",
    )

    def construct(self):
        # 1. What the lecture is about.
        self.title_slide()
        # 2-4. Three schemes as finite differences; each row's network runs to its last layer.
        self.slide(full=True)
        self.heading_with_key(
            "Three schemes: finite differences",
            layer_map(self.theme),
            caption="Three ways to step from one layer to the next, all built on one layer map f.",
        )
        for row, scheme in enumerate(("c0", "c1", "c2")):
            if row:
                self.slide(clear=False, full=True)
            self.scheme_row(scheme, row)
        # 5. Layers as coordinate systems, on the example run.
        self.slide()
        self.enter_stage("Each layer is a coordinate system on the data. First, layer 0: the data and a grid.")
        self.sweep(1, caption="The same points and grid lines, in the coordinates of layer 1.")
        change = self.present(change_formula(self.theme), caption="Going to the next layer is a change of coordinates:")
        self.sweep(2, caption="And of layer 2: every layer gives the data new coordinates.")
        # 6. The last layer's metric, pulled back layer by layer.
        self.slide(clear=False)
        self.hide(change)
        self.sweep(self.depth, caption="Forward to the last layer, where the network's head decides.")
        self.separate("There a straight line separates the classes: the network has made the problem linear.")
        self.grow_field("There we measure distance as usual: equal circles, the same size in every direction.")
        self.hide(
            self.present(euclid_formula(self.theme), caption="In symbols: the last layer's metric is the identity.")
        )
        step = self.present(
            pullback_formula(self.theme),
            caption="Pulled back one layer, the metric takes that layer's Jacobian on both sides:",
        )
        self.sweep(0, caption="Circles become ellipses: long where the network squeezes.", holds={self.depth // 2: 1.0})
        # 7. The chart form: every layer at once.
        self.slide(clear=False)
        self.hide(step)
        charts = self.present(
            chart_formulas(self.theme), caption="In practice, from the charts: the maps from the input to each layer."
        )
        self.say(
            "For C0 and C1 this equals the rule layer by layer. A C2 step needs two layers: this is its definition."
        )
        self.hide(charts)
        self.sweep(self.depth, caption="The same rule in every layer, back to the circles of the last one.")
        # 8. In short.
        self.slide(full=True)
        self.summary("In short", caption="A deep network is a chain of coordinate changes.")
        self.close("Render this lecture on your own run: make slides RUN=your.npz")
