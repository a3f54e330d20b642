"""The story base: subtitle timing (by hand, against rendered frames, in chunk renders), reading times, the
network diagram, the worked glyph's site, the legend's promises, and the default video's subtitles."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from manim import DL, UR, FadeIn, FadeOut

from riemann_nn.config import DatasetConfig, GeometryConfig, ModelConfig, RunConfig, TrainConfig
from riemann_nn.export import build_run
from riemann_nn.jobs import RenderJob, render_video
from riemann_nn.jobs.join import VIDEO_CLOCK, parse_subtitles
from riemann_nn.render import LayerView, current_theme
from riemann_nn.render.overlays import NetworkDiagram, WorkedGlyph, worked_site
from riemann_nn.render.story import (
    LayerStory,
    StoryLegend,
    layer_by_layer,
    run_in_words,
    stray_boundary,
    stray_outlines,
    stray_pieces,
    with_article,
)
from riemann_nn.render.subtitles import Cue, PlayLog, reading_seconds, srt_text, vtt_text
from riemann_nn.render.views import ViewStyle
from riemann_nn.run import save_run

from render_support import decode, fade_to, lit_fraction, load_scene_module, mean_change, read_cues, render_scene

THEME = current_theme("dark")
FPS = 5  # the tiny renders'


# -- the cue clock, by hand --------------------------------------------------------------------------------


def test_reading_time_is_two_and_a_half_seconds_or_a_third_of_a_second_per_word():
    assert reading_seconds("Short.") == 2.5
    assert reading_seconds(" ".join(["word"] * 12)) == pytest.approx(3.96)


def test_play_log_maps_points_to_the_frames_in_the_movie():
    """A point (play, fraction) lands at the frames before the play plus that fraction of the play's own; a
    skipped play (no frames) is a point on the movie's clock, so cues inside it vanish and cues across it are
    cut at its place; an open cue runs to the movie's end."""
    log = PlayLog(fps=10)
    for frames in (10, 0, 20, 5):  # play 1 was skipped
        log.add_play(frames)
    log.open_cue("a", (0, 0.5))
    log.close_cue((1, 0.3))  # ends inside the skipped play: at 1.0 s
    log.open_cue("b", (1, 0.5))
    log.close_cue((1, 0.9))  # wholly inside the skipped play: no cue
    log.open_cue("c", (1, 0.9))
    log.close_cue((2, 0.25))
    log.open_cue("d", (3, 0.4))
    assert log.cues() == [Cue(0.5, 1.0, "a"), Cue(1.0, 1.5, "c"), Cue(3.2, 3.5, "d")]


def test_subtitle_files_have_the_standard_clock_and_wrapped_lines():
    cues = [Cue(0.3, 61.25, "Two classes of points.\nThe white curve: the network's decision boundary.")]
    vtt, srt = vtt_text(cues), srt_text(cues)
    assert vtt.startswith(f"WEBVTT - {VIDEO_CLOCK}\n\n1\n00:00:00.300 --> 00:01:01.250\n")
    assert srt.startswith("1\n00:00:00,300 --> 00:01:01,250\n")
    assert all(len(line) <= 42 for line in srt.splitlines())
    assert "Two classes of points. The white curve:" in srt.replace("\n", " ")


def test_subtitle_lines_never_split_a_hyphenated_word():
    """A line break inside "second-order" would make a reader (and a search in the .srt) see two words."""
    words = "Each layer of the C1 network is a second-order step, taken layer-by-layer."
    srt = srt_text([Cue(0.0, 9.0, words)])
    text = srt.split("\n", 2)[2]
    assert " ".join(text.split()) == words
    assert all(not line.endswith("-") for line in text.splitlines())


@pytest.mark.parametrize("count", [1, 3, 10])
def test_layer_by_layer_eases_at_every_layer(count):
    """Monotone from 0 to 1, on a layer at every k / count, with no speed at each of them."""
    rate = layer_by_layer(count)
    t = np.linspace(0.0, 1.0, 2001)
    values = np.array([rate(x) for x in t])
    assert values[0] == 0.0 and values[-1] == pytest.approx(1.0) and (np.diff(values) >= -1e-12).all()
    for k in range(1, count):
        assert rate(k / count) == pytest.approx(k / count)
        assert (rate(k / count + 1e-4) - rate(k / count)) < 1e-5


