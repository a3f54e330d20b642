"""The directions the network's output cannot see: its score (the logit) stays the same along its level sets,
so the metric the score alone pulls back has rank one and its kernel runs along them; where a layer collapses
the plane, even the last layer's full metric loses a direction.

    manim -pql scenes/kernels.py

Environment: as for scenes/transform.py (RIEMANN_NN_PRESET, RIEMANN_NN_RUN, RIEMANN_NN_PATH, RIEMANN_NN_THEME).
"""

from manim import FadeIn

from riemann_nn.errors import ConfigError
from riemann_nn.render.legends import format_magnitude, key_row, line_sample, unbounded_sample
from riemann_nn.render.overlays import LevelSets, logit_levels
from riemann_nn.render.story import LayerStory, StoryLegend, scene_path_method, stray_boundary
from riemann_nn.render.text import kernel_formulas
from riemann_nn.render.views import LayerView, ViewStyle


class LogitKernels(LayerStory):
    """The logit's level sets and the directions along them, through the layers, where the level sets straighten
    into the head's parallel lines; then the directions a collapsed layer loses."""

    default_preset = "seed-c2-sigmoid"
    question = "Which way can a point move without changing the network's output?"
    # The boundary twice as heavy as its level sets (2.2): among five nearby curves it is the one that stands out.
    style = ViewStyle(grid_opacity=0.22, point_radius=0.03, boundary_stroke=4.4)
    seconds_per_layer = 0.75
    needs_network = True  # the level sets are traced through the net: a custom network's Run cannot

    def construct(self):
        # 0-1. The question; the data, the score and its zero line.
        self.title_card()
        self.add(self.marks)  # after the view, whose framing it follows; nothing shows yet
        self.say(
            f"The network scores each point (its logit). The {self.theme.boundary_word} curve, score 0: the "
            "decision boundary."
        )
        if stray_boundary(self.run):
            self.say("A piece of it lies far from the data: there no data guided the network.")
        # 2. Level sets: where the score takes other values.
        self.say(
            f"Grey curves: its level sets, where the score is \u00b1{self.step:g}, \u00b1{2 * self.step:g}, \u2026",
            self.marks.reveal.animate.set_value(1.0),
            FadeIn(self.legend.glyph_rows[0]),
            run_time=1.2,
        )
        # 3. Plain words first: along a level set the score does not change.
        self.say(
            "Strokes point along the level sets: moving that way leaves the score unchanged.",
            self.marks.grow.animate.set_value(1.0),
            FadeIn(self.legend.glyph_rows[1]),
            run_time=1.5,
        )
        # 4. Forward: the level sets straighten into parallel lines.
        self.sweep(self.depth, caption="Follow them through the layers: the strokes stay along the level sets.")
        self.say("Last layer: the level sets are parallel lines; only the direction across them counts.")
        # 5. Back to the input; the directions a collapsed layer loses.
        self.sweep(0, seconds=3.2, caption="Back to the input: the same directions, in the input's coordinates.")
        if self.marks.collapsed.any():
            self.say(
                "Red arrows: a layer flattens the plane there; even the last layer cannot see that way.",
                self.marks.collapse.animate.set_value(1.0),
                FadeIn(self.legend.glyph_rows[2]),
            )
        elif self.marks.squeeze_order >= 3:
            self.say(
                "No layer flattens the plane outright, but together they squeeze it "
                f"{format_magnitude(self.marks.squeeze_order)} times more one way than the other."
            )
        else:
            self.say("The last layer's two neurons still see both directions; only the single score loses one.")
        # 6. The term, after the picture.
        formulas = self.present(
            kernel_formulas(self.theme), caption="In metric terms, the strokes are the kernel of the score's metric g:"
        )
        self.close("A classifier needs one direction only: across its level sets.", formulas)

    def make_view(self) -> LayerView:
        try:
            self.run.network_parameters("the kernels scene")
        except ConfigError as error:  # a custom network's Run: one line, as scene_run's errors
            raise SystemExit(f"riemann-nn: {error}") from None
        view = LayerView(
            self.run,
            theme=self.theme,
            method=scene_path_method(self.run),
            style=self.style,
            fit_sites=1.0,
            region=self.layout.plot,
        )  # every site framed: no stroke ever leaves the plot
        levels = logit_levels(self.run)
        self.step = min((abs(level) for level in levels), default=1.0)
        self.marks = LevelSets(view, levels)
        return view

    def make_legend(self) -> StoryLegend:
        marks, theme = self.marks, self.theme
        level = line_sample(theme.boundary, stroke_width=marks.lines.get_stroke_width()).set_stroke(
            opacity=marks.line_opacity
        )
        rows = [
            key_row(level, "level sets (equal score)", theme, font_size=17),
            key_row(
                line_sample(theme.glyph, stroke_width=marks.strokes.get_stroke_width()),
                "a direction the score cannot see",
                theme,
                font_size=17,
            ),
        ]
        if marks.collapsed.any():
            rows.append(key_row(unbounded_sample(theme), "a direction a layer collapses", theme, font_size=17))
        return StoryLegend(
            self.theme, dashed=False, unbounded=False, glyph_rows=rows, classes=self.run.class_names, layout=self.layout
        )
