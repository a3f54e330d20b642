"""Render one video, in one process or in chunks: count the frames of every animation, split the scene into
contiguous ranges of animations with about as many frames each, render the ranges at once (each process in
its own media folder), join the pieces without re-encoding and move the result into place atomically.

Why this is exact: Manim's ``-n a,b`` plays every animation before ``a`` to its end without drawing it and
ends the scene after ``b``; each animation is encoded into its own partial movie file from a camera reset
for every frame, so the frames and packets of animation ``i`` do not depend on which process made them, and
joining the chunks' packets gives the packets of a one-process render.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import RenderError
from .executors import LocalExecutor, Task, available_cores
from .formats import convert_mp4, output_format
from .job import SUBTITLE_SUFFIXES, ProcessGroup, Rendered, RenderJob, check_outputs, count_manim
from .join import VIDEO_CLOCK, Piece, join_subtitles, join_videos
from .publish import private_folder, publish, terminate_as_interrupt


@dataclass(frozen=True)
class ChunkReport:
    """One process of a render: its animations (first, last), the frames it wrote, its seconds (from the
    start of its Python code to its end), its set-up (to its first animation: imports, loading the run,
    building the scene) and its start-up (to its first frame written: the set-up and the animations it
    skips)."""

    animations: tuple[int, int] | None
    frames: int
    seconds: float
    setup_seconds: float | None
    startup_seconds: float | None


@dataclass(frozen=True)
class RenderResult:
    """A finished render: the published video and subtitle files, its frame count, its processes, and the
    seconds of the counting pass and of joining the chunks (None when it rendered in one process)."""

    video: Path
    subtitles: list[Path]
    frames: int
    chunks: list[ChunkReport]
    count_seconds: float | None = None
    join_seconds: float | None = None


def plan_chunks(frames: Sequence[int], parts: int) -> list[tuple[int, int]]:
    """Split plays with ``frames[i]`` frames into at most ``parts`` contiguous ranges (first, last), both
    included, so that the largest range has as few frames as possible (and no more ranges than needed
    for that). Binary search on that largest sum, each candidate checked by a greedy fill: O(P log F)."""
    if not frames:
        raise RenderError("the scene plays no animation: nothing to split into chunks")
    parts = max(1, min(parts, len(frames)))

    def greedy(limit: int) -> list[tuple[int, int]]:
        ranges, first, total = [], 0, 0
        for index, count in enumerate(frames):
            if total + count > limit and index > first:
                ranges.append((first, index - 1))
                first, total = index, 0
            total += count
        return [*ranges, (first, len(frames) - 1)]

    low, high = max(frames), sum(frames)
    while low < high:
        middle = (low + high) // 2
        if len(greedy(middle)) <= parts:
            high = middle
        else:
            low = middle + 1
    return greedy(low)


def count_plays(job: RenderJob, folder: Path, *, processes: ProcessGroup) -> dict:
    """The counting pass: the scene run once with every animation skipped (nothing drawn or written); the
    driver's report lists every play's run time and frames. Also trains and caches the run if needed, so
    the chunks that follow all find it cached."""
    report = count_manim(job, folder, processes=processes, what=" while counting the animations")
    if not report.get("plays"):
        raise RenderError(f"{job.scene_file.name} plays no animation: there is no video to render")
    return report


def render_video(job: RenderJob, *, jobs: int = 1, executor=None, progress: bool = True) -> RenderResult:
    """Render ``job`` into ``job.output`` with ``jobs`` processes (chunks of the scene's animations).

    ``executor`` runs the processes (``LocalExecutor`` or ``DaskExecutor``; a local one with ``jobs``
    workers when None). The previous file at ``job.output`` stays as it was until the new one is complete,
    also when the render fails or is interrupted. Raises ``RenderError``.
    """
    check_outputs(job)
    own_executor = executor is None
    if own_executor:
        executor = LocalExecutor(jobs, show_output=jobs == 1 and progress)
    try:
        with terminate_as_interrupt(), private_folder(job.output) as folder:
            if jobs == 1:
                (rendered,) = _run_tasks(executor, [Task(job, folder / "media")], progress=False)
                return _finish(job, [rendered], folder, count_seconds=None, plays=None)
            report = count_plays(job, folder / "count", processes=ProcessGroup())
            plays = report["plays"]
            plan = plan_chunks([play["frames"] for play in plays], jobs)
            tasks = [
                Task(
                    job,
                    folder / f"chunk-{k}",
                    animations=animations,
                    seed=folder / "count",
                    what=f" (chunk {k + 1} of {len(plan)}, animations {animations[0]}-{animations[1]})",
                )
                for k, animations in enumerate(plan)
            ]
            pieces = _run_tasks(executor, tasks, progress=progress)
            return _finish(job, pieces, folder, count_seconds=report["seconds"], plays=plays)
    finally:
        if own_executor:
            executor.close()


def _run_tasks(executor, tasks: list[Task], *, progress: bool) -> list[Rendered]:
    """Run every task; the first failure stops the others and is raised."""
    results: dict[int, Rendered] = {}
    with progress_bar(len(tasks), f"rendering {len(tasks)} chunks", enabled=progress and len(tasks) > 1) as advance:
        for index, outcome in executor.run(tasks):
            if isinstance(outcome, RenderError):
                raise outcome
            results[index] = outcome
            advance()
    return [results[index] for index in range(len(tasks))]


def _finish(
    job: RenderJob, pieces: list[Rendered], folder: Path, *, count_seconds: float | None, plays: list[dict] | None
) -> RenderResult:
    """Join the pieces (one piece: nothing to join) and publish the video and its subtitles."""
    chunks = [
        ChunkReport(
            animations=tuple(p.report["animations"]) if "animations" in p.report else None,
            frames=p.report.get("frames_written", 0),
            seconds=p.report.get("seconds", 0.0),
            setup_seconds=p.report.get("first_play_seconds"),
            startup_seconds=p.report.get("first_frame_seconds"),
        )
        for p in pieces
    ]
    frames = sum(chunk.frames for chunk in chunks)
    join_seconds = None
    if len(pieces) == 1:
        video, subtitles = pieces[0].video, pieces[0].subtitles
    else:
        start = time.perf_counter()
        video = folder / "joined.mp4"
        packets = join_videos([piece.video for piece in pieces], video)
        if packets != frames:
            raise RenderError(f"the joined video has {packets} frames, its chunks wrote {frames}")
        subtitles = _join_subtitle_files(pieces, plays or [], folder)
        join_seconds = time.perf_counter() - start
    video, subtitles = in_output_format(job, video, subtitles, folder)
    placed_video, placed_subtitles = publish(video, subtitles, job.output)
    return RenderResult(
        video=placed_video,
        subtitles=placed_subtitles,
        frames=frames,
        chunks=chunks,
        count_seconds=count_seconds,
        join_seconds=join_seconds,
    )


def in_output_format(
    job: RenderJob, video: Path, subtitles: dict[str, Path], folder: Path
) -> tuple[Path, dict[str, Path]]:
    """A finished MP4 and its subtitles as ``job.output``'s extension asks: converted (in ``folder``) to WebM or
    GIF; a GIF has no subtitle files, since no player shows them with one (its captions are in its pictures)."""
    if output_format(job.output) == ".mp4":
        return video, subtitles
    converted = folder / f"converted{job.output.suffix.lower()}"
    convert_mp4(video, converted)
    return converted, ({} if output_format(job.output) == ".gif" else subtitles)


def _join_subtitle_files(pieces: list[Rendered], plays: list[dict], folder: Path) -> dict[str, Path]:
    """One subtitle file per suffix any chunk wrote, on the joined video's clock."""
    frame_rate = pieces[0].report["frame_rate"]
    joined = {}
    for suffix in SUBTITLE_SUFFIXES:
        if not any(suffix in piece.subtitles for piece in pieces):
            continue
        placed, video_start = [], 0.0
        for piece in pieces:
            first = piece.report["animations"][0]
            duration = piece.report["frames_written"] / frame_rate
            scene_start = sum(play["run_time"] for play in plays[:first])  # skipped plays count their run time
            vtt = piece.subtitles.get(".vtt")
            video_clock = vtt is not None and VIDEO_CLOCK in vtt.read_text(encoding="utf-8").partition("\n")[0]
            placed.append(
                Piece(
                    piece.subtitles.get(suffix),
                    scene_start=scene_start,
                    video_start=video_start,
                    duration=duration,
                    video_clock=video_clock,
                )
            )
            video_start += duration
        join_subtitles(placed, folder / f"joined{suffix}")
        joined[suffix] = folder / f"joined{suffix}"
    return joined


@contextlib.contextmanager
def progress_bar(total: int, description: str, *, enabled: bool) -> Iterator:
    """A rich progress bar on stderr (``advance()`` per finished item); a no-op when not ``enabled``."""
    if not enabled:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(description, total=total)
        yield lambda: bar.advance(task)


def make_video(
    run,
    output,
    *,
    scene: str = "transform",
    quality: str = "l",
    aspect: str = "16:9",
    theme: str | None = None,
    layer_path: str | None = None,
    manim_args: tuple[str, ...] = (),
    jobs: int = 1,
    progress: bool = False,
) -> Path:
    """Render ``scene`` showing ``run`` (a ``Run`` or the path of a Run file) into ``output`` (.mp4, .webm or
    .gif) and return its path: ``riemann-nn render`` from Python (a notebook, a script). ``manim_args`` go to
    Manim (``("--fps", "24")``); options riemann-nn sets itself are refused (``ConfigError``), as by the command.
    ``jobs`` processes render chunks of the scene (0: one per core). Raises ``ConfigError`` or ``RunFileError``
    for bad arguments before Manim starts, ``RenderError`` when Manim fails."""
    import tempfile

    from ..run import Run, save_run
    from .job import check_manim_args, job_from_options

    _check_video_options(run, output, theme=theme, layer_path=layer_path, manim_args=manim_args, jobs=jobs)
    check_manim_args(tuple(manim_args))
    jobs = jobs or available_cores()
    with tempfile.TemporaryDirectory(prefix="riemann-nn-run-") as folder:
        run_file = save_run(run, Path(folder) / f"{run.name}.npz") if isinstance(run, Run) else Path(run)
        job = job_from_options(
            scene,
            quality=quality,
            run_file=run_file,
            theme=theme,
            layer_path=layer_path,
            output=Path(output),
            aspect=aspect,
            manim_args=tuple(manim_args),
        )
        return render_video(job, jobs=jobs, progress=progress).video


def _check_video_options(run, output, *, theme, layer_path, manim_args, jobs) -> None:
    """``make_video``'s arguments, refused in one line before Manim starts (as ``riemann-nn render`` does)."""
    import os

    from ..config import check_choice, check_int
    from ..environment import THEME_NAMES
    from ..errors import ConfigError
    from ..interpolate import METHODS
    from ..run import Run, load_run

    if not isinstance(run, (Run, str, os.PathLike)):
        raise ConfigError(f"make_video needs a Run or the path of a Run file, got {type(run).__name__}")
    if not isinstance(output, (str, os.PathLike)):
        raise ConfigError(f"make_video needs the path of the video to write, got {type(output).__name__}")
    if not (isinstance(manim_args, (tuple, list)) and all(isinstance(arg, str) for arg in manim_args)):
        raise ConfigError(f"manim_args must be a tuple of strings, e.g. ('--fps', '24'), got {manim_args!r:.60}")
    check_int(jobs, "jobs (0: one per core)", low=0, high=1024)
    if theme is not None:
        check_choice(theme, THEME_NAMES, "theme")
    shown = run if isinstance(run, Run) else load_run(run)  # a bad file: its one line now, not Manim's later
    if layer_path is not None:
        check_choice(layer_path, METHODS, "layer path")
        if layer_path == "staged" and shown.scheme != "c0":
            raise ConfigError(
                f"the staged path replays c0 layers (linear map, shift, activation); this run is "
                f"{shown.scheme}: use straight or spline"
            )
