"""Render jobs: chunk planning against brute force, subtitles, chunked renders frame-exact against one
process, concurrent and interrupted renders, batches with resume, and a two-worker Dask cluster.

The renders use a tiny scene of their own (64x36 at 10 fps, about 30 frames, written to tmp_path), and the
real default scene once, at 64x36 and 5 fps with a tiny Run file.
"""

from __future__ import annotations

import configparser
import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from riemann_nn.cli import main
from riemann_nn.errors import ConfigError
from riemann_nn.jobs import RenderJob, plan_chunks, render_video
from riemann_nn.jobs.batch import batch_jobs, read_batch_file, up_to_date
from riemann_nn.jobs.job import (
    ROOT,
    check_outputs,
    declared_default_preset,
    default_output,
    frame_config,
    job_from_options,
)
from riemann_nn.jobs.join import Cue, Piece, format_subtitles, join_subtitles, parse_subtitles
from riemann_nn.run import load_run, save_run

SCRIPT = Path(sys.executable).parent / "riemann-nn"

# Eight plays of every kind the renderer treats differently: animations, a wait with updaters, a frozen
# wait, subtitles given to play() and added between plays. The theme picks the colour, so two renders of
# different "runs" differ; RIEMANN_NN_TEST_SLOW makes every frame take that many seconds (to interrupt it).
TINY_SCENE = """
import os
import time

from manim import BLUE, ORANGE, RED, Circle, FadeIn, Scene, Square, Transform, ValueTracker, always_redraw, config

config.pixel_width, config.pixel_height, config.frame_rate = 64, 36, 10
COLOUR = ORANGE if os.environ.get("RIEMANN_NN_THEME") == "light" else BLUE
SLOW = float(os.environ.get("RIEMANN_NN_TEST_SLOW", "0"))


class Tiny(Scene):
    def construct(self):
        shift = ValueTracker(0.0)

        def draw():
            time.sleep(SLOW)
            return Square(color=COLOUR, fill_opacity=0.5).shift([shift.get_value(), 0, 0])

        square = always_redraw(draw)
        self.play(FadeIn(square), run_time=0.5, subcaption="one")
        self.wait(0.3)
        self.play(shift.animate.set_value(2.0), run_time=0.7, subcaption="two")
        self.add_subcaption("between", duration=0.4)
        self.play(Transform(square, Circle(color=RED)), run_time=0.4)
        self.wait(0.5, frozen_frame=True)
        self.play(shift.animate.set_value(-1.0), run_time=0.9, subcaption="three")
        self.play(shift.animate.set_value(0.5), run_time=0.35)
        self.wait(0.25, frozen_frame=True)
"""


@pytest.fixture(scope="module")
def tiny_scene(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scene") / "tiny.py"
    path.write_text(TINY_SCENE)
    return path


def decode(path: Path) -> np.ndarray:
    """Every frame of a video: (T, height, width, 3) uint8."""
    import av

    with av.open(str(path)) as container:
        return np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])


def packets(path: Path) -> list[bytes]:
    import av

    with av.open(str(path)) as container:
        return [bytes(packet) for packet in container.demux(video=0) if packet.size]


def tiny_job(scene: Path, output: Path, **options) -> RenderJob:
    return RenderJob(scene_file=scene, output=output, **options)


# ---- planning ----------------------------------------------------------------------------------------


def best_split(frames: list[int], parts: int) -> int:
    """Brute force: the smallest possible largest chunk over every way to cut ``frames`` into at most
    ``parts`` contiguous pieces."""
    best = sum(frames)
    for cuts in range(parts):
        for positions in itertools.combinations(range(1, len(frames)), cuts):
            bounds = (0, *positions, len(frames))
            best = min(best, max(sum(frames[a:b]) for a, b in itertools.pairwise(bounds)))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_plan_chunks_is_optimal_and_contiguous(seed):
    rng = np.random.default_rng(seed)
    frames = rng.integers(1, 60, size=rng.integers(1, 10)).tolist()
    parts = int(rng.integers(1, 6))
    plan = plan_chunks(frames, parts)
    assert plan[0][0] == 0 and plan[-1][1] == len(frames) - 1
    assert all(b + 1 == c for (_, b), (c, _) in itertools.pairwise(plan))  # contiguous, no gap, no overlap
    assert all(a <= b for a, b in plan)
    assert len(plan) <= parts
    assert max(sum(frames[a : b + 1]) for a, b in plan) == best_split(frames, parts)


