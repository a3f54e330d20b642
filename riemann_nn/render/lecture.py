"""The lecture's story base: ``LectureStory``, a ``LayerStory`` told as slides, and its pieces: a scheme's row
(its update rule beside a small view of a network of that scheme, run to its last layer: ``SchemeRow``), the
lecture's formulas, and a closing list.

Mix it with ``slides.slide_base()`` (``class Lecture(LectureStory, slide_base())``): every ``slide()`` then
starts a manim-slides slide, and every caption shown during a slide is added to its speaker notes
(``add_note``), so the captions that play in the video are what the presenter reads. Without manim-slides the
same story renders as one video.

Runs: the lecture's example (``self.run``: ``$RIEMANN_NN_RUN``, ``$RIEMANN_NN_PRESET`` or the class's
``default_preset``) shows layers as coordinates and the metric pulled back; each scheme's row shows
``scheme_presets[scheme]``, except that the example's own scheme shows the example.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UL,
    UP,
    Create,
    FadeIn,
    FadeOut,
    ManimColor,
    Mobject,
    Rectangle,
    ValueTracker,
    VGroup,
    VMobject,
)

from ..errors import RiemannNNError
from ..run import Run
from . import text as typeset
from .colour import Theme
from .framing import PlotRegion
from .overlays import NetworkDiagram
from .story import SCHEME_WORDS, LayerStory, dataset_in_words, run_in_words, stray_outlines
from .subtitles import reading_seconds
from .text import flowed, formula, label, symbol_defined
from .views import LayerCounter, LayerView, ViewStyle

__all__ = [
    "EDGE",
    "KEY_CENTRE",
    "KEY_SCALE",
    "SCHEME_PRESETS",
    "SCHEME_TEXTS",
    "LectureStory",
    "SchemeRow",
    "SchemeText",
    "bullet_list",
    "change_formula",
    "chart_formulas",
    "euclid_formula",
    "layer_map",
    "pullback_formula",
    "scheme_block",
    "slide_heading",
]

EDGE = 6.75  # full-width text starts at x = -EDGE; nothing reaches past x = +EDGE (the frame's half-width is 7.11)
HEADING_TOP = 3.85
ROWS_Y = (2.2, 0.45, -1.3)  # centres of the three scheme rows: the first clear of the heading's formula
ROW_HEIGHT = 1.6
STAGE_SECONDS = 1.5  # a C0 row's first layer: each stage (W x, + b, activation) this long, its name held
VIEW_LEFT, VIEW_RIGHT = 0.05, 3.25  # a row's view, between its scheme's text and its diagram
BOTTOM_CAPTION = (-EDGE, -2.45)  # captions under the rows and on full-screen slides: top-left corner
KEY_CENTRE = (0.0, 0.55)  # a heading's formula while it is introduced: the middle of the slide under the heading
KEY_SCALE = 1.9  # ... and how much larger it is there than at its place beside the heading
SCHEME_PRESETS = {"c0": "moons-c0-tanh", "c1": "circles-c1-tanh", "c2": "seed-c2-sigmoid"}


@dataclass(frozen=True)
class SchemeText:
    """A scheme in the lecture: its name, its update as TeX and plain text, what kind of step it is (with the
    differential equation, TeX and plain, if any) and the caption that introduces it."""

    name: str
    update_tex: str
    update_plain: str
    kind: str
    equation_tex: str | None
    equation_plain: str | None
    caption: str


SCHEME_TEXTS = {
    "c0": SchemeText(
        "C0  \u00b7  an ordinary network",
        r"x_{l+1} = f(x_l)",
        "x\u2097\u208a\u2081 = f(x\u2097)",
        "every layer may jump",
        None,
        None,
        "An ordinary network (C0) replaces every point by the layer's output: each layer may jump far. "
        "Watch the linear map, the shift, then the activation.",
    ),
    "c1": SchemeText(
        "C1  \u00b7  a residual network",
        r"x_{l+1} = x_l + \Delta t\, f(x_l)",
        "x\u2097\u208a\u2081 = x\u2097 + \u0394t f(x\u2097)",
        "an Euler step of",
        r"dx/dt = f(x)",
        "dx/dt = f(x)",
        "A residual network (C1) adds the layer's output, times a small step \u0394t, to every point: one "
        "Euler step of a flow.",
    ),
    "c2": SchemeText(
        "C2  \u00b7  a second-order network",
        r"x_{l+1} = 2x_l - x_{l-1} + \Delta t^2 f(x_l)",
        "x\u2097\u208a\u2081 = 2x\u2097 \u2212 x\u2097\u208b\u2081 + \u0394t\u00b2 f(x\u2097)",
        "a second-order step of",
        r"d^2x/dt^2 = f(x)",
        "d\u00b2x/dt\u00b2 = f(x)",
        "A second-order network (C2) also remembers the step before: the points start at rest and "
        "gather speed, like a mass pushed by a force.",
    ),
}


def scheme_block(text: SchemeText, theme: Theme, *, width: float) -> VGroup:
    """A scheme's name, its update rule and what kind of step it is, left-aligned, at most ``width`` wide."""
    kind = VGroup(label(text.kind, theme, font_size=20, color=theme.muted))
    if text.equation_tex:
        kind.add(formula(text.equation_tex, text.equation_plain or "", theme, font_size=32))
        kind.arrange(RIGHT, buff=0.2)
    block = VGroup(
        label(text.name, theme, font_size=24, bold=True),
        formula(text.update_tex, text.update_plain, theme, font_size=38),
        kind,
    )
    block.arrange(DOWN, aligned_edge=LEFT, buff=0.22)
    if block.width > width:
        block.scale_to_fit_width(width)
    return block