# -- a tiny story, rendered ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_run_file(tmp_path_factory):
    config = RunConfig(
        name="tiny",
        dataset=DatasetConfig("circles", n=80, noise=0.05, seed=1),
        model=ModelConfig("c1", "tanh", depth=2, init_gain=0.5),
        training=TrainConfig(iterations=40, lr=0.05, weight_decay=0.0, seed=1),
        geometry=GeometryConfig(sites_per_side=4, grid_lines=4, grid_samples=12),
    )
    return save_run(build_run(config, progress=False), tmp_path_factory.mktemp("run") / "tiny.npz")


FIRST = "First caption."
SECOND = "The second caption is a little longer than the first one was."


class TinyStory(LayerStory):
    """say (0.9 s), then a caption with a 1 s sweep, then the close: plays 0 say, 1 hold, 2 sweep, 3 hold,
    4 close, 5 hold."""

    def construct(self):
        self.add(self.view)
        self.say(FIRST)
        self.sweep(1, seconds=1.0, caption=SECOND)
        self.close("Third.")


@pytest.fixture(scope="module")
def tiny_story(tiny_run_file, tmp_path_factory):
    patch = pytest.MonkeyPatch()
    patch.setenv("RIEMANN_NN_RUN", str(tiny_run_file))
    patch.delenv("RIEMANN_NN_PRESET", raising=False)
    try:
        yield render_scene(TinyStory, tmp_path_factory.mktemp("story"))
    finally:
        patch.undo()


def test_subtitles_are_written_beside_the_video_and_timed_to_its_frames(tiny_story):
    """Both files exist beside the MP4; cue times follow the rule within one frame; every cue lasts at least
    its reading time; the first caption is not on screen before its cue and is after its fade."""
    scene, movie, duration = tiny_story
    vtt, srt = movie.with_suffix(".vtt"), movie.with_suffix(".srt")
    assert scene.subtitle_files == (vtt, srt) and vtt.is_file() and srt.is_file()
    cues = read_cues(vtt)
    assert [text for _, _, text in cues] == [FIRST, SECOND, "Third."]
    # By hand: the first caption starts to fade in 0.3 s into its 0.9 s play and is in at 0.8 s; read for 2.5 s,
    # it fades out in the first 0.3 s of the sweep's play, as the second fades in. (Plays take whole frames.)
    frame = 1 / FPS
    assert cues[0][0] == pytest.approx(0.3, abs=frame)
    assert cues[0][1] == pytest.approx(0.8 + 2.5 + 0.3, abs=frame) and cues[1][0] == pytest.approx(cues[0][1])
    assert cues[1][1] == pytest.approx(cues[2][0]) and cues[-1][1] == pytest.approx(duration, abs=frame)
    for start, end, text in cues:
        assert end - start >= reading_seconds(text) - frame, text
    frames = decode(movie)  # (T, 72, 128, 3)
    caption_box = frames[:, 18:34, 91:]  # the panel's caption lines
    background = frames[0, 0, 0]
    lit = lit_fraction(caption_box, background)
    assert lit[0] == 0.0, "no caption before the first cue"
    assert lit[round((cues[0][0] + 0.6) * FPS)] > 0.02, "the first caption is in once its fade is done"


def test_a_chunk_render_gets_cues_relative_to_its_own_video(tiny_story, tiny_run_file, tmp_path, monkeypatch):
    """Rendering plays 2..3 only (``-n 2,3``): the chunk's cues are the full render's, moved back by where the
    chunk starts in it and cut to the chunk."""
    _, full_movie, _ = tiny_story
    full = read_cues(full_movie.with_suffix(".vtt"))
    monkeypatch.setenv("RIEMANN_NN_RUN", str(tiny_run_file))
    scene, movie, _ = render_scene(TinyStory, tmp_path, from_animation_number=2, upto_animation_number=3)
    chunk_length = len(decode(movie)) / FPS
    offset = sum(scene.subtitles.frames[:2]) / FPS  # 0: plays 0 and 1 were skipped
    assert offset == 0.0
    start = sum(tiny_story[0].subtitles.frames[:2]) / FPS  # where play 2 begins in the full video
    expected = [
        (max(s - start, 0.0), min(e - start, chunk_length), text)
        for s, e, text in full
        if e > start and s < start + chunk_length
    ]
    got = read_cues(movie.with_suffix(".vtt"))
    assert [text for *_, text in got] == [text for *_, text in expected]
    for (s, e, _), (es, ee, _) in zip(got, expected):
        assert s == pytest.approx(es, abs=1 / FPS) and e == pytest.approx(ee, abs=1 / FPS)