def test_plan_chunks_balances_frames_not_animations():
    """One long animation and many short ones: two chunks split by frames, not at the middle animation."""
    assert plan_chunks([100] + [10] * 10, 2) == [(0, 0), (1, 10)]
    assert plan_chunks([5, 5, 5], 8) == [(0, 0), (1, 1), (2, 2)]  # never more chunks than animations


# ---- subtitles ---------------------------------------------------------------------------------------


def test_subtitles_round_trip_in_both_formats():
    cues = [Cue(0.0, 1.25, "one"), Cue(61.5, 3725.004, "two\nlines", "line:90%")]
    for suffix in (".srt", ".vtt"):
        header, parsed = parse_subtitles(format_subtitles("", cues, suffix=suffix))
        assert [(c.start, c.end, c.text) for c in parsed] == [(c.start, c.end, c.text) for c in cues]
        assert [cue.settings for cue in parsed] == (["", "line:90%"] if suffix == ".vtt" else ["", ""])
    header, parsed = parse_subtitles("WEBVTT\n\nNOTE made by hand\n\n00:01.000 --> 00:02.500\nshort hours\n")
    assert header == "WEBVTT\n\nNOTE made by hand"
    assert parsed == [Cue(1.0, 2.5, "short hours")]


def test_join_subtitles_keeps_each_cue_once_on_the_joined_clock(tmp_path):
    """Chunk 2 starts at scene time 3.0 (its skipped plays' run times) but at 3.2 s in the joined video (its
    predecessor's frames); it also holds the cue of a play it skipped, which must not appear twice."""
    first, second = tmp_path / "a.vtt", tmp_path / "b.vtt"
    first.write_text(format_subtitles("WEBVTT", [Cue(0.5, 1.5, "a"), Cue(3.2, 4.0, "at the boundary")], suffix=".vtt"))
    second.write_text(
        format_subtitles(
            "WEBVTT", [Cue(0.5, 1.5, "a"), Cue(3.0, 4.0, "at the boundary"), Cue(4.5, 5.0, "b")], suffix=".vtt"
        )
    )
    output = tmp_path / "joined.vtt"
    count = join_subtitles(
        [
            Piece(first, scene_start=0.0, video_start=0.0, duration=3.2),
            Piece(None, scene_start=1.0, video_start=3.2, duration=0.0),
            Piece(second, scene_start=3.0, video_start=3.2, duration=2.0),
        ],
        output,
    )
    _, cues = parse_subtitles(output.read_text())
    assert count == 3
    assert [(c.start, c.end, c.text) for c in cues] == [(0.5, 1.5, "a"), (3.2, 4.2, "at the boundary"), (4.7, 5.2, "b")]


# ---- chunked renders ---------------------------------------------------------------------------------


def test_three_chunks_give_the_frames_of_one_process(tiny_scene, tmp_path):
    """The tiny scene in 1 and in 3 processes: same frame count, same encoded packets, identical pixels,
    the same subtitles; each chunk wrote exactly the frames the counting pass predicted."""
    one = render_video(tiny_job(tiny_scene, tmp_path / "one.mp4"), jobs=1, progress=False)
    three = render_video(tiny_job(tiny_scene, tmp_path / "three.mp4"), jobs=3, progress=False)
    # Frames of each play at 10 fps: ceil(t * fps) for an animation, int(t / (1 / fps)) for a frozen wait
    # (no updater runs in it), and int(0.3 / 0.1) = int(2.9999999999999996) = 2.
    predicted = [5, 2, 7, 4, 5, 9, 4, 2]
    assert [chunk.animations for chunk in three.chunks] == plan_chunks(predicted, 3)
    assert [chunk.frames for chunk in three.chunks] == [sum(predicted[a : b + 1]) for a, b in plan_chunks(predicted, 3)]
    frames_one, frames_three = decode(one.video), decode(three.video)
    assert frames_one.shape == frames_three.shape == (sum(predicted), 36, 64, 3)
    assert np.array_equal(frames_one, frames_three)  # measured: 0 of 0-255 at every pixel, joins included
    assert packets(one.video) == packets(three.video)  # not re-encoded: the very same H.264 packets
    assert np.abs(np.diff(frames_one.astype(int), axis=0)).max() > 50  # the frames do change
    srt_one = parse_subtitles(one.subtitles[0].read_text())[1]
    srt_three = parse_subtitles(three.subtitles[0].read_text())[1]
    assert [c.text for c in srt_three] == ["one", "two", "between", "three"]
    times = lambda cues: [time for cue in cues for time in (cue.start, cue.end)]
    assert times(srt_three) == pytest.approx(times(srt_one), abs=1e-3)
    assert times(srt_one)[:4] == pytest.approx([0.0, 0.5, 0.7, 1.4])  # frame 7 = 0.5 s + the 2-frame wait
    assert not list(tmp_path.glob(".*"))  # no private folder left behind


