"""A two-minute lecture: the three schemes as finite differences, layers as coordinate systems, and the last
layer's metric pulled back, each equation beside the animation it describes.

    manim -ql scenes/lecture.py      # one MP4
    make slides                      # one offline HTML file, a slide per beat with speaker notes

With manim-slides installed (``pip install -e '.[slides]'``) the scene is also a manim-slides ``Slide``: every
beat becomes a slide with speaker notes under ``media/slides/``. Without LaTeX the formulas are drawn as plain
text, and the title slide says so. ``RIEMANN_NN_THEME`` picks the colours (dark, light); ``RIEMANN_NN_RUN`` (or
``riemann-nn render --scene lecture --run yours.npz``) puts your run in every example but the other schemes'.
"""

import numpy as np
from manim import (
    DOWN, LEFT, RIGHT, UL, UP, FadeIn, FadeOut, ManimColor, Rectangle, ValueTracker, VGroup, config, smooth,
)

from riemann_nn.errors import RiemannNNError
from riemann_nn.render import LayerCounter, LayerView, PlotRegion, current_theme, formula
from riemann_nn.render import text as render_text
from riemann_nn.render.slides import slide_base
from riemann_nn.render.text import label
from riemann_nn.render.views import ViewStyle

SlideOrScene = slide_base()

EDGE = 6.75  # text starts at x = -EDGE; nothing reaches past x = +EDGE (the frame's half-width is 7.11)
TOP = 3.75  # the heading's top edge
PANEL_LEFT = 0.95  # the right panel beside a big view
BIG_REGION = PlotRegion(left=-6.15, right=0.2, bottom=-3.3, top=2.95)  # leaves room for tick labels
ROWS_Y = (2.08, -0.25, -2.58)  # centres of the three scheme rows
ROW_REGION = dict(left=0.45, right=4.45)  # each row's small view (height SMALL_HEIGHT around its centre)
SMALL_HEIGHT = 1.95
LECTURE_STYLE = ViewStyle(point_radius=0.03, axis_names=False)  # the layout leaves room for tick labels only

SCHEMES = {  # name, the update as TeX and as plain text, what it is a step of (TeX, plain)
    "c0": ("C0  \u00b7  an ordinary network", r"x_{l+1} = f(x_l)", "x\u2097\u208a\u2081 = f(x\u2097)",
           "every layer is a jump", None, None),
    "c1": ("C1  \u00b7  a residual network", r"x_{l+1} = x_l + \Delta t\, f(x_l)",
           "x\u2097\u208a\u2081 = x\u2097 + \u0394t f(x\u2097)", "an Euler step of",
           r"dx/dt = f(x)", "dx/dt = f(x)"),
    "c2": ("C2  \u00b7  a second-order network", r"x_{l+1} = 2x_l - x_{l-1} + \Delta t^2 f(x_l)",
           "x\u2097\u208a\u2081 = 2x\u2097 \u2212 x\u2097\u208b\u2081 + \u0394t\u00b2 f(x\u2097)",
           "a second-order step of", r"d^2x/dt^2 = f(x)", "d\u00b2x/dt\u00b2 = f(x)"),
}

