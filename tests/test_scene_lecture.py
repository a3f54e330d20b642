"""The lecture (scenes/lecture.py): tiny real renders as a plain Scene, without LaTeX, and as manim-slides
slides; the offline HTML in headless Chromium where both are installed."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from conftest import _small_run  # tiny c0 / c1 / c2 runs, built once per session

ROOT = Path(__file__).resolve().parent.parent
BEATS = ("title", "c0", "c1", "c2", "coordinates", "pullback", "chart", "closing")
PACE = 0.15  # about 15 s of video instead of 100


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
    """The lecture at a fast pace over tiny runs: the preset names become scheme names."""

    class TinyLecture(module.Lecture):
        pace = PACE
        scheme_presets = {"c0": "c0", "c1": "c1", "c2": "c2"}
        coordinates_preset = "c1"
        chart_preset = "c2"
        skip_reversing = True  # manim-slides only: no reversed copies of the slide videos

        def load_run(self, preset):
            return _small_run(preset)

    return TinyLecture


def render(scene_class, media_dir: Path, tex_dir: Path):
    from manim import tempconfig

    settings = {"pixel_width": 128, "pixel_height": 72, "frame_rate": 5, "media_dir": str(media_dir),
                "tex_dir": str(tex_dir), "disable_caching": True, "progress_bar": "none", "verbosity": "WARNING"}
    with tempconfig(settings):
        scene = scene_class()
        scene.render()
        return scene, Path(scene.renderer.file_writer.movie_file_path), scene.renderer.time


def decode(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])


def lit_fraction(frames: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Per frame, the fraction of pixels that differ clearly from the background: (T,)."""
    return (np.abs(frames.astype(int) - background).max(axis=-1) > 40).mean(axis=(-2, -1))


def note_corner(frame: np.ndarray, background: np.ndarray) -> int:
    """Lit pixels in the bottom-left corner of the title slide, where only the no-LaTeX note is drawn."""
    return int((lit_fraction(frame[None, 58:, :60], background)[0] * 14 * 60).round())


def background_of(theme) -> np.ndarray:
    return np.array([int(theme.background[i:i + 2], 16) for i in (1, 3, 5)])


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


@pytest.fixture(scope="module")
def tex_dir(tmp_path_factory):
    """One LaTeX cache for the module's renders, so each formula is typeset once."""
    return tmp_path_factory.mktemp("tex")


@pytest.mark.render
def test_lecture_renders_as_a_plain_scene(monkeypatch, tmp_path, tex_dir):
    """Without manim-slides the lecture is a plain Scene: a video as long as its frames say, lit from the first
    frame (the title is there at once), and changing from beat to beat."""
    from riemann_nn.render.colour import current_theme
    from riemann_nn.render import text

    module = load_lecture_module(monkeypatch, slides=False)
    assert module.Lecture.is_slide is False
    scene, movie, duration = render(tiny_lecture(module), tmp_path, tex_dir)
    frames = decode(movie)  # (T, 72, 128, 3)
    assert frames.shape[1:] == (72, 128, 3)
    assert len(frames) == round(duration * 5)
    # 100 s at pace 1; small beats' pauses may be one frame long.
    assert 0.8 * PACE * 100 <= duration <= 1.3 * PACE * 100 + 3
    background = background_of(current_theme())
    lit = lit_fraction(frames, background)  # (T,)
    assert lit[0] > 0.02, "the first frame should already show the title"
    assert (lit > 0.005).mean() > 0.9, "too many (nearly) blank frames"
    changes = np.abs(np.diff(frames.astype(int), axis=0)).mean(axis=(1, 2, 3))  # (T-1,)
    assert (changes > 0.05).mean() > 0.3, "the video barely changes"
    if text.has_latex():
        assert note_corner(frames[0], background) == 0, "the no-LaTeX note appears although LaTeX is installed"