def test_default_scene_in_two_chunks(tmp_path, c1_run):
    """The real default scene (64x36, 5 fps, a tiny Run): two chunks give the frames of one process, within
    encoder noise.

    Not always bit for bit: one-process renders of this scene differ from each other now and then (seen in
    about 1 of 8 at 64x36) by up to 5 levels at a few dozen pixels of one block, carried through the frames that
    reference it (up to a whole group of pictures). The drawn frames themselves are identical every time (the
    same scene rendered to PNG gave one hash in 8 runs): it is the H.264 encoder's. So this allows differences
    of that size and extent and no more; the tiny scene above, which never showed it, must match exactly."""
    run_file = save_run(c1_run, tmp_path / "tiny-c1.npz")
    settings = {
        "scene_file": ROOT / "scenes" / "transform.py",
        "run_file": run_file,
        "manim_args": ("-r", "64,36", "--frame_rate", "5"),
    }
    one = render_video(RenderJob(output=tmp_path / "one.mp4", **settings), jobs=1, progress=False)
    two = render_video(RenderJob(output=tmp_path / "two.mp4", **settings), jobs=2, progress=False)
    assert len(two.chunks) == 2 and one.frames == two.frames > 50
    difference = np.abs(decode(one.video).astype(int) - decode(two.video)).max(axis=-1)  # (T, 36, 64)
    changed = np.flatnonzero(difference.max(axis=(1, 2)))
    assert difference.max() <= 8 and (difference > 0).mean() < 0.01, (
        f"frames {changed} differ by up to {difference.max()} at {(difference > 0).sum()} pixels"
    )


def x264_settings(path: Path) -> dict[str, str]:
    """The settings x264 wrote into the stream (its SEI text: ``... options: cabac=1 ref=1 ... crf=20.0 ...``)."""
    import re

    found = re.search(rb"x264 - core[^\x00]*?options: ([^\x00]*)", path.read_bytes())
    assert found, f"{path} holds no x264 settings"
    return dict(item.split("=", 1) for item in found.group(1).decode().split() if "=" in item)


def test_renders_use_the_fast_encoder_settings_unless_the_users_manim_cfg_says_otherwise(tiny_scene, tmp_path):
    """x264 at "veryfast", CRF 20 (ENCODER_OPTIONS) from any working directory; a key the working directory's
    manim.cfg sets itself wins. "veryfast" is recognised by its motion search: ``subme=2``, one reference
    frame (Manim's default "medium": ``subme=7``, three)."""
    bare = tmp_path / "bare"
    bare.mkdir()
    plain = render_video(tiny_job(tiny_scene, tmp_path / "plain.mp4", workdir=bare), jobs=1, progress=False)
    settings = x264_settings(plain.video)
    assert (settings["crf"], settings["subme"], settings["ref"]) == ("20.0", "2", "1")
    own = tmp_path / "own"
    own.mkdir()
    (own / "manim.cfg").write_text("[video_encoder.options]\ncrf = 30\n")
    theirs = render_video(tiny_job(tiny_scene, tmp_path / "theirs.mp4", workdir=own), jobs=1, progress=False)
    settings = x264_settings(theirs.video)
    assert (settings["crf"], settings["subme"]) == ("30.0", "2")


def parsed_frame_config(workdir: Path) -> configparser.RawConfigParser:
    config = configparser.RawConfigParser()
    job = RenderJob(scene_file=ROOT / "scenes" / "transform.py", workdir=workdir, output=workdir / "out.mp4")
    config.read_string(frame_config(job))
    return config