NOTES = {
    "title": "Layers as coordinate systems. A deep network with two neurons per layer moves 2-D data from layer "
             "to layer; every layer gives the data new coordinates, and the last layer's Euclidean metric, pulled "
             "back, tells what the network stretches and what it squeezes (Hauser & Ray, NeurIPS 2017).",
    "c0": "An ordinary network: `x_{l+1} = f(x_l)` with `f(x) = act(W_l x + b_l)`. Here a tanh net on two moons, "
          "one layer replayed as linear map, shift, activation. Every layer is a jump.",
    "c1": "A residual network adds the layer to its input: `x_{l+1} = x_l + dt f(x_l)`, an explicit Euler step "
          "of the ODE `dx/dt = f(x)`. Between two layers every point moves along a straight line.",
    "c2": "A second-order network: `x_{l+1} = 2x_l - x_{l-1} + dt^2 f(x_l)`, the central difference for "
          "`x'' = f(x)`. It starts at rest (`x_{-1} = x_0`) and gathers momentum: a step depends on two layers.",
    "coordinates": "Each layer is a coordinate system on the data. Left: the data and a grid drawn in layer l's "
                   "coordinates; then the very same points and grid lines in layer l+1's. The tick labels give the "
                   "true coordinates: the view follows the data.",
    "pullback": "Forward to the last layer, where the head draws a straight line: there we take the Euclidean "
                "metric, drawn as equal circles. Pulling it back one layer uses the Jacobian of that layer, "
                "once for each index. The last layers are nearly translations, so we pass them quickly; in the "
                "first layers the circles become ellipses, long where the network squeezes the data.",
    "chart": "In practice we use the charts `x_0 -> x_l` with Jacobians `J_l`: the metric in layer l is "
             "`(J_L J_l^-1)^T J_L J_l^-1`. For C0 and C1 this equals the layer-by-layer recursion. For C2 a step "
             "depends on two layers, so there is no one-layer Jacobian: the chart form is the definition.",
    "closing": "Summary, and where to find the code: riemann-nn renders all of this for any preset or CSV.",
}


def bullet(text: str, theme) -> VGroup:
    """A bullet point; lines after the first are indented under the first."""
    lines = label(text, theme, font_size=26)
    dot = label("\u2022", theme, font_size=26)
    first_line_middle = lines.get_top()[1] - label("Ag", theme, font_size=26).height / 2
    dot.next_to(lines, LEFT, buff=0.25).set_y(first_line_middle)
    return VGroup(dot, lines)


def settle(view: LayerView, *, layer: float, glyph_size: float = 0.0) -> LayerView:
    """Put a view at a layer (and glyph size) before it is shown: a fade-in starts from this state."""
    view.time.set_value(layer)
    view.glyph_size.set_value(glyph_size)
    view.follow_layer(view)
    return view


