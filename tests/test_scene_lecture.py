"""The lecture (scenes/lecture.py on riemann_nn.render.lecture): tiny real renders as a plain Scene and as
manim-slides slides (its captions the speaker notes), without LaTeX, the offline HTML in headless Chromium where
it is installed, and scripts/slides.py's choice of the lecture's run."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from manim import DL, LEFT, UP, UR

from riemann_nn.render.colour import current_theme
from riemann_nn.render.lecture import (
    BOTTOM_CAPTION,
    EDGE,
    KEY_CENTRE,
    KEY_SCALE,
    ROWS_Y,
    SCHEME_PRESETS,
    SCHEME_TEXTS,
    LectureStory,
    SchemeRow,
    change_formula,
    chart_formulas,
    euclid_formula,
    layer_map,
    pullback_formula,
    scheme_block,
    slide_heading,
)
from riemann_nn.render.story import PANEL_WIDTH
from riemann_nn.render.subtitles import reading_seconds
from riemann_nn.run import save_run

from conftest import _small_run  # tiny c0 / c1 / c2 runs, built once per session
from render_support import decode, read_cues, smallest_letter_pixels

ROOT = Path(__file__).resolve().parent.parent
SLIDES = ("title", "c0", "c1", "c2", "coordinates", "pullback", "chart", "summary")
FPS = 5


def load_lecture_module(monkeypatch, *, slides: bool):
    """riemann_nn/scenes/lecture.py, freshly imported; with ``slides=False`` as if manim-slides were not
    installed."""
    if not slides:
        monkeypatch.setitem(sys.modules, "manim_slides", None)  # makes ``import manim_slides`` fail
    spec = importlib.util.spec_from_file_location("scene_lecture", ROOT / "riemann_nn" / "scenes" / "lecture.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tiny_lecture(module):
    """The lecture over tiny runs (the rows' presets become the session's small runs), recording at every new
    slide where each scheme row's network is."""

    class TinyLecture(module.Lecture):
        skip_reversing = True  # manim-slides only: no reversed copies of the slide videos
        scheme_presets: ClassVar[dict] = {"c0": "c0", "c1": "c1", "c2": "c2"}

        def setup(self):
            super().setup()
            self.rows, self.at_slides = [], []

        def preset_run(self, name):
            return _small_run(name)

        def scheme_row(self, scheme, row):
            shown = super().scheme_row(scheme, row)
            self.rows.append(shown)
            return shown

        def slide(self, **kwargs):
            self.at_slides.append([(r.view.time.get_value(), r.view.run.depth) for r in self.rows])
            super().slide(**kwargs)

    return TinyLecture


@pytest.fixture(scope="module")
def example_file(tmp_path_factory):
    """The lecture's example: a tiny c1 run on spirals, as a Run file (RIEMANN_NN_RUN)."""
    return save_run(_small_run("c1"), tmp_path_factory.mktemp("example") / "example.npz")


@pytest.fixture(scope="module")
def tex_dir(tmp_path_factory):
    """One LaTeX cache for the module's renders, so each formula is typeset once."""
    return tmp_path_factory.mktemp("tex")


def render(scene_class, media_dir: Path, tex_dir: Path, example: Path, **settings):
    from manim import tempconfig

    config = {
        "pixel_width": 128,
        "pixel_height": 72,
        "frame_rate": FPS,
        "media_dir": str(media_dir),
        "tex_dir": str(tex_dir),
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "WARNING",
        **settings,
    }
    with pytest.MonkeyPatch.context() as patch, tempconfig(config):
        patch.setenv("RIEMANN_NN_RUN", str(example))
        patch.delenv("RIEMANN_NN_PRESET", raising=False)
        scene = scene_class()
        scene.render()
        return scene, Path(scene.renderer.file_writer.movie_file_path), scene.renderer.time


def background_of(theme) -> np.ndarray:
    return np.array([int(theme.background[i : i + 2], 16) for i in (1, 3, 5)])


