"""The story base of the scenes: ``LayerStory``, a ``Scene`` whose ``construct()`` reads as beats.

In the spirit of Manim's ``LinearTransformationScene``: ``setup()`` picks the theme and background, loads the
Run (``scene_run``: ``$RIEMANN_NN_RUN``, ``$RIEMANN_NN_PRESET`` or the class's ``default_preset``) and builds
the stage: the ``LayerView`` on the left, and a side panel with the run in words, the network diagram (the
active layer lit), the layer counter and a legend. Nothing is on screen until a verb puts it there.

Verbs (each plays its own animations; ``self.view``, ``self.run``, ``self.depth``, ``self.theme`` are there
for anything else):

- ``title_card(question=None)``: the question ("What does a 10-layer network do to the plane?" by default)
  and the run in words, full screen; then the stage fades in.
- ``say(text, *animations)``: the caption becomes ``text`` (the old one fades out first: never two at once),
  with ``animations`` playing alongside. Captions are plain sentences: the panel flows them into lines.
- ``read()``: wait until the caption has been fully visible for its reading time.
- ``hold(seconds=1.0)``: a still.
- ``sweep(to_layer, seconds=None, caption=None, holds=None)``: move the view layer by layer to ``to_layer``
  (``seconds`` in all, or ``seconds_per_layer`` each, easing at every layer), ``caption`` fading in as it
  starts, holding ``holds[l]`` seconds on layer ``l``.
- ``show(*mobjects, caption=None)`` / ``hide(...)``: fade mobjects in or out (with a caption), once the
  caption on screen has been read (it may be about them).
- ``present(block, caption=None)``: a formula or table into the panel, under the caption.
- ``half_planes(caption)``: the head's half-planes at the last layer, and the head lit in the diagram;
  returns them, for ``hide``.
- ``grow_field(caption=None)``: frame every glyph site, then grow the glyph field; its legend rows fade in.
- ``close(text, *done)``: the last caption, read to the end, as ``done`` (a presented formula...) fade out.

Pacing: a caption stays fully visible for at least ``reading_seconds(text)`` (2.5 s, or 0.33 s per word if
longer). Verbs never cut a caption short: before a caption is replaced (or the scene ends) the story holds
still for whatever reading time is left, so a ``say`` followed by a ``sweep`` lets the sweep count as reading
time. Every caption is also a subtitle cue: after rendering, ``<video>.vtt`` and ``<video>.srt`` are written
beside the video, timed from the frames actually in it (see ``subtitles``: a cue starts when its caption starts
to fade in and ends when it has faded out; chunks rendered with ``-n a,b`` get cues relative to their own video).

Static things (captions, legend, header, half-planes) are kept behind the moving ones after every play, where
Manim draws them once per animation instead of once per frame.

Variants change class attributes (``default_preset``, ``geometry``, ``question``, ``style``,
``seconds_per_layer``, ...); two hooks change the stage: ``make_view()`` (e.g. a ``LayerView`` with another
glyph source, colours or trackers) and ``make_legend()`` (e.g. a ``StoryLegend`` with a colour key as its data
rows). Anything else a scene needs beside the verbs (an overlay following the view, a table) belongs in
``riemann_nn.render`` as a mobject whose trackers the scene animates, with a direct test; the panel's free
area runs from under the caption to the legend (``present`` puts things there).

Example::

    class Moons(LayerStory):
        default_preset = "moons-c1-tanh"

        def construct(self):
            self.title_card()
            self.say("Two classes of points in the plane.")
            self.sweep(self.depth, caption="Follow them through the layers.", holds={2: 1.0})
            self.grow_field("One circle at every site of the last layer.")
            self.sweep(0, caption="Pulled back to the input.")
            self.close("A network is a chain of coordinate changes.")

``PanelCaptions`` is the older caption mixin of the scenes not yet told on ``LayerStory``; it records subtitles
too.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from manim import (
    DOWN,
    LEFT,
    UP,
    Animation,
    FadeIn,
    FadeOut,
    Mobject,
    Rectangle,
    Scene,
    VGroup,
    VMobject,
    config,
    smooth,
)
from manim.utils.exceptions import EndSceneEarlyException
from scipy.spatial import cKDTree

from ..errors import RiemannNNError
from ..interpolate import DEFAULT_METHOD
from ..run import Run
from . import encoding
from .camera import PathCamera
from .colour import Theme, current_theme
from .layout import StageLayout
from .legends import DASHED_WORDS, UNBOUNDED_WORDS, class_sample, glyph_sample, key_row, line_sample, unbounded_sample
from .overlays import DecisionHalfPlanes, NetworkDiagram
from .subtitles import PlayLog, reading_seconds, write_subtitles
from .text import CUSTOM_WORDS, accuracy_in_words, caption, label, network_in_words, title_block
from .views import LayerCounter, LayerView, ViewStyle, unbounded_sites

__all__ = [
    "DEFAULT_PRESET",
    "PANEL_LEFT",
    "PANEL_WIDTH",
    "LayerStory",
    "PanelCaptions",
    "StoryLegend",
    "Subtitled",
    "crossfade",
    "dataset_in_words",
    "default_question",
    "layer_by_layer",
    "run_header",
    "run_in_words",
    "scene_path_method",
    "scene_run",
    "stray_boundary",
    "stray_outlines",
    "stray_pieces",
    "window",
    "with_article",
]

DEFAULT_PRESET = "seed-c2-sigmoid"

# The side panel of a 16:9 frame, right of the plot region (which ends at x = 2.35), for the scenes not yet on
# LayerStory; LayerStory lays out for the frame it gets (``layout.StageLayout``).
DESIGN_LAYOUT = StageLayout.for_frame(8 * 16 / 9, 8.0)
PANEL_LEFT = 2.95
PANEL_WIDTH = 3.95
HEADER_TOP = 3.82
DIAGRAM_TOP = 3.06
COUNTER_Y = 2.12
CAPTION_TOP = 1.76
LEGEND_BOTTOM = -3.72

DATASET_WORDS = {
    "spirals": "Two spirals",
    "moons": "Two moons",
    "circles": "Two nested rings",
    "xor": "XOR: four blobs",
    "rings": "A disc inside a ring",
}
SCHEME_WORDS = {"c0": "ordinary (C0)", "c1": "residual (C1)", "c2": "second-order (C2)"}
WIDTH_WORDS = {2: "two", 3: "three"}


def scene_run(
    default_preset: str = DEFAULT_PRESET, *, geometry: dict | None = None, widths: tuple[int, ...] = (2,)
) -> Run:
    """The Run a scene shows: ``$RIEMANN_NN_RUN`` (a Run file), else ``$RIEMANN_NN_PRESET``, else the default
    preset, trained and cached under ``media/runs/`` on first use.

    ``geometry`` overrides fields of the preset's geometry section (e.g. ``{"sites_per_side": 20}``); the
    changed configuration is cached under its own key. A Run file is shown as it is. ``widths``: the network
    widths the scene can draw (the plane's scenes: 2; ``scenes/space.py``: 3).
    A bad file, an unknown preset or a run of another width ends the render with one clear line (``SystemExit``).
    """
    from ..cache import load_or_train
    from ..presets import get_preset
    from ..run import load_run

    try:
        run_file = os.environ.get("RIEMANN_NN_RUN")
        if run_file:
            run = load_run(Path(run_file))
        else:
            config = get_preset(os.environ.get("RIEMANN_NN_PRESET") or default_preset)
            run = load_or_train(config.replace(geometry=geometry) if geometry else config)
        run.require_width(
            *widths, what="this scene", instead="scenes/space.py shows width 3" if 3 not in widths else ""
        )
        return run
    except RiemannNNError as error:
        raise SystemExit(f"riemann-nn: {error}") from None


def scene_path_method(run: Run) -> str:
    """The layer path: ``$RIEMANN_NN_PATH`` (straight, spline, staged) or the scheme's default."""
    return os.environ.get("RIEMANN_NN_PATH") or DEFAULT_METHOD[run.scheme]


def dataset_in_words(run: Run) -> str:
    """The run's title when it has one (``--title``), else "Two spirals", "Two moons", ..., "Points from
    <file>" for a CSV, "Your data" for arrays."""
    if run.meta.get("display", {}).get("title"):
        return run.title
    dataset = run.meta["dataset"]
    if dataset.get("name") in DATASET_WORDS:
        return DATASET_WORDS[dataset["name"]]
    if dataset.get("source") == "csv" and dataset.get("path"):
        return f"Points from {Path(dataset['path']).name}"
    return f"Points from {dataset['name']}" if dataset.get("name") else "Your data"


def run_in_words(run: Run) -> str:
    """The run for a viewer: data set, kind of network, width, e.g. "Two spirals · second-order (C2) sigmoid
    network · two neurons per layer"."""
    network = CUSTOM_WORDS if run.is_custom else f"{SCHEME_WORDS[run.scheme]} {run.activation} network"
    return f"{dataset_in_words(run)}  \u00b7  {network}  \u00b7  {WIDTH_WORDS[run.width]} neurons per layer"


def stray_pieces(run: Run, *, reach: float = 0.07) -> list[np.ndarray]:
    """The pieces of the input's decision boundary that come nowhere near the data (no vertex within ``reach`` of
    the data's extent of a data point), such as an arc at the edge of the input box: each (P_i, 2), in input
    coordinates. A surprise to be named when it shows."""
    boundary, offsets = run.boundary, run.boundary_offsets
    if boundary is None or offsets is None:
        return []
    data = run.x[0]  # (N, 2)
    distance = cKDTree(data).query(boundary[0])[0]  # (P,) from each vertex of the input's boundary to the data
    extent = float((data.max(axis=0) - data.min(axis=0)).max())
    # one empty piece when the boundary misses the input box
    pieces = zip(np.split(boundary[0], offsets[1:-1]), np.split(distance, offsets[1:-1]))
    return [piece for piece, near in pieces if near.size and near.min() > reach * extent]


def stray_boundary(run: Run, *, reach: float = 0.07) -> bool:
    """Whether the decision boundary has a piece in the input far from the data (see ``stray_pieces``)."""
    return bool(stray_pieces(run, reach=reach))


def stray_outlines(view: LayerView, *, pad: float = 0.12) -> VGroup:
    """A rectangle around the visible part of each of ``stray_pieces(view.run)`` in the input (the view must be at
    layer 0), ``pad`` scene units out and kept inside the view's region: what a caption naming them points at."""
    region, framing = view.region, view.framing_at(0.0)
    low, high = np.array([region.left, region.bottom]), np.array([region.right, region.top])
    outlines = VGroup()
    for piece in stray_pieces(view.run):
        screen = framing.to_screen(piece)  # (P, 2)
        inside = screen[region.contains(screen)]
        if not len(inside):
            continue
        corner_low = np.maximum(inside.min(axis=0) - pad, low)  # (2,)
        corner_high = np.minimum(inside.max(axis=0) + pad, high)  # (2,)
        width, height = corner_high - corner_low
        outlines.add(
            Rectangle(width=width, height=height, stroke_color=view.theme.text, stroke_width=2.5).move_to(
                (*(corner_low + corner_high) / 2, 0)
            )
        )
    return outlines


def default_question(run: Run) -> str:
    return f"What does {with_article(f'{run.depth}-layer')} network do to the plane?"


def with_article(words: str) -> str:
    """``words`` after "a" or "an" as spoken: "an 8-layer", "an 11-layer", "a 10-layer", "an 18-layer"."""
    number = words.split("-")[0]
    spoken_vowel = number.startswith("8") or (number.isdigit() and len(number) % 3 == 2 and number[:2] in ("11", "18"))
    return f"{'an' if spoken_vowel else 'a'} {words}"


def window(start: float, end: float) -> Callable[[float], float]:
    """A rate function that rises smoothly from 0 to 1 between ``start`` and ``end`` of an animation."""
    return lambda t: smooth(float(np.clip((t - start) / max(end - start, 1e-9), 0.0, 1.0)))


def layer_by_layer(count: int) -> Callable[[float], float]:
    """A rate function crossing ``count`` layers, easing in and out at every one (``smooth`` per layer)."""

    def rate(t: float) -> float:
        done = min(int(t * count), count - 1)
        return (done + smooth(t * count - done)) / count

    return rate


def crossfade_times(run_time: float) -> tuple[float, float]:
    """When, as fractions of an animation of ``run_time``, the old caption has faded out (0.3 s) and the new one
    has faded in (0.5 s later)."""
    return min(0.3 / run_time, 0.4), min(0.8 / run_time, 1.0)


def crossfade(old: Mobject | None, new: Mobject, *, run_time: float) -> list:
    """Animations replacing ``old`` (or nothing) by ``new`` in the same place within an animation of
    ``run_time``: the old one fades out in the first 0.3 s, then the new one fades in, so they never overlap."""
    out_end, in_end = crossfade_times(run_time)
    animations: list[Animation] = [FadeIn(new, rate_func=window(out_end, in_end))]
    if old is not None:
        animations.append(FadeOut(old, rate_func=window(0.0, out_end)))
    return animations


def _frames_in(movie: str) -> int:
    """Frames of a (cached) partial movie file."""
    import av

    with av.open(movie) as container:
        stream = container.streams.video[0]
        return stream.frames or sum(1 for _ in container.decode(stream))


class Subtitled(Scene):
    """Mix into a ``Scene`` (before it): logs the frames every play puts into the movie, and after rendering
    writes the captions' cues (``open_cue`` / ``close_cue``) as ``<video>.vtt`` and ``<video>.srt``
    (``subtitle_files``); see ``subtitles`` for the timing rule."""

    subtitle_files: tuple[Path, Path] | None = None

    def __init__(self, *args, **kwargs):
        encoding.install()  # the encoder thread copies frames instead of PyAV's slow from_ndarray
        super().__init__(*args, **kwargs)
        self.subtitles = PlayLog(fps=config.frame_rate)
        self.clock = 0.0  # the story's time: every play's run time, skipped or not

    def next_play(self, fraction: float = 0.0) -> tuple[int, float]:
        """A point ``fraction`` of the way through the next play."""
        return len(self.subtitles.frames), fraction

    def play(self, *animations, **kwargs):
        renderer = self.renderer
        files = getattr(renderer.file_writer, "partial_movie_files", [])
        time, count = renderer.time, len(files)
        super().play(*animations, **kwargs)
        if not renderer.skip_animations:
            frames = round((renderer.time - time) * config.frame_rate)
        elif len(files) > count and files[-1] is not None:  # reused from Manim's cache: its frames are in
            frames = _frames_in(files[-1])
        else:  # skipped (``-n``): nothing in the movie
            frames = 0
        self.subtitles.add_play(frames)
        self.clock += self.duration

    def render(self, *args, **kwargs):
        try:
            result = super().render(*args, **kwargs)
        except RiemannNNError as error:  # a bad RIEMANN_NN_* variable read in setup: one line, as scene_run's
            raise SystemExit(f"riemann-nn: {' '.join(str(error).splitlines())}") from None
        try:
            movie = Path(self.renderer.file_writer.movie_file_path)
        except (AttributeError, TypeError):  # no video planned (a still)
            return result
        if movie.is_file():
            self.subtitle_files = write_subtitles(self.subtitles.cues(), movie)
        return result


class PanelCaptions(Subtitled):
    """Mix into a ``Scene`` (before it): ``caption_to`` swaps the beat's caption inside an animation (and
    records it as a subtitle cue), and ``play`` keeps the caption and other static mobjects at the back
    afterwards, where Manim draws them once per animation instead of once per frame.

    Class attributes place the caption: ``caption_anchor`` (x, y) is where its ``caption_edge`` goes
    (default: the top-left corner under the side panel's layer counter).
    """

    caption = None
    caption_anchor = (PANEL_LEFT, 0.6)
    caption_edge = (-1, 1, 0)
    caption_font_size = 22

    def panel_mobjects(self) -> list:
        """Mobjects to keep behind the moving ones after every ``play``."""
        return [self.caption] if self.caption is not None else []

    def play(self, *animations, **kwargs):
        super().play(*animations, **kwargs)
        static = [mobject for mobject in self.panel_mobjects() if mobject in self.mobjects]
        if static:
            self.bring_to_back(*static)

    def caption_to(self, text: str, theme: Theme, *, run_time: float) -> list:
        """Animations replacing the caption within the next play, of ``run_time`` (see ``crossfade``)."""
        new = caption(text, theme, font_size=self.caption_font_size)
        new.move_to((*self.caption_anchor, 0), aligned_edge=np.array(self.caption_edge, float))
        old, self.caption = self.caption, new
        out_end, _ = crossfade_times(run_time)
        self.subtitles.close_cue(self.next_play(out_end))
        self.subtitles.open_cue(text, self.next_play(out_end))
        return crossfade(old, new, run_time=run_time)


class LayerStory(Subtitled):
    """A scene told in beats over one Run's layer view; see the module for the verbs.

    Class attributes (variants change these only): ``default_preset``, ``geometry`` (preset geometry overrides),
    ``question`` (the title card's; None for ``default_question``), ``style`` (the view's ``ViewStyle``),
    ``seconds_per_layer`` (a sweep's pace; staged c0 paths take ``staged_factor`` times longer),
    ``caption_font_size``, ``title_seconds`` (the card's time on screen, fades included), and where captions go:
    ``caption_corner`` (x, y), the point of the caption's box at ``caption_edge`` (the top-left corner by default),
    ``caption_width`` (lines are flowed to it), both None for the layout's panel; ``present_top`` (None, or the
    highest a presented block may start, leaving room for longer captions after the one it comes with: a caption
    that would reach the block shrinks).

    Hooks for stories over another stage (several panels, slides): ``load_run()`` (the Run of ``self.view``),
    ``make_view()``, ``make_legend()``, ``title_lines()`` (the card's lines under the question) and
    ``stage_mobjects()`` (what fades in after the card).
    """

    default_preset = DEFAULT_PRESET
    geometry: dict | None = None
    question: str | None = None
    style = ViewStyle()
    seconds_per_layer = 0.9
    staged_factor = 1.6
    caption_font_size = 22
    title_seconds = 3.0
    caption_corner: tuple[float, float] | None = None  # None: the layout's panel, under the counter
    caption_edge = UP + LEFT
    caption_width: float | None = None  # None: the layout's panel width
    present_top: float | None = None

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("camera_class", PathCamera)  # Manim's Cairo camera with a faster path loop, same pixels
        super().__init__(*args, **kwargs)

    def setup(self):
        super().setup()
        self.theme = current_theme()
        self.camera.background_color = self.theme.background  # type: ignore[union-attr]  # Cairo camera
        self.run = self.load_run()
        self.depth = self.run.depth
        self.layout = StageLayout.for_frame(config.frame_width, config.frame_height)  # --aspect
        self.view = self.make_view()
        layout = self.layout
        self.header = run_header(self.run, self.theme, layout=layout)
        self.diagram = NetworkDiagram(
            self.view, anchor=(layout.panel_left, layout.diagram_top), width=layout.panel_width, height=0.36
        )
        self.counter = LayerCounter(
            self.view,
            anchor=(layout.panel_left, layout.counter_y),
            font_size=28,
            stage_anchor=(layout.panel_left + layout.panel_width, layout.counter_y),
        )
        self.legend = self.make_legend()
        self.caption: Mobject | None = None
        self.caption_text = ""
        self.presented: Mobject | None = None  # what ``present`` put under the caption
        self.read_until = 0.0  # the story's time until which the caption must stay

    def load_run(self) -> Run:
        """The Run of the story's view (override to load several, e.g. one per panel): ``scene_run``."""
        return scene_run(self.default_preset, geometry=self.geometry)

    def make_view(self) -> LayerView:
        """The layer view of the story (override to draw another field, e.g. with a glyph source)."""
        return LayerView(
            self.run, theme=self.theme, method=scene_path_method(self.run), style=self.style, region=self.layout.plot
        )

    def make_legend(self) -> StoryLegend:
        """The panel's legend (override for other data rows, e.g. a colour key)."""
        return StoryLegend(
            self.theme,
            dashed=self.view.draws_dashes(),
            unbounded=bool(unbounded_sites(self.run).any()),
            classes=self.run.class_names,
            layout=self.layout,
        )

    @property
    def staged(self) -> bool:
        return self.view.motion.method == "staged"

    # -- playing ------------------------------------------------------------------------------------------
    def play(self, *animations, **kwargs):
        """Play, then keep everything without updaters at the back: mobjects before the first moving one are
        drawn once per animation instead of once per frame."""
        super().play(*animations, **kwargs)
        self.bring_to_back(*[m for m in self.mobjects if not m.get_family_updaters()])

    def hold(self, seconds: float = 1.0) -> None:
        """A still: nothing moves, so Manim draws the frame once. Shorter than a frame: nothing."""
        if seconds >= 1 / config.frame_rate:
            self.wait(seconds, frozen_frame=True)

    def read(self) -> None:
        """Hold until the caption has been fully visible for its reading time."""
        self.hold(self.read_until - self.clock)

    def tear_down(self):
        # The last caption is read to the end too, unless a chunk render (``-n``) stopped before: nothing to play.
        with contextlib.suppress(EndSceneEarlyException):
            self.read()
        super().tear_down()

    # -- captions ----------------------------------------------------------------------------------------
    def caption_animations(self, text: str, *, run_time: float) -> list:
        """Animations for the next play (of ``run_time``): the caption becomes ``text``. Holds first if the
        old caption has not been read yet; records the subtitle cue."""
        self.read()
        corner = self.caption_corner or (self.layout.panel_left, self.layout.caption_top)
        new = caption(
            text, self.theme, font_size=self.caption_font_size, width=self.caption_width or self.layout.panel_width
        )
        if self.presented is not None:  # a block sits under the caption: the caption must end above it
            room = corner[1] - self.presented.get_top()[1] - 0.25
            if new.height > room:
                new.scale_to_fit_height(room)
        new.move_to((*corner, 0), aligned_edge=self.caption_edge)
        out_end, in_end = crossfade_times(run_time)
        self.subtitles.close_cue(self.next_play(out_end))
        self.subtitles.open_cue(text, self.next_play(out_end))
        self.read_until = self.clock + in_end * run_time + reading_seconds(text)
        old, self.caption, self.caption_text = self.caption, new, text
        return crossfade(old, new, run_time=run_time)

    def say(self, text: str, *animations, run_time: float = 0.9) -> None:
        """The caption becomes ``text``, with ``animations`` playing alongside."""
        self.play(*self.caption_animations(text, run_time=run_time), *animations, run_time=run_time)

    def close(self, text: str, *done: Mobject) -> None:
        """The last caption, held until read and then one second more; ``done`` (e.g. a presented formula, once
        read) fade out first, with the caption that led into them."""
        self.read()
        if self.presented in done:  # leaving: the caption may use its room
            self.presented = None
        if done:  # first gone, so that the longer last caption never fades in over them
            self.play(*[FadeOut(m) for m in done], *self.caption_leaving(0.6), run_time=0.6)
        self.say(text)
        self.read()
        self.hold(1.0)  # the last picture stays a moment after its words are read, before the video ends

    def caption_leaving(self, run_time: float) -> list:
        """The caption fading out in the first 0.3 s of the next play (of ``run_time``), its cue ending there: a
        caption about what leaves ("... the metric g:") must not stay over the empty place."""
        if self.caption is None:
            return []
        out_end = crossfade_times(run_time)[0]
        self.subtitles.close_cue(self.next_play(out_end))
        old, self.caption = self.caption, None
        return [FadeOut(old, rate_func=window(0.0, out_end))]

    # -- the stage -----------------------------------------------------------------------------------------
    def title_card(self, question: str | None = None) -> None:
        """The question and the run in words, full screen, for ``title_seconds`` or the question's reading time if
        longer (its cue, the question, is the subtitle: the run's line is a title); then the stage fades in."""
        question = question or self.question or default_question(self.run)
        words, facts = self.title_lines()
        card = title_block(question, [words, facts], self.theme, width=self.layout.card_width)
        self.subtitles.open_cue(question, self.next_play(0.0))
        self.play(FadeIn(card, shift=0.15 * UP), run_time=0.8)
        self.hold(max(self.title_seconds - 0.8 - 0.4, reading_seconds(question)))
        stage = self.stage_mobjects()
        self.subtitles.close_cue(self.next_play(0.35))
        self.play(
            FadeOut(card, rate_func=window(0.0, 0.35)),
            *[FadeIn(m, rate_func=window(0.15, 0.9)) for m in stage],
            run_time=1.2,
        )

    def title_lines(self) -> tuple[str, str]:
        """The title card's lines under the question: the run in words, and its name and training accuracy."""
        return run_in_words(self.run), f"{self.run.name}  \u00b7  {accuracy_in_words(self.run, digits=0)}"

    def stage_mobjects(self) -> list[Mobject]:
        """What fades in as the title card goes: the panel's header, diagram, counter, the legend's data rows, the
        view."""
        return [self.header, self.diagram, self.counter, self.legend.data, self.view]

    def show(self, *mobjects: Mobject, caption: str | None = None, run_time: float = 1.0) -> None:
        """Fade ``mobjects`` in (with a new caption), once the caption on screen has been read."""
        self.read()
        captions = self.caption_animations(caption, run_time=run_time) if caption else []
        self.play(*[FadeIn(m) for m in mobjects], *captions, run_time=run_time)

    def hide(self, *mobjects: Mobject, caption: str | None = None, run_time: float = 0.8) -> None:
        """Fade ``mobjects`` out (with a new caption), once the caption on screen, which may be about them,
        has been read."""
        self.read()
        if self.presented in mobjects:  # leaving: the caption may use its room
            self.presented = None
        captions = self.caption_animations(caption, run_time=run_time) if caption else []
        self.play(*[FadeOut(m) for m in mobjects], *captions, run_time=run_time)

    def present(self, block: Mobject, *, caption: str | None = None, run_time: float = 1.0) -> Mobject:
        """Fade ``block`` (a formula, a table) into the panel under the caption (and ``caption`` in first),
        scaled down if it would reach the legend."""
        self.read()
        captions = self.caption_animations(caption, run_time=run_time) if caption else []
        top = self.caption.get_bottom()[1] - 0.3 if self.caption is not None else self.layout.caption_top
        if self.present_top is not None:
            top = min(top, self.present_top)
        room = top - (self.legend.get_top()[1] + 0.25)
        if block.height > room:
            block.scale_to_fit_height(room)
        if block.width > self.layout.panel_width:
            block.scale_to_fit_width(self.layout.panel_width)
        block.move_to((self.layout.panel_left, top, 0), aligned_edge=UP + LEFT)
        self.presented = block
        self.play(FadeIn(block, shift=0.15 * UP), *captions, run_time=run_time)
        return block

    def sweep(
        self,
        to_layer: int,
        seconds: float | None = None,
        *,
        caption: str | None = None,
        holds: dict[int, float] | None = None,
        view: LayerView | None = None,
    ) -> None:
        """Move the view (or another ``view``) from its layer to ``to_layer``, easing in and out at every layer,
        stopping ``holds[l]`` seconds on layer ``l``; ``caption`` fades in as the motion starts."""
        view = view or self.view
        here = round(view.time.get_value())
        step = 1 if to_layer > here else -1
        count = abs(to_layer - here)
        if not count:  # already there: the caption still comes
            if caption:
                self.say(caption)
            return
        pace = self.seconds_per_layer * (self.staged_factor if view.motion.method == "staged" else 1.0)
        per_layer = seconds / count if seconds else pace
        stops = [layer for layer in range(here + step, to_layer, step) if holds and layer in holds] + [to_layer]
        start = here
        for index, stop in enumerate(stops):
            run_time = per_layer * abs(stop - start)
            captions = self.caption_animations(caption, run_time=run_time) if caption and index == 0 else []
            move = view.time.animate(rate_func=layer_by_layer(abs(stop - start)))  # type: ignore[operator]
            self.play(move.set_value(stop), *captions, run_time=run_time)
            if holds and stop in holds:
                self.hold(holds[stop])
            start = stop

    def half_planes(self, caption: str | None = None) -> VGroup:
        """The head's half-planes and line over the last layer (the view must be there), the head lit."""
        # The caption first: reading the old one may hold still, and the planes must not be there meanwhile.
        captions = self.caption_animations(caption, run_time=1.2) if caption else []
        planes = DecisionHalfPlanes(self.run.head_weight, float(self.run.head_bias), self.view.framing, self.theme)
        self.add(planes)
        self.bring_to_back(planes)
        self.play(FadeIn(planes), self.diagram.head.animate.set_value(1.0), *captions, run_time=1.2)
        return planes

    def grow_field(self, caption: str | None = None, *, run_time: float = 2.0) -> None:
        """Frame every glyph site (the first half), then grow the glyph field (the second)."""
        captions = self.caption_animations(caption, run_time=run_time) if caption else []
        frame = self.view.fit_sites.animate(rate_func=window(0.0, 0.45))  # type: ignore[operator]
        grow = self.view.glyph_size.animate(rate_func=window(0.5, 1.0))  # type: ignore[operator]
        self.play(
            frame.set_value(1.0),
            grow.set_value(1.0),
            *[FadeIn(row, rate_func=window(0.5, 1.0)) for row in self.legend.glyph_rows],
            *captions,
            run_time=run_time,
        )


def run_header(run: Run, theme: Theme, *, layout: StageLayout = DESIGN_LAYOUT) -> VGroup:
    """The side panel's top: the data set in words (bold) and the network, left-aligned at the panel's top-left
    corner (the preset's name and the training accuracy are on the title card)."""
    lines = VGroup(
        label(dataset_in_words(run), theme, font_size=26, bold=True),
        label(f"{network_in_words(run)}  \u00b7  {run.depth} layers", theme, font_size=18, color=theme.muted),
    ).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
    if lines.width > layout.panel_width:
        lines.scale_to_fit_width(layout.panel_width)
    return lines.move_to((layout.panel_left, layout.header_top, 0), aligned_edge=UP + LEFT)


class StoryLegend(VGroup):
    """The legend at the bottom of the panel: the data rows (classes and decision boundary, unless ``data_rows``
    says otherwise) from the start, and above them the glyph rows, shown when the field grows: the glyph, and
    where the view draws them, dashed glyphs and unbounded marks; ``glyph_rows``, when given, are shown instead (a
    scene fades each in with the marks it explains). Rows wider than the panel are scaled to fit."""

    def __init__(
        self,
        theme: Theme,
        *,
        dashed: bool,
        unbounded: bool,
        data_rows: list[VMobject] | None = None,
        font_size: float = 17,
        classes: tuple[str, str] = ("class 0", "class 1"),
        layout: StageLayout = DESIGN_LAYOUT,
        glyph_rows: Sequence[VMobject] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if data_rows is None:
            samples = VGroup(
                *[
                    key_row(class_sample(colour), name, theme, font_size=font_size)
                    for colour, name in zip(theme.classes, classes)
                ]
            ).arrange(buff=0.45)
            data_rows = [samples, key_row(line_sample(theme.boundary), "decision boundary", theme, font_size=font_size)]
        self.unbounded = unbounded
        glyph = key_row(
            glyph_sample(theme.glyph, stroke_width=2.0), "glyph: a circle of the last layer", theme, font_size=font_size
        )
        self.glyph_rows: list[VMobject] = [glyph]
        if dashed:
            self.glyph_rows.append(
                key_row(
                    glyph_sample(theme.glyph, stroke_width=2.0, dashed=True), DASHED_WORDS, theme, font_size=font_size
                )
            )
        if unbounded:
            self.glyph_rows.append(key_row(unbounded_sample(theme), UNBOUNDED_WORDS, theme, font_size=font_size))
        if glyph_rows is not None:
            self.glyph_rows = list(glyph_rows)
        rows = VGroup(*self.glyph_rows, *data_rows).arrange(DOWN, aligned_edge=LEFT, buff=0.16)
        for row in rows:
            if row.width > layout.panel_width:
                row.scale_to_fit_width(layout.panel_width)
        rows.arrange(DOWN, aligned_edge=LEFT, buff=0.16)
        rows.move_to((layout.panel_left, layout.legend_bottom, 0), aligned_edge=DOWN + LEFT)
        self.data = VGroup(*data_rows)
        self.add(*rows)
