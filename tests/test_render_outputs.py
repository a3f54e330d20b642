"""``riemann-nn render``: outputs by extension (.mp4, .webm, .gif), frame shapes (--aspect), Manim options passed
through (and the ones refused), and nothing written where the command runs but the output.

A tiny scene of its own (96 pixels across its longer side, whatever the aspect; 1.5 s) reports the frame Manim
gave it, so the aspect and options are checked where they matter: in the render process.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from riemann_nn.cli import main
from riemann_nn.jobs.formats import GIF_COLORS, GIF_FPS
from riemann_nn.jobs.job import frame_geometry

SHAPE_SCENE = """
import json
import os
from pathlib import Path

from manim import FadeIn, Scene, Square, config

scale = 96 / max(config.pixel_width, config.pixel_height)  # tiny, in the frame's shape
config.pixel_width = 2 * round(config.pixel_width * scale / 2)
config.pixel_height = 2 * round(config.pixel_height * scale / 2)
Path(os.environ["RIEMANN_NN_TEST_REPORT"]).write_text(json.dumps(
    {"frame": [config.frame_width, config.frame_height], "fps": config.frame_rate}))


class Shape(Scene):
    def construct(self):
        self.play(FadeIn(Square(fill_opacity=1.0)), run_time=1.0, subcaption="a square")
        self.wait(0.5)
"""


@pytest.fixture
def place(tmp_path, monkeypatch):
    """An empty working directory, a scene file elsewhere, and the user's cache in a folder of its own."""
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    work.mkdir()
    elsewhere.mkdir()
    (elsewhere / "shape.py").write_text(SHAPE_SCENE)
    monkeypatch.setenv("RIEMANN_NN_TEST_REPORT", str(elsewhere / "report.json"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(elsewhere / "cache"))
    monkeypatch.chdir(work)
    return work, elsewhere


def render(place, *args: str):
    _, elsewhere = place
    result = CliRunner().invoke(main, ["render", "--scene", str(elsewhere / "shape.py"), *args, "--quiet"])
    report = json.loads((elsewhere / "report.json").read_text()) if (elsewhere / "report.json").exists() else None
    return result, report


def video_facts(path: Path) -> tuple[str, int, int, int, Fraction]:
    """Container, width, height, frame count and frame rate of a video file."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return (
            container.format.name,
            stream.codec_context.width,
            stream.codec_context.height,
            frames,
            stream.average_rate,
        )


@pytest.mark.parametrize("name, container", [("video.mp4", "mp4"), ("video.webm", "webm"), ("video.gif", "gif")])
def test_the_output_format_is_the_extension_and_nothing_else_is_left(place, name, container):
    result, _ = render(place, "-o", name)
    assert result.exit_code == 0, result.output
    work, _ = place
    kind, width, height, frames, _ = video_facts(work / name)
    assert container in kind and (width, height) == (96, 54)
    seconds = 1.5
    assert frames == pytest.approx(seconds * (GIF_FPS if container == "gif" else 15), abs=2)
    left = sorted(path.name for path in work.iterdir())
    subtitles = [] if container == "gif" else ["video.srt"]  # a GIF carries its captions in its pictures
    assert left == sorted([name, *subtitles])  # no media/ folder, no private folder, no cache here


@pytest.mark.parametrize("aspect", ["4:3", "1:1", "9:16"])
def test_the_frame_takes_the_aspect_in_pixels_and_in_units(place, aspect):
    result, report = render(place, "--aspect", aspect, "-o", "shaped.mp4")
    assert result.exit_code == 0, result.output
    (pixel_width, pixel_height), units = frame_geometry("l", aspect)
    across, down = (int(part) for part in aspect.split(":"))
    assert report["frame"] == pytest.approx(list(units)) and min(units) == 8.0
    assert units[0] / units[1] == pytest.approx(across / down)
    assert pixel_width / pixel_height == pytest.approx(across / down, rel=0.01)
    assert min(pixel_width, pixel_height) == 480
    _, width, height, _, _ = video_facts(place[0] / "shaped.mp4")
    assert width / height == pytest.approx(across / down, rel=0.03)  # the scene shrank it, in its shape


def test_manim_options_are_passed_through_after_ours(place):
    result, report = render(place, "--fps", "5", "-o", "slow.mp4")
    assert result.exit_code == 0, result.output
    assert report["fps"] == 5
    *_, frames, rate = video_facts(place[0] / "slow.mp4")
    assert rate == 5 and frames == pytest.approx(1.5 * 5, abs=1)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--bogus"], "No such option: --bogus"),
        (["-s"], "-s is not for riemann-nn render"),
        (["--format", "gif"], "from -o's extension"),
        (["-r", "64,36"], "use --quality and --aspect"),
        (["--media_dir", "x"], "riemann-nn sets it"),
        (["--aspect", "2:1"], "'2:1' is not one of"),
        (["-o", "video.avi"], "must end in .mp4, .webm, .gif"),
    ],
)
def test_options_that_cannot_work_are_refused_before_manim(place, args, fragment):
    result, report = render(place, *args)
    assert result.exit_code != 0 and report is None  # Manim never started
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and fragment in lines[0], result.output
    assert list(place[0].iterdir()) == []


@pytest.mark.parametrize("scene", ["compare", "lecture", "geodesics", "training", "depth", "topology", "space"])
def test_scenes_laid_out_for_16_9_refuse_another_aspect_before_anything_runs(place, scene):
    """Their panels sit at 16:9 places: in a 9:16 frame they would be cut off (as compare was), so one line."""
    work, _ = place
    result = CliRunner().invoke(main, ["render", "--scene", scene, "--aspect", "9:16", "-o", "v.mp4", "--quiet"])
    assert result.exit_code != 0
    assert f"the {scene} scene is laid out for 16:9 only" in result.output and "transform" in result.output
    assert list(work.iterdir()) == []


def test_the_thin_scene_file_of_a_16_9_scene_is_refused_too(place):
    from riemann_nn.jobs.job import ROOT

    result = CliRunner().invoke(
        main, ["render", "--scene", str(ROOT / "scenes" / "compare.py"), "--aspect", "1:1", "-o", "v.mp4", "--quiet"]
    )
    assert result.exit_code != 0 and "laid out for 16:9 only" in result.output


def test_a_gif_keeps_to_its_palette_and_shows_the_scene(place):
    result, _ = render(place, "-o", "small.gif")
    assert result.exit_code == 0, result.output
    from PIL import Image

    colours = set()
    with Image.open(place[0] / "small.gif") as gif:
        for index in range(gif.n_frames):
            gif.seek(index)
            frame = np.asarray(gif.convert("RGB"))  # (54, 96, 3)
            colours.update(map(tuple, frame.reshape(-1, 3)))
    assert len(colours) <= GIF_COLORS  # one palette, chosen from the whole video
    assert frame[27, 48].min() > 100 and frame[2, 2].max() < 40  # the square, faded in, on the background
