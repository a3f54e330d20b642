"""One more dimension: a width-3 network lifts the disc out of the ring, seen in 3-space.

    manim -pql scenes/space.py

The input plane enters 3-space as z = 0; layer by layer the network bends it into a surface (its grid lines
drawn) while the camera turns slowly; at the last layer the head's plane separates the classes. The input
plane's metric glyphs ride on the surface, and beside it, fixed in the frame, the same metric on the input plane:
ellipses, as for width 2. ``RIEMANN_NN_PRESET`` or ``RIEMANN_NN_RUN`` (a width-3 run), ``RIEMANN_NN_PATH`` and
``RIEMANN_NN_THEME`` work as for the other scenes; subtitles are written beside the video.
"""

import numpy as np
from manim import DEGREES, DOWN, LEFT, UP, FadeIn, FadeOut, Rectangle, ThreeDScene, VGroup

from riemann_nn.render.colour import current_theme
from riemann_nn.render.framing import Framing, PlotRegion
from riemann_nn.render.marks import EllipseField, PointCloud
from riemann_nn.render.space import OffsetCamera, SpaceView
from riemann_nn.render.story import (
    Subtitled,
    crossfade,
    crossfade_times,
    run_in_words,
    scene_path_method,
    scene_run,
    window,
)
from riemann_nn.render.subtitles import reading_seconds
from riemann_nn.render.text import SCHEME_NAMES, caption, formula, label, title_block
from riemann_nn.render.views import LayerCounter

PANEL_LEFT = 2.75
PANEL_WIDTH = 4.15
CAPTION_TOP = 2.25