def test_the_frame_config_keeps_the_users_keys_in_any_case_and_drops_what_riemann_nn_decides(tmp_path):
    (tmp_path / "manim.cfg").write_text(
        "[CLI]\nFrame_Width = 10\nbackground_color = #123456\nformat = webm\nvideo_dir = /elsewhere\n"
        "from_animation_number = 3\n[video_encoder.options]\nCRF = 30\n"
    )
    config = parsed_frame_config(tmp_path)
    assert config["CLI"]["frame_width"] == repr(14.222222222222221)  # ours, once: Manim would refuse two
    assert config["CLI"]["background_color"] == "#123456"
    assert not {"format", "video_dir", "from_animation_number"} & set(config["CLI"])
    assert dict(config["video_encoder.options"]) == {"crf": "30", "preset": "veryfast"}


def test_the_users_own_manim_config_keeps_its_encoder_keys(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".config" / "manim").mkdir(parents=True)
    (home / ".config" / "manim" / "manim.cfg").write_text("[video_encoder.options]\npreset = ultrafast\n")
    monkeypatch.setenv("HOME", str(home))
    assert dict(parsed_frame_config(tmp_path)["video_encoder.options"]) == {"crf": "20"}


@pytest.mark.parametrize(
    "content", [b"this is not a config\n", b"[CLI]\na = 1\n[CLI]\nb = 2\n", "[CLI]\nx = \u00e9\n".encode("latin-1")]
)
def test_a_manim_cfg_manim_cannot_read_is_refused_before_rendering(tmp_path, content):
    (tmp_path / "manim.cfg").write_bytes(content)
    job = RenderJob(scene_file=ROOT / "scenes" / "transform.py", workdir=tmp_path, output=tmp_path / "out.mp4")
    with pytest.raises(ConfigError, match=r"manim\.cfg is not a Manim config file"):
        check_outputs(job)
    assert not (tmp_path / "out.mp4").exists()


def test_a_fifo_named_manim_cfg_is_not_read(tmp_path):
    os.mkfifo(tmp_path / "manim.cfg")  # reading it would block until a writer came
    assert dict(parsed_frame_config(tmp_path)["video_encoder.options"]) == {"preset": "veryfast", "crf": "20"}


# ---- concurrent and interrupted renders ----------------------------------------------------------------


def cli(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [str(SCRIPT), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def blue_minus_red(frames: np.ndarray) -> float:
    """Mean blue minus red channel over the pixels clearly lit (the shape, not the black background)."""
    lit = frames.max(axis=-1) > 40
    return float((frames[..., 2].astype(int) - frames[..., 0])[lit].mean())


def test_renders_at_once_each_report_their_own_video(tiny_scene, tmp_path):
    """Two runs (themes) into one folder, one in two chunks, and a third render onto the first's output,
    all at the same time: all succeed and each reports and gets its own video."""
    first, second = tmp_path / "first.mp4", tmp_path / "second.mp4"
    started = [
        cli("render", "--scene", str(tiny_scene), "--theme", "dark", "-o", str(first)),
        cli("render", "--scene", str(tiny_scene), "--theme", "light", "-o", str(second), "-j", "2"),
        cli("render", "--scene", str(tiny_scene), "--theme", "dark", "-o", str(first)),
    ]
    results = [process.communicate(timeout=300) for process in started]
    for process, (_, stderr) in zip(started, results):
        assert process.returncode == 0, stderr
    reported = [
        line.split(": ", 1)[1] for stdout, _ in results for line in stdout.splitlines() if line.startswith("video:")
    ]
    assert reported == [str(first), str(second), str(first)]
    dark, light = decode(first), decode(second)
    assert len(dark) == len(light) == 38
    assert blue_minus_red(dark[5:10]) > 20 and blue_minus_red(light[5:10]) < -20  # each got its own colours
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "first.mp4",
        "first.srt",
        "second.mp4",
        "second.srt",
    ]  # and no private folder is left


@pytest.mark.parametrize(
    "signal_number, jobs, started",
    [
        (signal.SIGINT, "2", ".video.*/chunk-*/manim.log"),  # the chunks are rendering
        (signal.SIGTERM, "2", ".video.*/chunk-*/manim.log"),
        (signal.SIGINT, "1", ".video.*/media"),  # the one process has started
    ],
)
def test_an_interrupted_render_leaves_the_previous_video(tiny_scene, tmp_path, signal_number, jobs, started):
    output = tmp_path / "video.mp4"
    output.write_bytes(b"the previous video")
    process = cli(
        "render", "--scene", str(tiny_scene), "-o", str(output), "-j", jobs, env={"RIEMANN_NN_TEST_SLOW": "0.2"}
    )  # about 8 s of frames
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(started)) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    process.send_signal(signal_number)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0
    # on a line of its own, even when the signal cut a progress bar off mid-line
    assert stderr.splitlines()[-1] == "error: interrupted; nothing was written" and "Traceback" not in stderr
    assert output.read_bytes() == b"the previous video"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["video.mp4"]  # private folder removed
    assert not processes_mentioning(str(tmp_path))  # and every Manim process of the render ended


