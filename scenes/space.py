"""One more dimension: a width-3 network lifts the disc out of the ring, seen in 3-space.

    manim -pql scenes/space.py

The input plane enters 3-space as z = 0; layer by layer the network bends it into a surface (its grid lines
drawn) while the camera turns slowly; at the last layer the head's plane separates the classes. Beside it, fixed
in the frame, the metric the surface induces on the input plane: ellipses, as for width 2. ``RIEMANN_NN_PRESET``
or ``RIEMANN_NN_RUN`` (a width-3 run), ``RIEMANN_NN_PATH`` and ``RIEMANN_NN_THEME`` work as for the other scenes.
"""

import textwrap

import numpy as np
from manim import DEGREES, DOWN, LEFT, UP, FadeIn, FadeOut, Rectangle, ThreeDScene, VGroup

from riemann_nn.render import (
    EllipseField,
    Framing,
    LayerCounter,
    PlotRegion,
    PointCloud,
    caption,
    current_theme,
    formula,
    scene_run,
)
from riemann_nn.render.scene_support import SCHEME_NAMES, scene_path_method
from riemann_nn.render.space import OffsetCamera, SpaceView
from riemann_nn.render.story import window
from riemann_nn.render.theme import label

PANEL_LEFT = 2.75
PANEL_WIDTH = 4.1
CAPTION_TOP = 2.2


def reading_seconds(text: str) -> float:
    return max(2.5, 0.33 * len(text.split()))