class SchemeRow(VGroup):
    """One scheme across the frame, centred at height ``centre_y``: its ``scheme_block`` on the left, a small view
    of ``run`` in the middle (framed, no axes), and on the right the network's diagram, its layer counter and the
    run in a few words. ``retire()`` stops its updaters once it is done moving (it is then drawn once per play)."""

    def __init__(self, run: Run, text: SchemeText, theme: Theme, *, centre_y: float, **kwargs):
        super().__init__(**kwargs)
        region = PlotRegion(
            left=VIEW_LEFT, right=VIEW_RIGHT, bottom=centre_y - ROW_HEIGHT / 2, top=centre_y + ROW_HEIGHT / 2
        )
        self.view = LayerView(run, theme=theme, region=region, style=ViewStyle(point_radius=0.02), show_axes=False)
        width, height = region.size
        border = Rectangle(
            width=width, height=height, stroke_color=theme.muted, stroke_width=1.5, stroke_opacity=0.7
        ).move_to((*region.centre, 0))
        right = region.right + 0.35
        self.diagram = NetworkDiagram(
            self.view,
            anchor=(right, centre_y + ROW_HEIGHT / 2),
            width=EDGE - right,
            height=0.26,
            node_radius=0.045,
            font_size=16,
        )
        self.counter = LayerCounter(
            self.view, anchor=(right, centre_y - 0.05), font_size=24, stage_anchor=(EDGE, centre_y - 0.05)
        )
        words = label(
            f"{dataset_in_words(run)} \u00b7 {run.depth} {run.activation} layers",
            theme,
            font_size=16,
            color=theme.muted,
        )
        if words.width > EDGE - right:
            words.scale_to_fit_width(EDGE - right)
        words.move_to((right, centre_y - 0.5, 0), aligned_edge=UP + LEFT)
        block = scheme_block(text, theme, width=region.left - 0.3 + EDGE).move_to(
            (-EDGE, centre_y, 0), aligned_edge=LEFT
        )
        self.add(block, border, words, self.view, self.diagram, self.counter)

    def retire(self) -> None:
        for moving in (self.view, self.diagram, self.counter):
            moving.clear_updaters()


def layer_map(theme: Theme) -> VGroup:
    """The layer map every scheme is built on, its symbols named under it."""
    return VGroup(
        formula(r"f(x) = \sigma(W_l\, x + b_l)", "f(x) = \u03c3(W\u2097 x + b\u2097)", theme, font_size=36),
        formula(
            r"W_l\text{: weights,}\;\; b_l\text{: shift,}\;\; \sigma\text{: activation}",
            "W\u2097: weights,  b\u2097: shift,  \u03c3: activation",
            theme,
            font_size=26,
            color=theme.muted,
        ),
    ).arrange(DOWN, aligned_edge=RIGHT, buff=0.12)