STORY_SCENE = f"""
from riemann_nn.render.story import LayerStory


class TinyStory(LayerStory):
    def construct(self):
        self.add(self.view)
        self.say({FIRST!r})
        self.sweep(1, seconds=1.0, caption={SECOND!r})
        self.close("Third.")
"""


@pytest.mark.render
def test_chunks_of_a_story_join_into_the_subtitles_of_one_render(tiny_run_file, tmp_path):
    """``riemann-nn render`` in three processes: the chunks' own-clock cues, moved to where each chunk starts
    and made whole where a caption runs across a seam, are the cues of the one-process render."""
    scene = tmp_path / "story.py"
    scene.write_text(STORY_SCENE)
    settings = {"scene_file": scene, "run_file": tiny_run_file, "manim_args": ("-r", "64,36", "--frame_rate", "5")}
    one = render_video(RenderJob(output=tmp_path / "one.mp4", **settings), jobs=1, progress=False)
    three = render_video(RenderJob(output=tmp_path / "three.mp4", **settings), jobs=3, progress=False)
    assert len(three.chunks) == 3
    for suffix in (".vtt", ".srt"):
        whole = parse_subtitles(one.video.with_suffix(suffix).read_text())[1]
        joined = parse_subtitles(three.video.with_suffix(suffix).read_text())[1]
        assert [cue.text for cue in joined] == [cue.text for cue in whole] and len(whole) == 3
        for a, b in zip(joined, whole):
            assert (a.start, a.end) == pytest.approx((b.start, b.end), abs=2e-3)


def test_half_planes_appear_only_after_the_caption_on_screen_is_read(tiny_run_file, tmp_path, monkeypatch):
    """The hold for the old caption's reading time comes before the half-planes are in the scene (they fade in
    with the new caption, not shown at full during the hold and then faded in from nothing)."""
    from manim import tempconfig

    from riemann_nn.render.overlays import DecisionHalfPlanes

    monkeypatch.setenv("RIEMANN_NN_RUN", str(tiny_run_file))
    with tempconfig({"media_dir": str(tmp_path)}):
        scene = LayerStory()
        scene.setup()
    planes_during_holds = []
    monkeypatch.setattr(
        scene,
        "hold",
        lambda seconds=1.0: planes_during_holds.append(any(isinstance(m, DecisionHalfPlanes) for m in scene.mobjects)),
    )
    monkeypatch.setattr(scene, "play", lambda *animations, **kwargs: None)
    scene.read_until = scene.clock + 3.0  # the caption on screen still wants 3 s
    scene.half_planes("The classes, either side of a line.")
    assert planes_during_holds == [False]
    assert any(isinstance(m, DecisionHalfPlanes) for m in scene.mobjects)


# -- the stage's pieces ----------------------------------------------------------------------------------


def with_boundary_piece(run, piece: np.ndarray):
    """A copy of ``run`` whose decision boundary gains ``piece`` (K, 2) as one more polyline, the same in every
    layer."""
    from dataclasses import replace

    boundary = np.concatenate([run.boundary, np.broadcast_to(piece, (run.depth + 1, *piece.shape))], axis=1)
    offsets = np.append(run.boundary_offsets, run.boundary_offsets[-1] + len(piece))
    return replace(run, boundary=boundary, boundary_offsets=offsets)


def test_a_boundary_piece_far_from_the_data_is_stray(c1_run):
    """A copy of the run whose boundary gains a second piece well away from every data point, and one near them."""
    assert not stray_boundary(c1_run) and stray_pieces(c1_run) == []  # the tiny run's boundary runs through its data
    data = c1_run.x[0]
    far = data.max(axis=0) + (data.max(axis=0) - data.min(axis=0))  # a data extent beyond the corner
    for piece, stray in ((np.stack([far, far + 0.1]), True), (np.stack([data[0], data[0] + 0.1]), False)):
        run = with_boundary_piece(c1_run, piece)
        assert stray_boundary(run) == stray
        assert [p.tolist() for p in stray_pieces(run)] == ([piece.tolist()] if stray else [])