class LiftedRings(Subtitled, ThreeDScene):
    """The rings through a width-3 network: the plane bends into a surface and the disc rises out of the ring;
    the metric's glyphs ride on the surface and, beside it, lie on the input plane."""

    default_preset = "rings-w3-c1"
    question = "How does a third neuron free the disc?"
    turn_rate = 0.07  # radians of camera azimuth per second of video
    seconds_per_layer = 0.8
    view_size = 5.3  # scene units: the longest side of the data's box in 3-space
    tilt = 62 * DEGREES
    azimuth = -100 * DEGREES

    def __init__(self, **kwargs):
        super().__init__(camera_class=OffsetCamera, **kwargs)

    def setup(self):
        super().setup()
        self.theme = current_theme()
        self.camera.background_color = self.theme.background
        self.camera.screen_offset = np.array([-2.3, 0.1, 0.0])
        self.run = scene_run(self.default_preset, widths=(3,))
        self.depth = self.run.depth
        self.set_camera_orientation(phi=self.tilt, theta=self.azimuth)
        camera = self.camera
        self.view = SpaceView(
            self.run,
            theme=self.theme,
            toward_viewer=lambda: camera.toward_viewer(),
            method=scene_path_method(self.run),
            size=self.view_size,
        )
        self.view.add_updater(lambda view: self.turn_camera(), index=0)  # a lambda: Manim copies updaters
        self.caption = None
        self.read_until = 0.0

    def turn_camera(self) -> None:
        """The azimuth follows the video's clock, so chunked renders turn the camera exactly as one process."""
        self.camera.set_theta(self.azimuth + self.turn_rate * self.renderer.time)

    # -- verbs: the panel's captions and blocks are fixed in the frame ----------------------------------------
    def fixed(self, mobject):
        self.add_fixed_in_frame_mobjects(mobject)
        return mobject

    def hold(self, seconds: float) -> None:
        """The camera keeps turning: a hold is frames, not a still."""
        if seconds >= 1 / 15:
            self.wait(seconds, frozen_frame=False)

    def read(self) -> None:
        self.hold(self.read_until - self.clock)

    def say(self, text: str, *animations, run_time: float = 1.0) -> None:
        """The caption becomes ``text`` (the old one fades out first), with ``animations`` alongside."""
        self.read()
        new = caption(text, self.theme, font_size=22, width=PANEL_WIDTH)
        new.move_to([PANEL_LEFT, CAPTION_TOP, 0], aligned_edge=UP + LEFT)
        self.fixed(new)
        out_end, in_end = crossfade_times(run_time)
        self.subtitles.close_cue(self.next_play(out_end))
        self.subtitles.open_cue(text, self.next_play(out_end))
        self.read_until = self.clock + in_end * run_time + reading_seconds(text)
        fades = crossfade(self.caption, new, run_time=run_time)
        self.caption = new
        self.play(*fades, *animations, run_time=run_time)

    def sweep(self, to_layer: int) -> None:
        here = round(self.view.time.get_value())
        self.play(self.view.time.animate.set_value(to_layer), run_time=self.seconds_per_layer * abs(to_layer - here))

    def title_card(self) -> VGroup:
        """The question and the run in words, full frame; it leaves as the stage comes (the first caption)."""
        facts = f"{self.run.name}  \u00b7  train accuracy {100 * self.run.meta['training']['accuracy']:.0f}%"
        card = title_block(self.question, [run_in_words(self.run), facts], self.theme, width=12.8)
        self.fixed(card).set_opacity(0)
        self.subtitles.open_cue(self.question, self.next_play(0.0))
        self.play(card.animate.set_opacity(1), run_time=0.8)
        self.hold(max(1.8, reading_seconds(self.question)))
        return card

    # -- the blocks of the panel ------------------------------------------------------------------------------
    def header(self) -> VGroup:
        model = self.run.meta["model"]
        block = VGroup(
            label("A disc inside a ring", self.theme, font_size=26, bold=True),
            label(
                f"{SCHEME_NAMES[model['scheme']]}  \u00b7  {model['activation']}  \u00b7  {self.depth} "
                "layers of width 3",
                self.theme,
                font_size=18,
                color=self.theme.muted,
            ),
        )
        block.arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        if block.width > PANEL_WIDTH:
            block.scale_to_fit_width(PANEL_WIDTH)
        return block.move_to([PANEL_LEFT, 3.8, 0], aligned_edge=UP + LEFT)

    def metric_panel(self) -> VGroup:
        """The input with its metric glyphs (the input plane's metric g_0), the glyphs cut at the frame."""
        region = PlotRegion(left=PANEL_LEFT + 0.05, right=PANEL_LEFT + 2.75, bottom=-3.7, top=-1.0)
        framing = Framing.fit(self.run.x[0][:, :2], region)
        dots = [
            PointCloud(color=colour, radius=0.02).set_positions(framing.to_screen(self.run.x[0][self.run.y == k, :2]))
            for k, colour in enumerate(self.theme.classes)
        ]
        centres, maps, _ = self.view.motion.glyphs(0.0)  # (M, 3), (M, 3, 2): at layer 0 in the plane z = 0
        glyphs = EllipseField(color=self.theme.glyph, stroke_width=1.4).set_glyphs(
            framing.to_screen(centres[:, :2]), framing.zoom * maps[:, :2, :], region=region
        )
        frame = Rectangle(
            width=region.size[0], height=region.size[1], stroke_color=self.theme.muted, stroke_width=1.0
        ).move_to([*region.centre, 0])
        title = label("the input's metric, from above", self.theme, font_size=17, color=self.theme.muted)
        title.next_to(frame, UP, buff=0.1, aligned_edge=LEFT)
        if title.width > PANEL_WIDTH:
            title.scale_to_fit_width(PANEL_WIDTH)
        return VGroup(frame, glyphs, *dots, title)

    def metric_rule(self) -> VGroup:
        """The input plane's metric from the 3 x 3 Jacobian, its symbols defined, under the caption."""
        rule = VGroup(
            formula(r"g_0 = (J_L P)^{\top} (J_L P)", "g_0 = (J_L P)^T (J_L P)", self.theme, font_size=30),
            formula(
                r"J_L = \partial x_L / \partial x_0 \ (3 \times 3)", "J_L = dx_L/dx_0 (3 x 3)", self.theme, font_size=26
            ),
            formula(r"P(x, y) = (x, y, 0)", "P(x, y) = (x, y, 0)", self.theme, font_size=26),
        )
        return rule.arrange(DOWN, aligned_edge=LEFT, buff=0.12).move_to([PANEL_LEFT, 0.75, 0], aligned_edge=UP + LEFT)

    def construct(self):
        # 0. The question; the data in the plane z = 0 of 3-space.
        card = self.title_card()
        counter = LayerCounter(self.view, anchor=[PANEL_LEFT, 2.78], font_size=28)
        header = self.header()
        self.view.opacity.set_value(0.0)
        self.add(self.view)
        arrive = window(0.0, 0.8)  # the stage comes as the card goes: never an empty frame
        self.say(
            "Three neurons per layer: the input plane sits in 3-space, flat, at height zero.",
            FadeOut(card, rate_func=window(0.0, 0.35)),
            self.view.opacity.animate(rate_func=arrive).set_value(1.0),
            FadeIn(self.fixed(header), rate_func=arrive),
            FadeIn(self.fixed(counter), rate_func=arrive),
            run_time=1.4,
        )
        # 1. Forward: the plane bends into a surface and the disc rises.
        self.say("Follow the plane through the layers: it bends into a surface.")
        self.sweep(self.depth // 2)
        self.say("Watch the disc: it rises out of the ring.")
        self.sweep(self.depth)
        # 2. The head's plane.
        self.say(
            "In the last layer a flat plane separates the classes: the disc on one side, the ring on the other.",
            self.view.plane_opacity.animate.set_value(1.0),
        )
        # 3. Glyphs: circles on the surface, pulled back to the input; the input's metric beside it.
        self.say(
            "Around each site, the points at one small distance on the surface: a circle.",
            self.view.plane_opacity.animate.set_value(0.0),
            self.view.glyph_size.animate.set_value(1.0),
        )
        self.say("Pulled back to the input plane, the circles become ellipses.")
        self.sweep(0)
        self.read()  # fixed in the frame is in the scene: only once the caption before it has been read
        self.say(
            "This is the metric the surface induces on the input: as for width 2, one ellipse per site.",
            FadeIn(self.fixed(self.metric_panel())),
        )
        self.read()
        rule = self.fixed(self.metric_rule())
        self.say("The same rule as for width 2, with the 3-by-3 Jacobian of the last layer.", FadeIn(rule))
        self.say("Carried forward again, every ellipse ends as a circle on the lifted surface.")
        self.sweep(self.depth)
        # 4. Close.
        self.say(
            "Width 2 cannot do this: no map of the plane that never tears or folds (a homeomorphism) pulls a "
            "disc out of a ring.",
            FadeOut(rule, rate_func=window(0.0, 0.3)),  # gone before the long caption
            self.view.plane_opacity.animate.set_value(1.0),
        )
        self.read()