def processes_mentioning(text: str) -> list[str]:
    """Command lines of running processes that contain ``text`` (Linux's /proc)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in command:
            found.append(command)
    return found


def test_processes_training_one_preset_at_once_leave_a_sound_cache(tmp_path):
    """Two processes train the same configuration into one cache at once while this one keeps reading it:
    every read sees a whole, valid Run (atomic save), and no temporary file is left."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[2]); from conftest import small_config; "
        "from riemann_nn.cache import load_or_train; "
        "load_or_train(small_config('c1'), cache_dir=sys.argv[1], progress=False)"
    )
    tests = str(Path(__file__).parent)
    trainers = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path), tests]) for _ in range(2)]
    while any(process.poll() is None for process in trainers):
        for path in tmp_path.glob("*.npz"):
            load_run(path)  # raises on a half-written file
        time.sleep(0.01)  # leave the trainers the cores
    assert [process.wait() for process in trainers] == [0, 0]
    files = sorted(path.name for path in tmp_path.iterdir())
    assert len(files) == 1 and files[0].startswith("small-c1-") and files[0].endswith(".npz")
    assert load_run(tmp_path / files[0]).x.shape == (5, 200, 2)


# ---- jobs, names and batches -------------------------------------------------------------------------


def test_default_names_differ_by_everything_that_changes_the_picture(tmp_path):
    scene = ROOT / "scenes" / "transform.py"
    names = {
        default_output(scene, run_name=run, theme=theme, quality=quality, layer_path=path, folder=tmp_path)
        for run in ("seed-spirals", "mine")
        for theme in ("dark", "light")
        for quality in ("l", "h")
        for path in (None, "spline")
    }
    assert len(names) == 16
    assert (
        default_output(scene, run_name="mine", theme="dark", quality="h", folder=tmp_path).name
        == "transform-mine-dark-1080p60.mp4"
    )
    assert declared_default_preset(scene) == "seed-c2-sigmoid"


def test_options_win_over_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("RIEMANN_NN_RUN", str(tmp_path / "from-env.npz"))
    monkeypatch.setenv("RIEMANN_NN_THEME", "light")
    job = job_from_options("transform", preset="seed-spirals", output_folder=tmp_path)
    assert job.run_file is None and job.preset == "seed-spirals" and job.theme == "light"
    assert job.settings() == {
        "RIEMANN_NN_PRESET": "seed-spirals",
        "RIEMANN_NN_THEME": "light",
        "RIEMANN_NN_CACHE": str(job.run_cache),
    }
    assert job.output == tmp_path / "transform-seed-spirals-light-480p15.mp4"
    from_env = job_from_options("transform", output_folder=tmp_path)
    assert from_env.run_file == tmp_path / "from-env.npz"
    assert from_env.output.name == "transform-from-env-light-480p15.mp4"