def lit(frames: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Per frame, the fraction of pixels that differ clearly from the background: (T,)."""
    return (np.abs(frames.astype(int) - background).max(axis=-1) > 40).mean(axis=(-2, -1))


def note_pixels(frame: np.ndarray) -> int:
    """Reddish pixels (the no-LaTeX note is in the theme's red) in the bottom left quarter of a frame, where the
    title slide has only text in grey and white."""
    corner = frame[frame.shape[0] // 2 :, : frame.shape[1] // 2].astype(int)  # (H/2, W/2, 3)
    return int(((corner[..., 0] - corner[..., 1] > 25) & (corner[..., 0] - corner[..., 2] > 15)).sum())


@pytest.mark.parametrize("slides", [False, True], ids=["plain", "manim-slides"])
def test_lecture_file_holds_exactly_one_scene(monkeypatch, slides):
    """``manim scenes/lecture.py`` needs no scene name: one Scene class, whichever base it has, on a class line
    that tools scanning for ``class X(...Scene|Slide)`` find."""
    from manim import Scene
    from manim.utils.module_ops import get_scene_classes_from_module

    if slides:
        pytest.importorskip("manim_slides")
    module = load_lecture_module(monkeypatch, slides=slides)
    assert [cls.__name__ for cls in get_scene_classes_from_module(module)] == ["Lecture"]
    assert issubclass(module.Lecture, Scene) and module.Lecture.is_slide is slides
    source = (ROOT / "riemann_nn" / "scenes" / "lecture.py").read_text()
    assert len(re.findall(r"^class [A-Za-z_0-9]+\(.*(Scene|Slide)\)", source, flags=re.MULTILINE)) == 1


def test_formula_letters_are_legible_at_480p():
    """Every formula block as the lecture places it (a row's text at its width, the panel's blocks fitted to the
    panel): no letter under 7 pixels at 480p."""
    theme = current_theme("dark")
    blocks = [scheme_block(text, theme, width=EDGE + 0.05 - 0.3) for text in SCHEME_TEXTS.values()]
    blocks.append(layer_map(theme))
    for block in (change_formula(theme), euclid_formula(theme), pullback_formula(theme), chart_formulas(theme)):
        blocks.append(block.scale_to_fit_width(PANEL_WIDTH) if block.width > PANEL_WIDTH else block)
    assert min(smallest_letter_pixels(block) for block in blocks) >= 7.0


def test_the_schemes_slide_keeps_heading_rows_and_caption_apart():
    """The schemes' slide as the lecture lays it out: the heading, the layer map and its symbols at the top right,
    the three rows (each with its text, view, diagram, counter and words) and the longest row caption at the
    bottom: no two of these boxes overlap, and all stay inside the frame."""
    from manim import config

    from riemann_nn.render.text import caption

    theme = current_theme("dark")
    heading = slide_heading("Three schemes: finite differences", theme, layer_map(theme))
    title, (formula_line, symbols) = heading[0], heading[1]
    rows = [
        SchemeRow(_small_run(scheme), SCHEME_TEXTS[scheme], theme, centre_y=y)
        for scheme, y in zip(("c0", "c1", "c2"), ROWS_Y)
    ]
    longest = max((text.caption for text in SCHEME_TEXTS.values()), key=len)
    words = caption(longest, theme, font_size=LectureStory.caption_font_size, width=2 * EDGE)
    words.move_to((*BOTTOM_CAPTION, 0), aligned_edge=UP + LEFT)
    parts = [title, formula_line, symbols, *rows, words]
    boxes = np.array([[*part.get_corner(DL)[:2], *part.get_corner(UR)[:2]] for part in parts])  # (P, 4)
    for i in range(len(parts)):
        for j in range(i + 1, len(parts)):
            apart = (
                boxes[i, 2] <= boxes[j, 0]
                or boxes[j, 2] <= boxes[i, 0]
                or boxes[i, 3] <= boxes[j, 1]
                or boxes[j, 3] <= boxes[i, 1]
            )
            assert apart, f"parts {i} and {j} overlap"
    half_width, half_height = config.frame_width / 2, config.frame_height / 2
    assert (np.abs(boxes[:, [0, 2]]) <= half_width).all() and (np.abs(boxes[:, [1, 3]]) <= half_height).all()


def test_the_layer_map_first_fills_the_middle_of_its_empty_slide():
    """Before the rows come, the layer map is shown large in the middle of the schemes' slide: between the heading
    and the caption (0.3 clear of each), across at least half the frame, its centre at the frame's centre line; its
    letters then larger than at its place beside the heading."""
    from manim import config

    from riemann_nn.render.text import caption

    theme = current_theme("dark")
    key = layer_map(theme)
    title = slide_heading("Three schemes: finite differences", theme, key)[0]
    beside = key.height
    key.scale(KEY_SCALE).move_to((*KEY_CENTRE, 0))
    words = caption(
        "Three ways to step from one layer to the next, all built on one layer map f.",
        theme,
        font_size=LectureStory.caption_font_size,
        width=2 * EDGE,
    ).move_to((*BOTTOM_CAPTION, 0), aligned_edge=UP + LEFT)
    assert title.get_bottom()[1] - 0.3 >= key.get_top()[1] and key.get_bottom()[1] >= words.get_top()[1] + 0.3
    assert key.width >= config.frame_width / 2 and abs(key.get_center()[0]) < 1e-9
    assert key.get_left()[0] >= -EDGE and key.get_right()[0] <= EDGE
    assert key.height > 1.5 * beside


@pytest.mark.render
def test_lecture_renders_as_a_plain_scene(monkeypatch, tmp_path, tex_dir, example_file):
    """Without manim-slides the lecture is a plain Scene: lit from the first frame (the title is there at once),
    its captions written as subtitles, each read for its reading time, the example run shown, and every row's
    network at its last layer whenever the slide changes."""
    module = load_lecture_module(monkeypatch, slides=False)
    assert module.Lecture.is_slide is False
    scene, movie, duration = render(tiny_lecture(module), tmp_path, tex_dir, example_file)
    frames = decode(movie)  # (T, 72, 128, 3)
    assert len(frames) == round(duration * FPS) and 60 <= duration <= 180
    background = background_of(current_theme())
    shown = lit(frames, background)
    assert shown[0] > 0.02, "the first frame should already show the title"
    assert (shown > 0.005).mean() > 0.9, "too many (nearly) blank frames"
    cues = read_cues(movie.with_suffix(".vtt"))
    assert cues[0][2] == "What does a deep network with two neurons per layer do to the plane of its data?"
    assert len(cues) >= 15
    for (start, end, text), following in zip(cues, [*cues[1:], (duration, duration, "")]):
        assert end - start >= reading_seconds(text) - 1 / FPS, text
        assert end <= following[0] + 1e-6
    assert scene.run.name == "small-c1" and [r.view.run.scheme for r in scene.rows] == ["c0", "c1", "c2"]
    assert scene.rows[1].view.run is scene.run, "the example takes the row of its scheme"
    for rows in scene.at_slides:
        assert all(time == depth for time, depth in rows), "a row left before its network reached the last layer"
    assert len(scene.at_slides[-1]) == 3
    from riemann_nn.render import text

    if text.has_latex():
        assert note_pixels(frames[0]) == 0, "the no-LaTeX note appears although LaTeX is installed"


@pytest.mark.render
def test_lecture_without_latex_says_so_and_draws_plain_text(monkeypatch, tmp_path, tex_dir, example_file):
    """With no LaTeX no MathTex is built (every formula block of the lecture falls back to text) and the title
    slide carries the note (in the theme's red, bottom left)."""
    from riemann_nn.render import text

    def no_tex(*args, **kwargs):
        raise AssertionError("MathTex built although LaTeX is missing")

    monkeypatch.setattr(text, "has_latex", lambda: False)
    monkeypatch.setattr(text, "MathTex", no_tex)
    theme = current_theme()
    for block in [scheme_block(t, theme, width=6) for t in SCHEME_TEXTS.values()] + [
        layer_map(theme),
        change_formula(theme),
        euclid_formula(theme),
        pullback_formula(theme),
        chart_formulas(theme),
    ]:
        assert len(block.family_members_with_points()) > 0
    module = load_lecture_module(monkeypatch, slides=False)
    _, movie, _ = render(
        tiny_lecture(module),
        tmp_path,
        tex_dir,
        example_file,
        upto_animation_number=1,
        pixel_width=320,
        pixel_height=180,
    )  # the title slide only, large enough to see the note
    first = decode(movie)[0]
    assert note_pixels(first) >= 10, "no 'LaTeX not installed' note on the title slide"


@pytest.fixture(scope="module")
def slide_render(tmp_path_factory, tex_dir, example_file):
    """The tiny lecture rendered as manim-slides slides (skipped without manim-slides)."""
    pytest.importorskip("manim_slides")
    with pytest.MonkeyPatch.context() as monkeypatch:
        module = load_lecture_module(monkeypatch, slides=True)
        media = tmp_path_factory.mktemp("slides-media")
        _, movie, duration = render(tiny_lecture(module), media, tex_dir, example_file)
    return media, movie, duration


@pytest.mark.render
def test_lecture_slides_have_its_captions_as_speaker_notes(slide_render):
    """With manim-slides: one slide per beat, whose videos add up to the MP4; every subtitle cue's caption is in
    the notes of the slide playing when it appears."""
    media, movie, duration = slide_render
    presentation = json.loads((media / "slides" / "TinyLecture.json").read_text())
    slides = presentation["slides"]
    assert len(slides) == len(SLIDES) and presentation["resolution"] == [128, 72]
    frames = [len(decode(Path(slide["file"]))) for slide in slides]
    assert sum(frames) == len(decode(movie)) == round(duration * FPS)
    starts = np.concatenate([[0], np.cumsum(frames)]) / FPS  # (S+1,) each slide's start on the movie's clock
    for start, _, text in read_cues(movie.with_suffix(".vtt")):
        playing = int(np.searchsorted(starts, start + 1e-6)) - 1
        assert text in " ".join(slides[playing]["notes"].split()), (text, playing)
    assert "Euler" in slides[SLIDES.index("c1")]["notes"] and "definition" in slides[SLIDES.index("chart")]["notes"]


@pytest.mark.render
def test_slides_html_opens_offline_in_chromium(slide_render, tmp_path):
    """scripts/slides.py's conversion gives one HTML file with every video inlined; headless Chromium shows
    the first slide (skipped without chromium, or without reveal.js to inline)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed")
    script = load_slides_script()
    _, cache, paths = script.revealjs_assets()
    if not all((cache / Path(p).name).is_file() for p in paths):
        pytest.skip("reveal.js is not in manim-slides' cache (scripts/slides.py fills it)")
    media, movie, _ = slide_render
    html = script.convert(
        tmp_path / "lecture.html", background=current_theme().background, folder=media / "slides", scene="TinyLecture"
    )
    text = html.read_text()
    assert text.count("data:video/mp4;base64,") == len(SLIDES)
    assert not re.search(r"(src|href)=\"https?://", text), "the page still loads something from the network"
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--screenshot={shot}",
            "--window-size=1280,720",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    from PIL import Image

    # The page fills the window with the first slide's video; scaled back to the render's size, what is drawn
    # on it is where the title frame has its title and picture (the title slide holds still).
    page = np.asarray(Image.open(shot).convert("RGB").resize((128, 72), Image.BOX))  # (72, 128, 3)
    background = background_of(current_theme())
    drawn = np.abs(page.astype(int) - background).max(axis=-1) > 40  # (72, 128)
    title = np.abs(decode(movie)[0].astype(int) - background).max(axis=-1) > 40
    overlap = (drawn & title).sum() / (drawn | title).sum()
    assert drawn.mean() > 0.02, "the page is (nearly) blank"
    assert overlap > 0.5, f"the page does not show the title slide (overlap {overlap:.2f})"


def load_slides_script():
    spec = importlib.util.spec_from_file_location("slides_script", ROOT / "scripts" / "slides.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_slides_script_tells_the_lecture_on_a_chosen_run(example_file, tmp_path, monkeypatch):
    """--run / --preset (else the environment) choose the lecture's example for the render, and name the page;
    both at once, a broken file or an unknown preset end with one line before anything renders."""
    script = load_slides_script()
    monkeypatch.delenv("RIEMANN_NN_RUN", raising=False)
    monkeypatch.setenv("RIEMANN_NN_PRESET", "seed-spirals")
    env = script.example_environment(example_file, None)
    assert env["RIEMANN_NN_RUN"] == str(example_file.resolve()) and "RIEMANN_NN_PRESET" not in env
    assert script.example_environment(None, "moons-c1-tanh")["RIEMANN_NN_PRESET"] == "moons-c1-tanh"
    assert script.check_example(example_file, None) == "example" and script.check_example(None, None) is None
    assert script.default_output("example") == ROOT / "media" / "slides" / "lecture-example.html"
    assert script.default_output(None) == ROOT / "media" / "slides" / "lecture.html"
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a run")
    for run_file, preset, message in (
        (example_file, "seed-spirals", "not both"),
        (bad, None, "bad.npz"),
        (None, "no-such-preset", "no-such-preset"),
    ):
        with pytest.raises(script.BuildError, match=message):
            script.check_example(run_file, preset)
    rendered = []
    monkeypatch.setattr(script, "render", lambda *args, **kwargs: rendered.append(kwargs))
    assert script.main(["--preset", "no-such-preset", "--output", str(tmp_path / "x.html")]) == 2
    assert rendered == [] and not (tmp_path / "x.html").exists()


def test_the_lecture_takes_your_run_for_every_example_it_fits(monkeypatch, tmp_path):
    """``--run yours.npz`` (RIEMANN_NN_RUN): your run is the lecture's example (the title picture, the coordinates,
    the pull-back) and your scheme's row; the other schemes' rows keep their presets."""
    yours = _small_run("c1")
    monkeypatch.delenv("RIEMANN_NN_PRESET", raising=False)
    monkeypatch.setenv("RIEMANN_NN_RUN", str(save_run(yours, tmp_path / "yours.npz")))

    class Presets:
        default_preset, geometry, scheme_presets = "circles-c1-tanh", None, SCHEME_PRESETS

        def preset_run(self, preset):
            return f"preset {preset}"

    lecture = Presets()
    lecture.run = LectureStory.load_run(lecture)
    np.testing.assert_array_equal(lecture.run.x, yours.x)
    rows = {scheme: LectureStory.row_run(lecture, scheme) for scheme in ("c0", "c1", "c2")}
    assert rows["c0"] == "preset moons-c0-tanh" and rows["c2"] == "preset seed-c2-sigmoid" and rows["c1"] is lecture.run