def test_stray_outlines_box_the_stray_piece_where_it_shows(c1_run):
    """The glyph site farthest from the data (inside the view when it frames every site) as a stray piece: one box,
    around the piece's place on screen, inside the region; a stray piece out of sight is not boxed."""
    from scipy.spatial import cKDTree

    data, sites = c1_run.x[0], c1_run.sites[0]
    distance = cKDTree(data).query(sites)[0]  # (M,)
    extent = float((data.max(axis=0) - data.min(axis=0)).max())
    assert distance.max() > 0.1 * extent  # the input box has room far from the data
    far = sites[np.argmax(distance)]
    piece = np.stack([far, far + 0.02 * extent * np.sign(-far)])  # (2, 2), pointing inwards
    run = with_boundary_piece(c1_run, piece)
    view = LayerView(run, theme=THEME, fit_sites=1.0)
    outlines = stray_outlines(view, pad=0.1)
    assert len(outlines) == 1
    screen = view.framing_at(0.0).to_screen(piece)  # (2, 2)
    box = outlines[0]
    low, high = box.get_corner(DL)[:2], box.get_corner(UR)[:2]
    region = view.region
    assert np.all(screen >= low - 1e-6) and np.all(screen <= high + 1e-6)
    assert low[0] >= region.left - 1e-6 and low[1] >= region.bottom - 1e-6
    assert high[0] <= region.right + 1e-6 and high[1] <= region.top + 1e-6
    expected = np.clip(
        np.concatenate([screen.min(axis=0) - 0.1, screen.max(axis=0) + 0.1]),
        [region.left, region.bottom] * 2,
        [region.right, region.top] * 2,
    )
    np.testing.assert_allclose(np.concatenate([low, high]), expected, atol=1e-6)
    beyond = data.max(axis=0) + (data.max(axis=0) - data.min(axis=0))  # a data extent beyond the input box
    out_of_sight = with_boundary_piece(c1_run, np.stack([beyond, beyond + 0.1]))
    assert stray_boundary(out_of_sight)
    assert len(stray_outlines(LayerView(out_of_sight, theme=THEME, fit_sites=1.0))) == 0


def test_a_run_whose_boundary_misses_the_input_has_no_stray_piece(c1_run):
    """A network that gives every point one class has no boundary in the box: the default scene raised a
    ValueError (the minimum of an empty piece)."""
    from dataclasses import replace

    nowhere = replace(c1_run, boundary=np.zeros((c1_run.depth + 1, 0, 2)), boundary_offsets=np.zeros(1, np.int64))
    assert not stray_boundary(nowhere)
    assert nowhere.boundary_polylines(0) == []


def test_the_run_in_words_names_data_network_and_width(c1_run):
    words = run_in_words(c1_run)
    assert words.startswith("Two spirals") and "residual (C1) tanh network" in words and "two neurons" in words


def test_network_diagram_lights_the_layer_being_entered(small_run):
    """At rest: that layer's neurons; moving into layer l: the connections into l (either way round); a staged
    c0 path lights the connections for W x, adds the rims for + b, fills the neurons for the activation."""
    view = LayerView(small_run, theme=THEME)
    diagram = NetworkDiagram(view, anchor=[3.0, 3.0])
    assert len(diagram.columns) == small_run.depth + 2 and [len(c) for c in diagram.columns[-2:]] == [2, 1]
    assert diagram.lit(2.0) == ([], [], [2])
    assert diagram.lit(1.0) == ([], [], [1])
    assert diagram.lit(1.5)[0] == [2]
    assert diagram.lit(1.4)[0] == [2]  # coming back from layer 2 towards 1: still the connections between
    if view.motion.method == "staged":
        assert diagram.lit(2.1) == ([3], [], []) and diagram.lit(2.5) == ([3], [3], [])
        assert diagram.lit(2.9) == ([], [3], [3])
    else:
        assert diagram.lit(2.5) == ([3], [3], [])


def test_worked_site_is_a_bounded_long_glyph_inside_the_data(small_run):
    view = LayerView(small_run, theme=THEME)
    site, magnify = worked_site(view, small_run.unbounded)
    assert not small_run.unbounded[:, site].any()
    low, high = small_run.x[0].min(axis=0), small_run.x[0].max(axis=0)
    assert ((small_run.sites[0, site] > low) & (small_run.sites[0, site] < high)).all()
    axes = np.linalg.svd(magnify * view.motion.glyph_maps(0.0)[site], compute_uv=False)
    assert magnify > 0 and axes[0] / axes[1] > 1.5