def test_batch_file_matrix_and_single_jobs(tmp_path):
    (tmp_path / "talk").mkdir()
    path = tmp_path / "jobs.toml"
    path.write_text(
        '[defaults]\nquality = "m"\n\n[matrix]\nscene = ["transform", "volume"]\n'
        'preset = ["seed-spirals", "seed-c2-sigmoid"]\ntheme = ["dark", "light"]\n\n'
        '[[render]]\nscene = "pullback"\nrun = "mine.npz"\noutput = "talk/pullback.mp4"\nquality = "l"\n'
    )
    jobs = batch_jobs(read_batch_file(path), output_folder=tmp_path)
    assert len(jobs) == 9 and len({job.output for job in jobs}) == 9
    assert {job.quality for job in jobs[:8]} == {"m"}
    assert jobs[8].run_file == tmp_path / "mine.npz" and jobs[8].output == tmp_path / "talk" / "pullback.mp4"
    assert jobs[8].quality == "l" and jobs[8].preset is None


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("[matrix\n", "not valid TOML"),
        ("[matrix]\nscene = ['transform']\ncolour = ['red']\n", "unknown key(s) colour"),
        ("[jobs]\nscene = 'transform'\n", "unknown section(s) jobs"),
        ("[defaults]\nquality = 'l'\n", "holds no job"),
        ("[matrix]\nscene = []\n", "non-empty string"),
        ("[matrix]\ntheme = ['all']\n", "'all' is only understood"),
        (
            "[[render]]\nscene = 'transform'\noutput = 'a.mp4'\n[[render]]\nscene = 'volume'\noutput = 'a.mp4'\n",
            "two jobs of the batch write",
        ),
        ("[[render]]\nscene = 'transform'\nquality = 'x'\n", "unknown quality"),
        ("[[render]]\nscene = 'nope'\n", "no scene file"),
        ("[[render]]\nscene = 'transform'\noutput = 'a.avi'\n", "must end in .mp4, .webm, .gif"),
        (
            "[[render]]\nscene = ['transform', 'volume']\n",
            "[[render]] #1: scene must be a non-empty string",
        ),  # a traceback
        ("[defaults]\ntheme = ['dark']\n[[render]]\nscene = 'transform'\n", "[defaults]: theme must be"),
        ("[[render]]\nscene = 'transform'\ntheme = 'sepia'\n", "unknown theme 'sepia'"),  # failed in Manim, trained
        ("[matrix]\nscene = ['transform']\npath = ['spline', 'wobbly']\n", "unknown path 'wobbly'"),
        ("[[render]]\nscene = 'transform'\npreset = 'seed-spirals'\npath = 'staged'\n", "this run is c1"),
    ],
)
def test_bad_batch_files_end_in_one_line(tmp_path, text, fragment):
    path = tmp_path / "jobs.toml"
    path.write_text(text)
    result = CliRunner().invoke(main, ["render-all", "--file", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["jobs.toml"]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["render", "--jobs", "-2"], "--jobs must be 0"),
        (["render", "-o", "video.avi"], "must end in .mp4, .webm, .gif"),
        (["render", "--scene", "missing/scene.py"], "no scene file"),
        (["render-all", "--preset", "no-such-preset", "--scene", "transform"], "unknown preset"),
        (["render-all", "--file", "jobs.toml", "--scene", "transform"], "not both"),
        (["render", "--scheduler", "no-port-here"], "cannot reach the Dask scheduler"),
    ],
)
def test_bad_render_options_end_in_one_line(tmp_path, monkeypatch, args, fragment):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, args)
    lines = result.stderr.splitlines()
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_batch_on_a_two_worker_dask_cluster_then_resumed(tiny_scene, tmp_path):
    """Two jobs on a LocalCluster of two worker processes (the bytes come back to the caller's folder);
    then the same batch here skips both as up to date, and a newer scene file makes them stale."""
    pytest.importorskip("distributed")
    folder = tmp_path / "videos"
    args = [
        "render-all",
        "--scene",
        str(tiny_scene),
        "--theme",
        "dark",
        "--theme",
        "light",
        "--output-dir",
        str(folder),
    ]
    result = CliRunner().invoke(main, [*args, "--dask", "--jobs", "2"])
    assert result.exit_code == 0, result.output
    videos = sorted(folder.glob("*.mp4"))
    assert [path.name for path in videos] == ["tiny-default-dark-480p15.mp4", "tiny-default-light-480p15.mp4"]
    assert [len(decode(path)) for path in videos] == [38, 38]
    assert all(path.with_suffix(".srt").is_file() for path in videos)
    again = CliRunner().invoke(main, [*args, "--jobs", "2"])
    assert again.exit_code == 0 and "0 written, 2 up to date" in again.stdout
    jobs = batch_jobs([{"scene": str(tiny_scene), "theme": "dark"}], output_folder=folder)
    assert up_to_date(jobs[0])
    later = videos[0].stat().st_mtime + 5
    os.utime(tiny_scene, (later, later))
    assert not up_to_date(jobs[0])