def change_formula(theme: Theme) -> VGroup:
    """The next layer as a change of coordinates."""
    return VGroup(
        formula(r"x_{l+1} = \phi_{l+1}(x_l)", "x\u2097\u208a\u2081 = \u03c6(x\u2097)", theme, font_size=40),
        label("new coordinates of the same points", theme, font_size=17, color=theme.muted),
    ).arrange(DOWN, aligned_edge=LEFT, buff=0.16)


def euclid_formula(theme: Theme) -> VGroup:
    """The last layer's metric, the identity."""
    return VGroup(
        formula(r"g_L = I", "g_L = I", theme, font_size=40, color=theme.glyph),
        label("in the last layer: the usual distance", theme, font_size=17, color=theme.muted),
    ).arrange(DOWN, aligned_edge=LEFT, buff=0.16)


def pullback_formula(theme: Theme) -> VGroup:
    """One layer's pull-back of the metric, with the layer's Jacobian defined."""
    return VGroup(
        formula(
            r"g_l = A_l^{\top}\, g_{l+1}\, A_l",
            "g\u2097 = A\u2097\u1d40 g\u2097\u208a\u2081 A\u2097",
            theme,
            font_size=40,
            color=theme.glyph,
        ),
        symbol_defined(r"A_l", "A\u2097", "how layer l + 1 moves\nwhen layer l moves", theme),
    ).arrange(DOWN, aligned_edge=LEFT, buff=0.16)


def chart_formulas(theme: Theme) -> VGroup:
    """The chart of layer l and its Jacobian, and the metric of layer l from the charts."""
    return VGroup(
        formula(
            r"x_l = \Phi_l(x_0), \quad J_l = \frac{\partial x_l}{\partial x_0}",
            "x\u2097 = \u03a6\u2097(x\u2080),  J\u2097 = \u2202x\u2097/\u2202x\u2080",
            theme,
            font_size=34,
        ),
        label("the chart of layer l, and its Jacobian", theme, font_size=17, color=theme.muted),
        formula(
            r"g_l = M_l^{\top} M_l, \quad M_l = J_L J_l^{-1}",
            "g\u2097 = M\u2097\u1d40 M\u2097,  M\u2097 = J_L J\u2097\u207b\u00b9",
            theme,
            font_size=34,
            color=theme.glyph,
        ),
        label("the metric of layer l, from the charts", theme, font_size=17, color=theme.muted),
    ).arrange(DOWN, aligned_edge=LEFT, buff=0.14)


def bullet_list(points: list[str], theme: Theme, *, font_size: float = 26) -> VGroup:
    """Bullet points, left-aligned; a point's lines after the first are indented under its first."""
    rows = []
    for point in points:
        lines = label(point, theme, font_size=font_size)
        dot = label("\u2022", theme, font_size=font_size)
        dot.next_to(lines, LEFT, buff=0.25).set_y(
            lines.get_top()[1] - label("Ag", theme, font_size=font_size).height / 2
        )
        rows.append(VGroup(dot, lines))
    return VGroup(*rows).arrange(DOWN, aligned_edge=LEFT, buff=0.4)


def slide_heading(text: str, theme: Theme, formula_block: VMobject | None = None) -> VGroup:
    """A full-frame slide's heading at the top left, and a formula at the top right, tops aligned."""
    heading = VGroup(label(text, theme, font_size=30, bold=True).move_to((-EDGE, HEADING_TOP, 0), aligned_edge=UL))
    if formula_block is not None:
        heading.add(formula_block.move_to((EDGE, HEADING_TOP + 0.05, 0), aligned_edge=UP + RIGHT))
    return heading