@pytest.mark.parametrize("magnify", [1.0, 40.0])
def test_worked_glyph_words_stay_inside_the_plot(small_run, magnify):
    """However long the glyph (a needle reaching the border), its two words are drawn wholly inside the plot."""
    view = LayerView(small_run, theme=THEME)
    site, fitted = worked_site(view, small_run.unbounded)
    worked = WorkedGlyph(view, site, magnify=magnify * fitted)
    worked.grow.set_value(1.0)
    worked.arrows.set_value(1.0)
    worked.follow_view(worked)
    points = worked.words.get_points()[:, :2]
    assert len(points) and worked.words.shown == ["squeezed", "stretched"]
    assert view.region.contains(points, margin=-1e-9).all()


def test_worked_glyph_words_fade_out_with_it(small_run):
    """A FadeOut of the worked glyph fades its words and their plates with its outline (Manim runs the glyph's
    updater on the faded copy every frame: the words must not be reset to full and then vanish at once)."""
    view = LayerView(small_run, theme=THEME)
    worked = WorkedGlyph.chosen_for(view)
    worked.grow.set_value(1.0)
    worked.arrows.set_value(1.0)
    worked.follow_view(worked)
    fade_to(FadeOut(worked), 0.5)
    assert worked.outline.get_stroke_opacity() == pytest.approx(0.5)
    assert worked.words.get_fill_opacity() == pytest.approx(0.5)
    assert worked.plates.get_fill_opacity() == pytest.approx(0.85 * 0.5)


def test_view_glyph_fill_fades_with_the_view(small_run):
    """Filled glyphs fade in with their view (the view's updater, run on the faded copy, must not restore their
    fill), and still follow the view's ``glyph_fill`` tracker."""
    view = LayerView(small_run, theme=THEME, style=ViewStyle(glyph_fill=0.4), glyph_size=1.0)
    fade_to(FadeIn(view), 0.5)
    assert view.glyphs.fields[0].get_fill_opacity() == pytest.approx(0.2)
    view.glyph_fill.set_value(0.1)
    view.follow_layer(view)
    assert view.glyphs.fields[0].get_fill_opacity() == pytest.approx(0.1)


def test_legend_promises_only_what_the_view_draws(small_run):
    """The dashed and unbounded rows are there exactly when the view draws such glyphs."""
    view = LayerView(small_run, theme=THEME)
    legend = StoryLegend(THEME, dashed=view.draws_dashes(), unbounded=bool(small_run.unbounded.any()))
    assert len(legend.glyph_rows) == 1 + view.draws_dashes() + bool(small_run.unbounded.any())
    dashed_seen = False
    view.glyph_size.set_value(1.0)
    view.fit_sites.set_value(1.0)
    for layer in range(small_run.depth + 1):
        view.time.set_value(layer)
        view.follow_layer(view)
        dashed_seen |= any(not np.array_equal(p[0], p[-1]) for f in view.glyphs.fields for p in f.get_subpaths())
    assert dashed_seen == view.draws_dashes()


# -- the default video -----------------------------------------------------------------------------------


@pytest.mark.render
def test_default_video_subtitles_are_readable(tiny_run_file, tmp_path, monkeypatch):
    """The default video of a tiny run: at most 75 s; a cue per caption, none overlapping, each at least its
    reading time; no formula written as plain text in a caption."""
    monkeypatch.setenv("RIEMANN_NN_RUN", str(tiny_run_file))
    monkeypatch.delenv("RIEMANN_NN_PRESET", raising=False)
    _, movie, duration = render_scene(load_scene_module("transform").LayerByLayer, tmp_path)
    assert duration <= 75
    cues = read_cues(movie.with_suffix(".vtt"))
    assert len(cues) >= 10
    for (start, end, text), following in zip(cues, [*cues[1:], (duration, duration, "")]):
        assert end - start >= reading_seconds(text) - 1 / FPS, text
        assert end <= following[0] + 1e-6
        assert "J_L" not in text and "^T" not in text and "\u1d40" not in text
    frames = decode(movie)
    assert len(frames) == round(duration * FPS)
    lit = lit_fraction(frames) > 0.005  # (T,)
    assert (lit[2:-2] | lit[3:-1] | lit[4:]).all(), "(nearly) blank for longer than the card's crossfade to the stage"
    assert (mean_change(frames) > 0.05).mean() > 0.3, "the video barely changes"


# -- the stage in frames of every shape (riemann-nn render --aspect) ---------------------------------------