@pytest.mark.render
def test_lecture_without_latex_says_so_and_renders_plain_text(monkeypatch, tmp_path, tex_dir):
    """With no LaTeX no MathTex is built, the title slide carries the note (in the theme's red, bottom left),
    and the whole lecture still renders."""
    from riemann_nn.render import text
    from riemann_nn.render.colour import current_theme

    def no_tex(*args, **kwargs):
        raise AssertionError("MathTex built although LaTeX is missing")

    monkeypatch.setattr(text, "has_latex", lambda: False)
    monkeypatch.setattr(text, "MathTex", no_tex)
    module = load_lecture_module(monkeypatch, slides=False)
    scene, movie, duration = render(tiny_lecture(module), tmp_path, tex_dir)
    frames = decode(movie)
    assert len(frames) == round(duration * 5)
    background = background_of(current_theme())
    assert note_corner(frames[0], background) >= 10, "no 'LaTeX not installed' note on the title slide"


@pytest.fixture(scope="module")
def slide_render(tmp_path_factory, tex_dir):
    """The tiny lecture rendered as manim-slides slides (skipped without manim-slides)."""
    pytest.importorskip("manim_slides")
    with pytest.MonkeyPatch.context() as monkeypatch:
        module = load_lecture_module(monkeypatch, slides=True)
        media = tmp_path_factory.mktemp("slides-media")
        scene, movie, duration = render(tiny_lecture(module), media, tex_dir)
    return media, movie, duration


@pytest.mark.render
def test_lecture_is_a_slide_per_beat_with_notes(slide_render):
    """With manim-slides: one slide per beat, each with speaker notes, whose videos add up to the MP4."""
    media, movie, duration = slide_render
    presentation = json.loads((media / "slides" / "TinyLecture.json").read_text())
    slides = presentation["slides"]
    assert len(slides) == len(BEATS)
    assert all(len(slide["notes"]) > 40 for slide in slides)
    assert "Euler" in slides[BEATS.index("c1")]["notes"] and "definition" in slides[BEATS.index("chart")]["notes"]
    frames = [len(decode(Path(slide["file"]))) for slide in slides]
    assert sum(frames) == len(decode(movie)) == round(duration * 5)
    assert presentation["resolution"] == [128, 72]


@pytest.mark.render
def test_slides_html_opens_offline_in_chromium(slide_render, tmp_path):
    """scripts/slides.py's conversion gives one HTML file with every video inlined; headless Chromium shows
    the first slide (skipped without chromium, or without reveal.js to inline)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed")
    spec = importlib.util.spec_from_file_location("slides_script", ROOT / "scripts" / "slides.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    version, cache, paths = script.revealjs_assets()
    if not all((cache / Path(p).name).is_file() for p in paths):
        pytest.skip("reveal.js is not in manim-slides' cache (scripts/slides.py fills it)")
    media, movie, duration = slide_render
    from riemann_nn.render.colour import current_theme

    html = script.convert(tmp_path / "lecture.html", background=current_theme().background,
                          folder=media / "slides", scene="TinyLecture")
    text = html.read_text()
    assert text.count("data:video/mp4;base64,") == len(BEATS)
    assert not re.search(r"(src|href)=\"https?://", text), "the page still loads something from the network"
    shot = tmp_path / "shot.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--no-first-run", f"--screenshot={shot}", "--window-size=1280,720",
                    html.as_uri()], check=True, capture_output=True, timeout=120)
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


def test_the_lecture_takes_your_run_for_every_example_it_fits(monkeypatch, tmp_path):
    """``--run yours.npz``: the title picture, the coordinates and chart examples and your scheme's row show
    your run; the other schemes' rows keep their presets."""
    from riemann_nn.run import save_run

    module = load_lecture_module(monkeypatch, slides=False)
    yours = _small_run("c1")
    monkeypatch.setenv("RIEMANN_NN_RUN", str(save_run(yours, tmp_path / "yours.npz")))

    class Presets:
        def load_run(self, preset):
            return f"preset {preset}"

    lecture = Presets()
    shown = {role: module.Lecture.example(lecture, preset, scheme=scheme)
             for role, preset, scheme in [("chart", "seed-c2-sigmoid", None), ("c0", "moons-c0-tanh", "c0"),
                                          ("c1", "circles-c1-tanh", "c1"), ("c2", "seed-c2-sigmoid", "c2")]}
    assert shown["c0"] == "preset moons-c0-tanh" and shown["c2"] == "preset seed-c2-sigmoid"
    for role in ("chart", "c1"):
        np.testing.assert_array_equal(shown[role].x, yours.x)