class LiftedRings(ThreeDScene):
    """The rings through a width-3 network: the plane bends into a surface, the disc rises out of the ring."""

    default_preset = "rings-w3-c1"
    turn_rate = 0.07  # radians of camera azimuth per second of video
    seconds_per_layer = 0.8
    view_size = 5.3  # scene units: the longest side of the data's box in 3-space

    def __init__(self, **kwargs):
        super().__init__(camera_class=OffsetCamera, **kwargs)

    def setup(self):
        super().setup()
        self.theme = current_theme()
        self.camera.background_color = self.theme.background
        self.camera.screen_offset = np.array([-2.3, 0.1, 0.0])
        self.run = scene_run(self.default_preset, widths=(3,))
        self.depth = self.run.depth
        self.theta0 = -100 * DEGREES
        self.set_camera_orientation(phi=62 * DEGREES, theta=self.theta0)
        self.view = SpaceView(self.run, theme=self.theme, camera=self.camera, method=scene_path_method(self.run),
                              size=self.view_size)
        self.view.add_updater(self.turn_camera, index=0)
        self.caption = None
        self.read_until = 0.0

    def turn_camera(self, mobject) -> None:
        """The azimuth follows the video's clock, so chunked renders turn the camera exactly as one process."""
        self.camera.set_theta(self.theta0 + self.turn_rate * self.renderer.time)

    # -- the panel and its captions, fixed in the frame ---------------------------------------------------------
    def fixed(self, *mobjects):
        self.add_fixed_in_frame_mobjects(*mobjects)
        return mobjects[0] if len(mobjects) == 1 else mobjects

    def say(self, text: str, *animations, run_time: float = 1.0) -> None:
        self.hold(self.read_until - self.renderer.time)
        new = caption(textwrap.fill(text, 36), self.theme, font_size=22)
        if new.width > PANEL_WIDTH:
            new.scale_to_fit_width(PANEL_WIDTH)
        new.move_to([PANEL_LEFT, CAPTION_TOP, 0], aligned_edge=UP + LEFT)
        self.fixed(new)
        new.set_opacity(0)
        out_end, in_end = min(0.3 / run_time, 0.4), min(0.8 / run_time, 1.0)  # the old one leaves, then the new
        fades = [new.animate(rate_func=window(out_end, in_end)).set_opacity(1)]
        if self.caption is not None:
            fades.append(FadeOut(self.caption, rate_func=window(0.0, out_end)))
        self.play(*fades, *animations, run_time=run_time)
        self.caption = new
        self.read_until = self.renderer.time + reading_seconds(text)

    def hold(self, seconds: float) -> None:
        if seconds > 0.05:
            self.wait(seconds)

    def sweep(self, to_layer: int) -> None:
        here = round(self.view.time.get_value())
        self.play(self.view.time.animate.set_value(to_layer), run_time=self.seconds_per_layer * abs(to_layer - here))

    def header(self) -> VGroup:
        model = self.run.meta["model"]
        block = VGroup(label("A disc inside a ring", self.theme, font_size=26, bold=True),
                       label(f"{SCHEME_NAMES[model['scheme']]}  \u00b7  {model['activation']}  \u00b7  {self.depth} "
                             "layers of width 3", self.theme, font_size=18, color=self.theme.muted))
        block.arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        if block.width > PANEL_WIDTH:
            block.scale_to_fit_width(PANEL_WIDTH)
        return block.move_to([PANEL_LEFT, 3.8, 0], aligned_edge=UP + LEFT)

    def metric_panel(self) -> VGroup:
        """The input with its metric glyphs (the input plane's metric g_0), fixed in the frame."""
        region = PlotRegion(left=PANEL_LEFT + 0.05, right=PANEL_LEFT + 3.05, bottom=-3.8, top=-0.8)
        framing = Framing.fit(self.run.x[0][:, :2], region)
        dots = [PointCloud(color=colour, radius=0.02).set_positions(
            framing.to_screen(self.run.x[0][self.run.y == k, :2])) for k, colour in enumerate(self.theme.classes)]
        centres, maps, _ = self.view.motion.glyphs(0.0)  # (M, 3), (M, 3, 2): at layer 0 in the plane z = 0
        glyphs = EllipseField(color=self.theme.glyph, stroke_width=1.4).set_glyphs(
            framing.to_screen(centres[:, :2]), framing.zoom * maps[:, :2, :])
        frame = Rectangle(width=region.size[0], height=region.size[1], stroke_color=self.theme.muted,
                          stroke_width=1.0).move_to([*region.centre, 0])
        title = label("the input plane's metric", self.theme, font_size=17, color=self.theme.muted)
        title.next_to(frame, UP, buff=0.1, aligned_edge=LEFT)
        return VGroup(frame, glyphs, *dots, title)

    def construct(self):
        # 0. The data in the plane z = 0 of 3-space.
        counter = LayerCounter(self.view, anchor=[PANEL_LEFT, 2.75], font_size=28)
        self.add(self.view)
        self.fixed(self.header(), counter)
        self.say("Three neurons per layer: the input plane sits in 3-space, flat, at height zero.")
        # 1. Forward: the plane bends into a surface and the disc rises.
        self.say("Follow the plane through the layers: it bends into a surface.")
        self.sweep(self.depth // 2)
        self.say("Watch the disc: it rises out of the ring.")
        self.sweep(self.depth)
        # 2. The head's plane.
        self.say("In the last layer a flat plane separates the classes: the disc is above it, the ring below.",
                 self.view.plane_opacity.animate.set_value(1.0))
        # 3. Glyphs: circles on the surface, pulled back to the input; the input's metric beside it.
        self.say("Around each site, the points at one small distance on the surface: a circle.",
                 self.view.plane_opacity.animate.set_value(0.0), self.view.glyph_size.animate.set_value(1.0))
        self.say("Pulled back to the input plane, the circles become ellipses.")
        self.sweep(0)
        panel = self.fixed(self.metric_panel())
        self.say("This is the metric the surface induces on the input, as for width 2, seen from above.",
                 FadeIn(panel))
        rule = formula(r"g_0 = (J_L P)^{\top} (J_L P)", "g_0 = (J_L P)^T (J_L P)", self.theme, font_size=30)
        rule.move_to([PANEL_LEFT, 0.25, 0], aligned_edge=LEFT)
        self.say("J_L, the Jacobian of the last layer, is 3x3; P keeps the input's two directions: g_0 is 2x2.",
                 FadeIn(self.fixed(rule)))
        self.say("Carried forward again, every ellipse ends as a circle on the lifted surface.")
        self.sweep(self.depth)
        # 4. Close.
        self.say("Width 2 cannot do this: no homeomorphism of the plane pulls a disc out of a ring.",
                 self.view.plane_opacity.animate.set_value(1.0))
        self.hold(self.read_until - self.renderer.time)