@pytest.mark.parametrize("aspect", ["16:9", "4:3", "1:1", "9:16"])
def test_the_stage_lays_out_for_the_frame_it_gets(aspect, tiny_run_file, monkeypatch):
    """Every part of the stage inside the frame, the panel's parts clear of the plot and of each other, the plot
    at least half the frame's shorter side; at 16:9 exactly the layout the scenes were designed on."""
    from manim import tempconfig

    from riemann_nn.jobs.job import frame_geometry
    from riemann_nn.render.layout import StageLayout

    (pixels_w, pixels_h), (width, height) = frame_geometry("l", aspect)
    monkeypatch.setenv("RIEMANN_NN_RUN", str(tiny_run_file))
    with tempconfig({"frame_width": width, "frame_height": height, "pixel_width": pixels_w, "pixel_height": pixels_h}):
        story = LayerStory()
        story.setup()
        story.say("A caption of some length, to see where its lines go in this frame.")
        layout = story.layout
    assert layout == StageLayout.for_frame(width, height)
    plot = layout.plot
    boxes = {
        name: (mobject.get_corner(np.array([-1, -1, 0]))[:2], mobject.get_corner(np.array([1, 1, 0]))[:2])
        for name, mobject in [
            ("header", story.header),
            ("diagram", story.diagram),
            ("counter", story.counter),
            ("caption", story.caption),
            ("legend", story.legend),
        ]
    }
    boxes["plot"] = (np.array([plot.left, plot.bottom]), np.array([plot.right, plot.top]))
    for name, (low, high) in boxes.items():
        assert (low >= [-width / 2, -height / 2]).all() and (high <= [width / 2, height / 2]).all(), name
    for first, second in itertools.combinations(boxes, 2):  # separated along x or along y
        (low_a, high_a), (low_b, high_b) = boxes[first], boxes[second]
        assert (high_a <= low_b + 1e-6).any() or (high_b <= low_a + 1e-6).any(), f"{first} overlaps {second}"
    assert min(plot.right - plot.left, plot.top - plot.bottom) >= 0.37 * min(width, height)
    if aspect == "16:9":
        assert (plot.left, plot.right, plot.bottom, plot.top) == pytest.approx((-6.25, 2.35, -3.35, 3.65))
        assert (layout.panel_left, layout.panel_width) == pytest.approx((2.95, 3.95))


@pytest.mark.parametrize(
    ("depth", "article"),
    [
        (1, "a"),
        (8, "an"),
        (10, "a"),
        (11, "an"),
        (12, "a"),
        (18, "an"),
        (80, "an"),
        (88, "an"),
        (100, "a"),
        (118, "a"),
        (800, "an"),
        (11000, "an"),
        (1100, "a"),
    ],
)
def test_the_question_says_a_or_an_as_the_number_is_spoken(depth, article):
    assert with_article(f"{depth}-layer") == f"{article} {depth}-layer"


LEAD_IN = "A block follows:"


class ClosingStory(LayerStory):
    """A caption that introduces a presented block, then the close that takes the block away."""

    def construct(self):
        from manim import Square

        self.add(self.view)
        self.present(Square(side_length=0.5, color=self.theme.text), caption=LEAD_IN)
        self.close("The end.", self.presented)


def test_a_caption_leaves_with_the_block_it_introduces(tiny_run_file, tmp_path, monkeypatch):
    """``close`` takes the presented block away and the caption that led into it with it: between the two cues
    the caption's place is dark, so no "...:" stays over an empty panel."""
    monkeypatch.setenv("RIEMANN_NN_RUN", str(tiny_run_file))
    monkeypatch.delenv("RIEMANN_NN_PRESET", raising=False)
    _, movie, _ = render_scene(ClosingStory, tmp_path)
    cues = read_cues(movie.with_suffix(".vtt"))
    assert [text for *_, text in cues] == [LEAD_IN, "The end."]
    (_, lead_end, _), (end_start, _, _) = cues
    assert end_start - lead_end >= 0.5 - 1 / FPS  # the block's 0.6 s play: caption out in 0.3 s, nothing new yet
    frames = decode(movie)  # (T, 72, 128, 3)
    lit = lit_fraction(frames[:, 18:34, 91:], frames[0, 0, 0])  # the panel's caption lines
    assert lit[round((lead_end + end_start) / 2 * FPS)] == 0.0
    assert lit[round((lead_end - 0.6) * FPS)] > 0.02