class Lecture(SlideOrScene):
    """Three schemes, layers as coordinates, the pullback of the metric: a slide per beat."""

    pace = 1.0  # multiplies every run time and pause (tests shorten it)
    scheme_presets = {"c0": "moons-c0-tanh", "c1": "circles-c1-tanh", "c2": "seed-c2-sigmoid"}
    scheme_layers = {"c0": (0, 1), "c1": (0, 2), "c2": (6, 8)}  # the layers each scheme's view moves between
    coordinates_preset = "circles-c1-tanh"  # layers as coordinates and the one-layer pullback (a C1 net)
    chart_preset = "seed-c2-sigmoid"  # the chart form, on a C2 net

    def construct(self):
        self.theme = current_theme()
        self.camera.background_color = ManimColor(self.theme.background)  # manim-slides reads it as a colour
        self.latex = render_text.has_latex()

        self.title_slide()                               # Beat 1: what the lecture is about
        self.schemes()                                   # Beats 2-4: c0, c1, c2 as finite differences
        stage = self.coordinates()                       # Beat 5: a layer's data and grid, then the next
        self.pullback(*stage)                            # Beat 6: the metric pulled back one layer
        self.chart_form()                                # Beat 7: g_l from the charts; for c2 the definition
        self.closing()                                   # Beat 8

    # -- beats ---------------------------------------------------------------------------------------------
    def title_slide(self) -> None:
        self.next_slide(notes=NOTES["title"])
        theme = self.theme
        title = label("Layers as coordinate systems", theme, font_size=50, bold=True)
        subtitle = label("What a deep network with two neurons per layer\ndoes to the space of its data", theme,
                         font_size=28, color=theme.muted)
        reference = label("after Hauser & Ray, Principles of Riemannian Geometry\nin Neural Networks, "
                          "NeurIPS 2017", theme, font_size=20, color=theme.muted)
        block = VGroup(title, subtitle, reference).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
        block.move_to([-EDGE, 1.2, 0], aligned_edge=LEFT)
        run = self.example(self.chart_preset)
        picture = settle(LayerView(run, theme=theme, region=PlotRegion(left=1.3, right=6.6, bottom=-3.5, top=-0.1),
                                   style=ViewStyle(point_radius=0.025), show_axes=False), layer=0, glyph_size=1.0)
        self.retire(picture)  # a still: drawn once, not once per frame
        shown = [block, picture]
        if not self.latex:
            note = label("LaTeX not installed: formulas shown as plain text", theme, font_size=18,
                         color=theme.unbounded)
            shown.append(note.move_to([-EDGE, -3.6, 0], aligned_edge=LEFT))
        # Present from the first frame: a slide deck opens on this picture, not on an empty screen.
        self.add(*shown)
        self.pause(6.0)

    def schemes(self) -> None:
        theme = self.theme
        heading = self.heading("Three schemes: finite differences")
        layer_map = formula(r"f(x) = \sigma(W_l\, x + b_l)", "f(x) = \u03c3(W\u2097 x + b\u2097)", theme,
                            font_size=30)
        layer_map.move_to([EDGE, heading.get_center()[1], 0], aligned_edge=RIGHT)
        on_screen = [heading, layer_map]
        for scheme, row_y in zip(SCHEMES, ROWS_Y):
            self.next_slide(notes=NOTES[scheme])
            if scheme == "c0":
                self.clear_stage()
            run = self.example(self.scheme_presets[scheme], scheme=scheme)
            start, end = self.layer_window(scheme, run.depth)
            region = PlotRegion(bottom=row_y - SMALL_HEIGHT / 2, top=row_y + SMALL_HEIGHT / 2, **ROW_REGION)
            view = settle(LayerView(run, theme=theme, region=region, style=ViewStyle(point_radius=0.02), show_axes=False), layer=start)
            counter = LayerCounter(view, anchor=[region.right + 0.25, row_y + 0.3], font_size=20)
            tag = label(run.name, theme, font_size=16, color=theme.muted)
            tag.move_to([region.right + 0.25, row_y - 0.15, 0], aligned_edge=LEFT)
            text = self.scheme_text(scheme).move_to([-EDGE, row_y, 0], aligned_edge=LEFT)
            row = [text, self.border(region), tag, view, counter]
            new = row if len(on_screen) > 2 else on_screen + row
            self.play(*[FadeIn(m) for m in new], run_time=self.seconds(1.0))
            self.pause(1.8)
            step = 3.6 if view.motion.method == "staged" else 2.2  # staged: linear map, shift, activation
            for layer in range(start, end):
                self.play(view.time.animate.set_value(layer + 1), run_time=self.seconds(step))
            self.pause(3.0)
            self.retire(view, counter)
            on_screen += row

    def coordinates(self) -> tuple[LayerView, list]:
        """Returns the view, which the next beat goes on with, and the captions and formulas it replaces."""
        self.next_slide(notes=NOTES["coordinates"])
        self.clear_stage()
        theme = self.theme
        run = self.example(self.coordinates_preset)
        heading = self.heading("Each layer is a coordinate system on the data")
        view = LayerView(run, theme=theme, region=BIG_REGION, style=LECTURE_STYLE)
        counter = LayerCounter(view, anchor=[PANEL_LEFT, 2.65], font_size=30)
        tag = label(f"{run.name}  \u00b7  {run.depth} layers", theme, font_size=18, color=theme.muted)
        tag.move_to([PANEL_LEFT, 2.2, 0], aligned_edge=LEFT)
        first = self.panel_text("The data and a grid in the\ncoordinates of layer 0, the input")
        self.play(*[FadeIn(m) for m in (heading, tag, first, view, counter)], run_time=self.seconds(1.2))
        self.pause(2.5)

        second = self.panel_text("The same points and grid lines\nin the coordinates of layer 1")
        change = formula(r"x^{a_{l+1}} = x^{a_{l+1}}\big(x^{a_l}\big), \quad a_l \in \{1, 2\}",
                         "x\u2097\u208a\u2081 = x\u2097\u208a\u2081(x\u2097),  x\u2097 \u2208 \u211d\u00b2", theme,
                         font_size=36)
        meaning = label("the next layer is a change of coordinates", theme, font_size=20, color=theme.muted)
        maths = VGroup(change, meaning).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        self.fit(maths.next_to(second, DOWN, aligned_edge=LEFT, buff=0.45))
        self.play(view.time.animate.set_value(1), *self.swap(first, second, run_time=3.0),
                  run_time=self.seconds(3.0))
        self.play(FadeIn(maths, shift=0.15 * UP), run_time=self.seconds(1.0))
        self.pause(3.0)
        third = self.panel_text("and of layer 2: every layer\ngives the data new coordinates")
        self.play(view.time.animate.set_value(2), *self.swap(second, third, run_time=2.5),
                  run_time=self.seconds(2.5))
        self.pause(3.5)
        return view, [third, maths]

    def pullback(self, view: LayerView, passing: list) -> None:
        self.next_slide(notes=NOTES["pullback"])
        theme, depth = self.theme, view.run.depth
        forward = self.panel_text("Forward to the last layer\u2026")
        self.play(view.time.animate.set_value(depth), *[FadeOut(m) for m in passing], FadeIn(forward),
                  run_time=self.seconds(3.0))
        euclid_text = self.panel_text("At the last layer the metric is\nEuclidean: equal circles")
        euclid = formula(r"g_{a_L b_L} = \delta_{a_L b_L}", "g = \u03b4, the identity, in layer L",
                         theme, font_size=36, color=theme.glyph)
        self.fit(euclid.next_to(euclid_text, DOWN, aligned_edge=LEFT, buff=0.3))
        self.play(view.glyph_size.animate.set_value(1.0), *self.swap(forward, euclid_text, run_time=1.5),
                  FadeIn(euclid), run_time=self.seconds(1.5))
        self.pause(2.5)

        back_text = label("Pulled back one layer at a time:", theme, font_size=22)
        back_text.next_to(euclid, DOWN, aligned_edge=LEFT, buff=0.55)
        back = formula(r"g_{a_l b_l} = \frac{\partial x^{a_{l+1}}}{\partial x^{a_l}}\,"
                       r"\frac{\partial x^{b_{l+1}}}{\partial x^{b_l}}\, g_{a_{l+1} b_{l+1}}",
                       "g\u2097 = A\u2097\u1d40 g\u2097\u208a\u2081 A\u2097,   "
                       "A\u2097 = \u2202x\u2097\u208a\u2081/\u2202x\u2097",
                       theme, font_size=40, color=theme.glyph)
        self.fit(back.next_to(back_text, DOWN, aligned_edge=LEFT, buff=0.3))
        reading = label("one layer's Jacobian, once for each index:\nthe circles become ellipses, long where\n"
                        "the network squeezes the data", theme, font_size=20, color=theme.muted)
        self.fit(reading.next_to(back, DOWN, aligned_edge=LEFT, buff=0.3))
        self.play(FadeIn(back_text), FadeIn(back, shift=0.15 * UP), run_time=self.seconds(1.2))
        self.pause(2.0)
        # The last layers of a saturated tanh net are nearly translations: pass them in one go, then take
        # the early layers, where a layer visibly bends the metric, one at a time.
        self.play(view.time.animate.set_value(min(2, depth - 1)), FadeIn(reading), run_time=self.seconds(3.5))
        for layer in reversed(range(min(2, depth - 1))):
            self.play(view.time.animate.set_value(layer), run_time=self.seconds(2.5))
        self.pause(4.0)

    def chart_form(self) -> None:
        self.next_slide(notes=NOTES["chart"])
        self.clear_stage()
        theme = self.theme
        run = self.example(self.chart_preset)
        heading = self.heading("The chart form: every layer at once")
        view = settle(LayerView(run, theme=theme, region=BIG_REGION, style=ViewStyle(point_radius=0.025, axis_names=False)), layer=run.depth,
                      glyph_size=1.0)
        counter = LayerCounter(view, anchor=[PANEL_LEFT, 2.65], font_size=30)
        kind = "your own network" if run.is_custom else run.scheme.upper()
        tag = label(f"{run.name}  \u00b7  {kind}  \u00b7  {run.depth} layers", theme, font_size=18, color=theme.muted)
        tag.move_to([PANEL_LEFT, 2.2, 0], aligned_edge=LEFT)
        chart_text = self.panel_text("Chart of layer l and its Jacobian:")
        chart = formula(r"x_l = \Phi_l(x_0), \qquad J_l = \frac{\partial x_l}{\partial x_0}",
                        "x\u2097 = \u03a6\u2097(x\u2080),   J\u2097 = \u2202x\u2097/\u2202x\u2080", theme, font_size=36)
        self.fit(chart.next_to(chart_text, DOWN, aligned_edge=LEFT, buff=0.3))
        metric_text = label("The metric in layer l's coordinates:", theme, font_size=22)
        metric_text.next_to(chart, DOWN, aligned_edge=LEFT, buff=0.45)
        metric = formula(r"g_l = \big(J_L J_l^{-1}\big)^{\top} J_L J_l^{-1}",
                         "g\u2097 = (J_L J\u2097\u207b\u00b9)\u1d40 J_L J\u2097\u207b\u00b9", theme, font_size=40,
                         color=theme.glyph)
        self.fit(metric.next_to(metric_text, DOWN, aligned_edge=LEFT, buff=0.3))
        note = label("C0, C1: the same as the one-layer pullback.\nC2: a step depends on two layers, "
                     "x\u2097 and x\u2097\u208b\u2081:\nthere is no one-layer Jacobian,\n"
                     "so the chart form is the definition.", theme, font_size=20, color=theme.muted)
        self.fit(note.next_to(metric, DOWN, aligned_edge=LEFT, buff=0.35))
        self.play(*[FadeIn(m) for m in (heading, tag, chart_text, chart, view, counter)],
                  run_time=self.seconds(1.2))
        self.pause(1.5)
        self.play(FadeIn(metric_text), FadeIn(metric, shift=0.15 * UP), run_time=self.seconds(1.0))
        self.pause(1.5)
        self.play(view.time.animate.set_value(0), run_time=self.seconds(6.0))
        self.play(FadeIn(note), run_time=self.seconds(1.0))
        self.pause(6.0)

    def closing(self) -> None:
        self.next_slide(notes=NOTES["closing"])
        self.clear_stage()
        theme = self.theme
        heading = label("In short", theme, font_size=44, bold=True)
        points = [
            "Every layer of a width-2 network is a coordinate system on the data.",
            "C0 jumps, C1 takes Euler steps, C2 takes second-order steps.",
            "The last layer's Euclidean metric, pulled back, shows what\nthe network stretches and what it squeezes.",
        ]
        bullets = VGroup(*[bullet(p, self.theme) for p in points])
        bullets.arrange(DOWN, aligned_edge=LEFT, buff=0.4)
        credit = label("Hauser & Ray, Principles of Riemannian Geometry in Neural Networks, NeurIPS 2017\n"
                       "riemann-nn:  manim -ql scenes/transform.py  \u00b7  make slides", theme, font_size=20,
                       color=theme.muted)
        block = VGroup(heading, bullets, credit).arrange(DOWN, aligned_edge=LEFT, buff=0.6)
        self.fit(block, width=2 * EDGE - 0.5)
        block.move_to([-EDGE + 0.5, 0, 0], aligned_edge=LEFT)
        self.play(FadeIn(heading), FadeIn(bullets, shift=0.15 * UP), FadeIn(credit), run_time=self.seconds(1.2))
        self.pause(8.0)

    # -- helpers -------------------------------------------------------------------------------------------
    def example(self, preset: str, *, scheme: str | None = None):
        """The run of an example: yours (``$RIEMANN_NN_RUN``, ``riemann-nn render --run``) where it fits (any
        example but another scheme's row), else the preset's (``load_run``). A bad file ends the render with
        one line."""
        import os
        from pathlib import Path

        from riemann_nn.run import load_run

        if os.environ.get("RIEMANN_NN_RUN"):
            try:
                yours = load_run(Path(os.environ["RIEMANN_NN_RUN"]))
            except RiemannNNError as error:
                raise SystemExit(f"riemann-nn: {error}") from None
            if scheme is None or scheme == yours.scheme:
                return yours
        return self.load_run(preset)

    def load_run(self, preset: str):
        """The preset's Run, trained and cached on first use; a bad preset ends the render with one line."""
        from riemann_nn.cache import load_or_train
        from riemann_nn.presets import get_preset

        try:
            return load_or_train(get_preset(preset))
        except RiemannNNError as error:
            raise SystemExit(f"riemann-nn: {error}") from None

    def layer_window(self, scheme: str, depth: int) -> tuple[int, int]:
        """The scheme's layers to show, moved back to fit a shallower net."""
        start, end = self.scheme_layers[scheme]
        shift = max(end - depth, 0)
        return max(start - shift, 0), end - shift

    def seconds(self, duration: float) -> float:
        """``duration`` at the lecture's pace, at least one frame."""
        return max(duration * self.pace, 1 / config.frame_rate)

    def pause(self, duration: float) -> None:
        """A still: nothing moves, so Manim draws the frame once (no updaters run)."""
        self.wait(self.seconds(duration), frozen_frame=True)

    def play(self, *animations, **kwargs):
        """Play, then keep everything without updaters at the back: mobjects before the first moving one
        are drawn once per animation instead of once per frame."""
        super().play(*animations, **kwargs)
        self.bring_to_back(*[m for m in self.mobjects if not m.get_family_updaters()])

    def clear_stage(self) -> None:
        """Fade out everything shown. A beat starts with this, after ``next_slide``, so that every slide ends
        on its full picture and the next one begins by clearing it."""
        shown = [m for m in self.mobjects if not isinstance(m, ValueTracker)]
        self.play(*[FadeOut(m) for m in shown], run_time=self.seconds(0.6))

    def retire(self, *mobjects) -> None:
        """Stop updating mobjects that are done moving, so they count as still (drawn once per animation)."""
        for mobject in mobjects:
            mobject.clear_updaters()

    def heading(self, text: str):
        return label(text, self.theme, font_size=30, bold=True).move_to([-EDGE, TOP, 0], aligned_edge=UL)

    def panel_text(self, text: str):
        """A caption at the top of the right panel, under the layer counter and the run's name."""
        return label(text, self.theme, font_size=22).move_to([PANEL_LEFT, 1.75, 0], aligned_edge=UL)

    def scheme_text(self, scheme: str) -> VGroup:
        """A scheme's name, its update rule, and what kind of step it is."""
        name, tex, plain, kind, kind_tex, kind_plain = SCHEMES[scheme]
        theme = self.theme
        title = label(name, theme, font_size=24, bold=True)
        update = formula(tex, plain, theme, font_size=40)
        kind_line = VGroup(label(kind, theme, font_size=20, color=theme.muted))
        if kind_tex:
            kind_line.add(formula(kind_tex, kind_plain, theme, font_size=32))
            kind_line.arrange(RIGHT, buff=0.2)
        text = VGroup(title, update, kind_line).arrange(DOWN, aligned_edge=LEFT, buff=0.22)
        return self.fit(text, width=ROW_REGION["left"] + EDGE - 0.4)

    def border(self, region: PlotRegion) -> Rectangle:
        width, height = region.size
        return Rectangle(width=width, height=height, stroke_color=self.theme.muted, stroke_width=1.5,
                         stroke_opacity=0.7).move_to([*region.centre, 0])

    def fit(self, mobject, *, width: float | None = None):
        """Scale ``mobject`` down (never up, about its left edge) to ``width``; by default, to the room the
        right panel has."""
        width = width if width is not None else EDGE - PANEL_LEFT
        if mobject.width > width:
            mobject.scale(width / mobject.width, about_edge=LEFT)
        return mobject

    def swap(self, old, new, *, run_time: float) -> list:
        """Replace the text ``old`` by ``new`` in its place within an animation of ``run_time`` (unscaled
        seconds): the old one fades out in the first 0.3 s, then the new one fades in, so they never overlap."""
        run_time = self.seconds(run_time)
        out_end = min(0.3 / run_time, 0.4)
        in_end = min(0.8 / run_time, 1.0)
        return [FadeOut(old, rate_func=lambda t: smooth(min(t / out_end, 1.0))),
                FadeIn(new, rate_func=lambda t: smooth(np.clip((t - out_end) / (in_end - out_end), 0, 1)))]