def test_a_batch_writes_each_video_in_the_format_of_its_extension(tiny_scene, tmp_path):
    """A batch's .gif and .webm were MP4 files under those names, with subtitle files beside the GIF."""
    path = tmp_path / "jobs.toml"
    path.write_text(
        "".join(f'[[render]]\nscene = "{tiny_scene}"\noutput = "{name}"\n' for name in ("a.gif", "b.webm", "c.mp4"))
    )
    result = CliRunner().invoke(main, ["render-all", "--file", str(path), "--jobs", "2", "--quiet"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a.gif").read_bytes()[:6] == b"GIF89a"
    assert (tmp_path / "b.webm").read_bytes()[:4] == b"\x1a\x45\xdf\xa3"  # EBML, the WebM container
    assert (tmp_path / "c.mp4").read_bytes()[4:8] == b"ftyp"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gif", "b.srt", "b.webm", "c.mp4", "c.srt", "jobs.toml"]


def test_a_batch_keeps_a_read_only_video_up_to_date_and_force_refuses_it(tiny_scene, tmp_path):
    """Resuming skips a finished video that was made read-only; --force would replace it, so it is refused
    before anything renders."""
    path = tmp_path / "jobs.toml"
    path.write_text(f'[[render]]\nscene = "{tiny_scene}"\noutput = "done.mp4"\n')
    video = tmp_path / "done.mp4"
    video.write_bytes(b"finished earlier")
    later = tiny_scene.stat().st_mtime + 3600 * 24 * 365 * 20  # newer than the scene and the package
    os.utime(video, (later, later))
    video.chmod(0o444)
    result = CliRunner().invoke(main, ["render-all", "--file", str(path), "--quiet"])
    assert result.exit_code == 0 and "0 written, 1 up to date" in result.stdout, result.output
    forced = CliRunner().invoke(main, ["render-all", "--file", str(path), "--force", "--quiet"])
    assert forced.exit_code == 1 and forced.stderr.splitlines() == [
        f"error: cannot write {video}: the file is read-only; riemann-nn does not replace it"
    ]
    assert video.read_bytes() == b"finished earlier"


def test_chunks_on_a_dask_scheduler_match_one_process(tiny_scene, tmp_path):
    """``render --jobs 3 --scheduler ADDRESS``: the chunks run on the workers of a cluster started apart
    (each in a folder of its own, the typeset text shipped to them), come back as bytes and join into the
    frames of a one-process render here."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = CliRunner().invoke(
            main,
            [
                "render",
                "--scene",
                str(tiny_scene),
                "-j",
                "3",
                "--scheduler",
                cluster.scheduler_address,
                "-o",
                str(tmp_path / "cluster.mp4"),
            ],
        )
    assert result.exit_code == 0, result.output
    assert f"video: {tmp_path / 'cluster.mp4'}" in result.stdout
    one = render_video(tiny_job(tiny_scene, tmp_path / "one.mp4"), jobs=1, progress=False)
    assert packets(tmp_path / "cluster.mp4") == packets(one.video)
    assert (tmp_path / "cluster.srt").read_text().strip() == one.subtitles[0].read_text().strip()


def test_unknown_quality_is_refused():
    with pytest.raises(ConfigError, match="unknown quality"):
        RenderJob(scene_file=ROOT / "scenes" / "transform.py", output=Path("/tmp/x.mp4"), quality="z")


def test_a_failed_renders_error_line_is_the_exceptions_own(tmp_path):
    from riemann_nn.jobs.job import _last_words

    log = tmp_path / "manim.log"
    log.write_text(
        "╭──── Traceback ────╮\n│ /x/y.py:3 in f    │\n╰───────────────────╯\n"
        "OSError: [Errno 30] Read-only file system: '/tmp/texts/a.svg'\n"
        "    raise error\n   '/tmp/texts/a.svg'\n"
    )
    assert _last_words(log) == "OSError: [Errno 30] Read-only file system: '/tmp/texts/a.svg'"
    log.write_text("some output\nthe last words\n")
    assert _last_words(log) == "the last words"