class LectureStory(LayerStory):
    """A ``LayerStory`` in slides (see the module). Beside the story's verbs: ``title_slide``, ``slide``,
    ``heading``, ``scheme_row``, ``enter_stage``, ``separate`` and ``summary``. The stage (the example's view, the
    panel, the legend) is the story's, entered with ``enter_stage``; full-frame slides put their captions at the
    bottom.

    ``heading_with_key`` brings a full-frame heading whose formula is first shown large in the middle of the
    slide, then moved beside the heading.

    Class attributes: ``default_preset`` (the example), ``scheme_presets``, ``row_seconds`` (a row's network runs
    from its input to its last layer in this time), and the words: ``title``, ``question`` and ``reference`` (the
    title slide's), ``take_home`` (the summary's points).
    """

    default_preset = "circles-c1-tanh"
    present_top = 0.0  # room for four lines of caption over a presented formula
    title = ""
    reference = ""
    take_home: tuple[str, ...] = ()
    scheme_presets = SCHEME_PRESETS
    row_seconds = 5.5

    if TYPE_CHECKING:  # given by the slide base the lecture is mixed with (``slides.slide_base()``)

        def next_slide(self, *args, **kwargs) -> None: ...

        def add_note(self, text: str) -> None: ...

    def setup(self):
        super().setup()
        self.camera.background_color = ManimColor(self.theme.background)  # type: ignore[union-attr]  # manim-slides
        self.panel_caption = (self.caption_corner, self.caption_width)

    # -- runs --------------------------------------------------------------------------------------------------
    def row_run(self, scheme: str) -> Run:
        """The run of a scheme's row: the example where it is of that scheme, else the scheme's preset."""
        return self.run if self.run.scheme == scheme else self.preset_run(self.scheme_presets[scheme])

    def preset_run(self, name: str) -> Run:
        """A preset's Run, trained and cached on first use; an unknown preset ends the render with one line."""
        from ..cache import load_or_train
        from ..presets import get_preset

        try:
            return load_or_train(get_preset(name))
        except RiemannNNError as error:
            raise SystemExit(f"riemann-nn: {error}") from None

    # -- captions become notes -----------------------------------------------------------------------------
    def caption_animations(self, text: str, *, run_time: float) -> list:
        self.add_note(text)
        return super().caption_animations(text, run_time=run_time)

    # -- slides ----------------------------------------------------------------------------------------------
    def slide(self, *, clear: bool = True, full: bool = False) -> None:
        """Start a new slide once the caption on screen has been read. With ``clear``, everything on screen fades
        out first, so each slide ends on its full picture; ``full`` puts the captions at the bottom of the frame
        (for slides without the stage), else in the panel beside the view."""
        self.read()
        self.next_slide()
        if clear:
            shown = [m for m in self.mobjects if not isinstance(m, ValueTracker)]
            self.subtitles.close_cue(self.next_play(1.0))
            self.play(*[FadeOut(m) for m in shown], run_time=0.6)
            self.remove(*shown)
            self.caption, self.presented = None, None
        if full:
            self.caption_corner, self.caption_edge, self.caption_width = BOTTOM_CAPTION, UP + LEFT, 2 * EDGE
        else:
            (self.caption_corner, self.caption_width), self.caption_edge = self.panel_caption, UP + LEFT

    def title_slide(self) -> None:
        """The lecture's ``title``, its ``question``, the example run in words and the ``reference``, beside a
        picture of the example's input metric; present from the first frame (a deck opens on it), held for the
        question."""
        theme, title, question, reference = self.theme, self.title, self.question or "", self.reference
        block = VGroup(
            label(title, theme, font_size=48, bold=True),
            flowed(question, theme, font_size=30, width=7.4),
            label(run_in_words(self.run).replace("  \u00b7  ", "\n"), theme, font_size=22, color=theme.muted),
            flowed(reference, theme, font_size=20, width=7.4, color=theme.muted),
        )
        block.arrange(DOWN, aligned_edge=LEFT, buff=0.45)
        if block.width > 7.6:
            block.scale_to_fit_width(7.6)
        block.move_to((-EDGE, 0.2, 0), aligned_edge=LEFT)
        picture = LayerView(
            self.run,
            theme=theme,
            region=PlotRegion(left=1.45, right=6.85, bottom=-2.5, top=2.9),
            style=ViewStyle(point_radius=0.025),
            show_axes=False,
            glyph_size=1.0,
            fit_sites=1.0,
        )
        picture.clear_updaters()  # a still: drawn once, not once per frame
        shown: list[Mobject] = [block, picture]
        if not typeset.has_latex():
            shown.append(
                label(
                    "LaTeX not installed: formulas shown as plain text", theme, font_size=18, color=theme.unbounded
                ).move_to((-EDGE, -3.6, 0), aligned_edge=LEFT)
            )
        for note in (title, question, run_in_words(self.run), reference):
            self.add_note(note)
        self.subtitles.open_cue(question, self.next_play(0.0))
        self.add(*shown)
        self.hold(max(4.0, reading_seconds(question)))

    def heading(self, text: str, formula_block: VMobject | None = None) -> VGroup:
        """A full-frame slide's heading (see ``slide_heading``)."""
        return slide_heading(text, self.theme, formula_block)

    def heading_with_key(self, text: str, key: VMobject, *, caption: str) -> VGroup:
        """A full-frame slide's heading, and ``key`` (e.g. the layer map every row builds on) ``KEY_SCALE`` times
        larger in the middle of the empty slide while ``caption`` is read; then ``key`` moves to its place at the
        top right (``slide_heading``), making room for what comes. Returns the heading, ``key`` in it."""
        heading = self.heading(text, key)
        place, size = key.get_center(), key.width
        key.scale(KEY_SCALE).move_to((*KEY_CENTRE, 0))
        self.show(heading, caption=caption)
        self.read()
        self.play(key.animate.scale_to_fit_width(size).move_to(place), run_time=0.8)
        return heading

    def scheme_row(self, scheme: str, row: int) -> SchemeRow:
        """A scheme's row fades in with its caption; its network then runs from its input to its last layer."""
        run = self.row_run(scheme)
        shown = SchemeRow(run, SCHEME_TEXTS[scheme], self.theme, centre_y=ROWS_Y[row])
        self.show(shown, caption=SCHEME_TEXTS[scheme].caption)
        self.add_note(
            f"Example: {dataset_in_words(run).lower()}, a {run.depth}-layer {SCHEME_WORDS[run.scheme]} "
            f"{run.activation} network."
        )
        self.hold(0.5)
        if shown.view.motion.method == "staged" and run.depth > 1:
            # The caption promises the linear map, the shift, then the activation: the first layer plays each
            # stage for STAGE_SECONDS with its name held, the rest at the row's pace.
            self.sweep(1, seconds=3 * STAGE_SECONDS, view=shown.view)
            self.sweep(run.depth, seconds=self.row_seconds * (run.depth - 1) / run.depth, view=shown.view)
        else:
            self.sweep(run.depth, seconds=self.row_seconds, view=shown.view)
        shown.retire()
        return shown

    def enter_stage(self, caption: str | None = None) -> None:
        """The example's stage fades in: the panel's header, diagram, counter and legend, and the view; a piece of
        the decision boundary far from the data is named."""
        captions = self.caption_animations(caption, run_time=1.2) if caption else []
        self.play(*[FadeIn(m) for m in self.stage_mobjects()], *captions, run_time=1.2)
        outlines = stray_outlines(self.view)
        if len(outlines):
            self.say(
                "Boxed: a piece of the decision boundary far from the data. The network splits the plane there "
                "too, with no data to guide it.",
                Create(outlines),
            )
            self.hide(outlines)

    def separate(self, caption: str) -> None:
        """At the last layer: the head's half-planes and its line, with ``caption``; once read, they fade out and
        the head in the diagram goes dark again."""
        planes = self.half_planes(caption)
        self.read()
        self.play(FadeOut(planes), self.diagram.head.animate.set_value(0.0), run_time=0.8)

    def summary(self, heading: str, *, caption: str | None = None) -> None:
        """A full-frame list: the heading, the ``take_home`` points, and the ``reference``."""
        block = VGroup(
            label(heading, self.theme, font_size=40, bold=True),
            bullet_list(list(self.take_home), self.theme),
            flowed(self.reference, self.theme, font_size=20, width=2 * EDGE - 1, color=self.theme.muted),
        )
        block.arrange(DOWN, aligned_edge=LEFT, buff=0.5)
        if block.width > 2 * EDGE - 0.5:
            block.scale_to_fit_width(2 * EDGE - 0.5)
        block.move_to((-EDGE + 0.4, 0.75, 0), aligned_edge=LEFT)
        if block.get_bottom()[1] < BOTTOM_CAPTION[1] + 0.15:
            block.scale_to_fit_height(block.height - (BOTTOM_CAPTION[1] + 0.15 - block.get_bottom()[1]))
            block.move_to((-EDGE + 0.4, 0.75, 0), aligned_edge=LEFT)
        self.show(block, caption=caption)
