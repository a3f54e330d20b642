"""One render: what to render (a frozen ``RenderJob``), where it goes by default, and the Manim process that
renders it (or a range of its animations) into a private media folder.

Nothing here imports manim or torch: Manim runs in a child process (``riemann_nn.jobs.driver``), so a crash,
a Ctrl-C or a second render at the same time cannot touch another render's files.
"""

from __future__ import annotations

import ast
import configparser
import contextlib
import functools
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..cache import default_cache_dir
from ..errors import ConfigError, RenderError
from ..places import default_output_folder
from .formats import output_format

ROOT = Path(__file__).resolve().parent.parent.parent  # the repository, in a checkout
SCENES_DIR = Path(__file__).resolve().parent.parent / "scenes"  # the scenes shipped with the package
QUALITY_FOLDERS = {"l": "480p15", "m": "720p30", "h": "1080p60", "k": "2160p60"}
QUALITY_LINES = {"l": 480, "m": 720, "h": 1080, "k": 2160}  # pixels across the shorter side of the frame
# Width : height of the frame. Manim's frame is 8 units high at 16:9; other shapes keep the shorter side 8
# units long (so text and marks keep their size on screen) and the scenes lay out for the frame they get.
ASPECTS = {"16:9": (16, 9), "4:3": (4, 3), "1:1": (1, 1), "9:16": (9, 16)}
FRAME_SHORT_SIDE = 8.0
SUBTITLE_SUFFIXES = (".vtt", ".srt")
# The variables through which a scene is told what to show (render.story, render.colour).
SETTING_VARIABLES = ("RIEMANN_NN_RUN", "RIEMANN_NN_PRESET", "RIEMANN_NN_PATH", "RIEMANN_NN_THEME")
# Manim's caches of typeset text and formulas under a media folder: what the counting pass leaves for chunks.
TYPESET_FOLDERS = ("texts", "Tex")
# Every play index is below this, so ``-n ALL_SKIPPED`` skips the whole scene: the counting pass.
ALL_SKIPPED = 1_000_000_000


@dataclass(frozen=True)
class RenderJob:
    """One video to make: a scene file shown with a run (a preset or a Run file), theme, path and quality.

    ``workdir`` is where Manim runs: its ``manim.cfg`` applies, and the cache of runs (``cache_dir``, by default
    ``$RIEMANN_NN_CACHE`` or ``media/runs/``) is relative to it. ``manim_args`` go to Manim unchanged.
    """

    scene_file: Path
    output: Path
    quality: str = "l"
    preset: str | None = None
    run_file: Path | None = None
    theme: str | None = None
    layer_path: str | None = None
    workdir: Path = ROOT
    manim_args: tuple[str, ...] = field(default=())
    cache_dir: Path | None = None
    aspect: str = "16:9"

    def __post_init__(self) -> None:
        check_quality(self.quality)
        check_aspect(self.aspect)
        output_format(self.output)

    @property
    def run_cache(self) -> Path:
        """The folder of cached runs the scene reads (``default_cache_dir()`` is relative to ``workdir``)."""
        return self.cache_dir if self.cache_dir is not None else self.workdir / default_cache_dir()

    def settings(self) -> dict[str, str]:
        """The ``RIEMANN_NN_*`` variables the scene reads (see ``render.scene_support``)."""
        values = {
            "RIEMANN_NN_RUN": self.run_file and str(self.run_file),
            "RIEMANN_NN_PRESET": None if self.run_file else self.preset,
            "RIEMANN_NN_PATH": self.layer_path,
            "RIEMANN_NN_THEME": self.theme,
            "RIEMANN_NN_CACHE": str(self.run_cache),
        }
        return {key: value for key, value in values.items() if value}

    def inputs(self) -> list[Path]:
        """The files this video is made from (for resuming a batch): the scene and the Run file if any."""
        return [self.scene_file] + ([self.run_file] if self.run_file else [])

    def describe(self) -> str:
        shown = self.run_file.name if self.run_file else self.preset or "default run"
        return f"{self.scene_file.stem} / {shown} / {self.theme or 'dark'} / {QUALITY_FOLDERS[self.quality]}"


def check_quality(quality: str) -> None:
    if quality not in QUALITY_FOLDERS:
        raise ConfigError(f"unknown quality {quality!r}; choose one of: {', '.join(QUALITY_FOLDERS)}")


def check_aspect(aspect: str) -> None:
    if aspect not in ASPECTS:
        raise ConfigError(f"unknown aspect {aspect!r}; choose one of: {', '.join(ASPECTS)}")


def frame_geometry(quality: str, aspect: str) -> tuple[tuple[int, int], tuple[float, float]]:
    """Pixels (width, height) and Manim units (width, height) of a frame of ``quality`` and ``aspect``: the
    shorter side has the quality's lines (480 for ``l``) and ``FRAME_SHORT_SIDE`` units; 16:9 at 480 lines is
    Manim's own 854 x 480."""
    across, down = ASPECTS[aspect]
    lines = QUALITY_LINES[quality]
    if across >= down:
        pixels = (2 * round(lines * across / down / 2), lines)
        units = (FRAME_SHORT_SIDE * across / down, FRAME_SHORT_SIDE)
    else:
        pixels = (lines, 2 * round(lines * down / across / 2))
        units = (FRAME_SHORT_SIDE, FRAME_SHORT_SIDE * down / across)
    return pixels, units


# x264's "veryfast" at CRF 20 instead of Manim's "medium" at 23: for our flat vector frames (1080p, measured
# with PyAV) it encodes in 45 % of the CPU time at the same PSNR (39.3 against 39.4 dB) and ~25 % more bytes.
# The encoder ran on threads beside the drawing and took 0.4 of a second core; this frees it for a second job.
ENCODER_OPTIONS = {"preset": "veryfast", "crf": "20"}
ENCODER_SECTION = "video_encoder.options"  # where a manim.cfg holds them


# Settings of a manim.cfg that riemann-nn decides for its render processes (where the files go, which animations,
# what is written): a user's manim.cfg cannot set them through the back door the command line refuses.
RESERVED_CONFIG_KEYS = frozenset(
    {
        "format",
        "output_file",
        "transparent",
        "renderer",
        "from_animation_number",
        "upto_animation_number",
        "write_to_movie",
        "write_all",
        "save_last_frame",
        "save_pngs",
        "save_as_gif",
        "save_sections",
        "dry_run",
        "preview",
        "show_in_file_browser",
        "enable_gui",
        "input_file",
        "scene_names",
        "movie_file_extension",
    }
)


def read_manim_config(path: Path) -> configparser.RawConfigParser:
    """A ``manim.cfg`` as Manim reads it (keys in lower case, no interpolation); empty when there is no such
    file (or it is not a regular file: a FIFO would block); a file Manim could not read either is refused in
    one line naming it."""
    config = configparser.RawConfigParser()
    if not path.is_file():
        return config
    try:
        config.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ConfigError(f"{path} is not a Manim config file riemann-nn can read: {reason}") from None
    return config


def frame_config(job: RenderJob) -> str:
    """The Manim configuration file every render runs with (``--config_file``, which makes Manim skip the
    working directory's own ``manim.cfg``): that file's settings but those riemann-nn decides itself
    (``RESERVED_CONFIG_KEYS``, the folders), then the frame's size in units, so that neither it nor Manim's
    defaults decide the layout, and ``ENCODER_OPTIONS`` for the keys neither it nor the user's own Manim
    config (``~/.config/manim/manim.cfg``) sets (``--encoder-option`` on the command line overrides them all)."""
    _, (width, height) = frame_geometry(job.quality, job.aspect)
    config = read_manim_config(job.workdir / "manim.cfg")
    for section in ("CLI", ENCODER_SECTION):
        if not config.has_section(section):
            config.add_section(section)
    for key in list(config["CLI"]):
        if key in RESERVED_CONFIG_KEYS or key.endswith("_dir"):
            config.remove_option("CLI", key)
    config.set("CLI", "frame_width", repr(width))
    config.set("CLI", "frame_height", repr(height))
    users = read_manim_config(Path.home() / ".config" / "manim" / "manim.cfg")
    for key, value in ENCODER_OPTIONS.items():
        if not any(c.has_section(ENCODER_SECTION) and c.has_option(ENCODER_SECTION, key) for c in (config, users)):
            config.set(ENCODER_SECTION, key, value)
    text = io.StringIO()
    config.write(text)
    return text.getvalue()


def scene_names() -> list[str]:
    """The scenes shipped with the package: ``compare``, ``depth``, ... (their files, read without importing)."""
    return sorted(path.stem for path in SCENES_DIR.glob("*.py") if not path.stem.startswith("_"))


def resolve_scene_file(scene: str) -> Path:
    """``transform`` (a scene shipped with the package) or a path to a ``.py`` scene file, made absolute."""
    path = Path(scene)
    if path.suffix != ".py" and len(path.parts) == 1:
        path = SCENES_DIR / f"{scene}.py"
    path = path.resolve()
    if not path.is_file():
        raise ConfigError(
            f"no scene file {path} (riemann-nn's scenes: {', '.join(scene_names())}; or give a path to a .py file)"
        )
    return path


def check_outputs(job: RenderJob) -> None:
    """Before anything is rendered: the video and its subtitle files (none beside a GIF) can be written without
    destroying anything (``outputs.check_output``: no directory, special or read-only file, nor the job's Run or
    scene file, is replaced). ``OutputError`` otherwise; ``ConfigError`` for a ``manim.cfg`` Manim cannot read."""
    from ..outputs import check_output

    read_manim_config(job.workdir / "manim.cfg")

    suffixes = () if output_format(job.output) == ".gif" else SUBTITLE_SUFFIXES
    for path in (job.output, *(job.output.with_suffix(suffix) for suffix in suffixes)):
        check_output(path, inputs=[job.run_file, job.scene_file], create_parent=True)


def declared(scene_file: Path, attribute: str):
    """The constant ``attribute = ...`` a scene class of ``scene_file`` declares (``default_preset``,
    ``needs_network``), read without importing it (importing a scene imports manim); None if none does. A thin
    file (``from riemann_nn.scenes.transform import LayerByLayer as PackagedScene``, as scenes/*.py in the
    repository) is read through to the package's scene."""
    try:
        tree = ast.parse(scene_file.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and isinstance(statement.value, ast.Constant)
                    and any(getattr(t, "id", None) == attribute for t in statement.targets)
                ):
                    return statement.value.value
    for node in ast.walk(tree):
        module = node.module or "" if isinstance(node, ast.ImportFrom) else ""
        if isinstance(node, ast.ImportFrom) and module.startswith("riemann_nn.scenes"):
            # ``from riemann_nn.scenes.NAME import Class`` (a thin file) or ``from riemann_nn.scenes import NAME``
            names = [module.rpartition(".")[2]] if module != "riemann_nn.scenes" else []
            for name in names or [alias.name for alias in node.names]:
                shipped = SCENES_DIR / f"{name}.py"
                if shipped.is_file() and shipped.resolve() != scene_file.resolve():
                    return declared(shipped, attribute)
    return None


def declared_default_preset(scene_file: Path) -> str | None:
    """The run a scene shows when it is given none: the ``default_preset`` its class declares."""
    value = declared(scene_file, "default_preset")
    return value if isinstance(value, str) else None


def declared_needs_network(scene_file: Path) -> bool:
    """Whether the scene declares ``needs_network = True``: it maps new points through the network, so it cannot
    show a custom network's Run."""
    return declared(scene_file, "needs_network") is True


def default_output(
    scene_file: Path,
    *,
    run_name: str,
    theme: str,
    quality: str,
    layer_path: str | None = None,
    folder: Path | None = None,
) -> Path:
    """``<scene>-<run>-<theme>[-<path>]-<480p15...>.mp4`` in ``media/videos`` inside the repository, else in the
    current directory: everything that changes the picture is in the name, so two renders of different runs or
    themes never overwrite each other."""
    parts = [scene_file.stem, run_name, theme] + ([layer_path] if layer_path else []) + [QUALITY_FOLDERS[quality]]
    return (folder or default_output_folder("videos")) / ("-".join(parts) + ".mp4")


def job_from_options(
    scene: str,
    *,
    quality: str = "l",
    preset: str | None = None,
    run_file: str | Path | None = None,
    theme: str | None = None,
    layer_path: str | None = None,
    output: str | Path | None = None,
    output_folder: Path | None = None,
    manim_args: tuple[str, ...] = (),
    aspect: str = "16:9",
) -> RenderJob:
    """A ``RenderJob`` from the options of ``riemann-nn render``: what is not given comes from the
    ``RIEMANN_NN_*`` variables as the scene would read them (an option wins over a variable), and the job
    says everything explicitly, so its processes do not depend on this environment.

    The default output is ``default_output`` (under ``output_folder`` when given); ``output`` is taken
    relative to the current directory.
    """
    check_quality(quality)
    check_aspect(aspect)
    scene_file = resolve_scene_file(scene)
    if run_file is None and preset is None:
        run_file, preset = os.environ.get("RIEMANN_NN_RUN") or None, os.environ.get("RIEMANN_NN_PRESET") or None
    run_path = Path(run_file).resolve() if run_file else None
    theme = theme or os.environ.get("RIEMANN_NN_THEME") or "dark"
    layer_path = layer_path or os.environ.get("RIEMANN_NN_PATH") or None
    if output is None:
        run_name = run_path.stem if run_path else preset or declared_default_preset(scene_file) or "default"
        output = default_output(
            scene_file, run_name=run_name, theme=theme, quality=quality, layer_path=layer_path, folder=output_folder
        )
        if aspect != "16:9":  # another picture, another name
            output = output.with_name(f"{output.stem}-{aspect.replace(':', 'x')}{output.suffix}")
    return RenderJob(
        scene_file=scene_file,
        output=Path(output).resolve(),
        quality=quality,
        preset=None if run_path else preset,
        run_file=run_path,
        theme=theme,
        layer_path=layer_path,
        manim_args=tuple(manim_args),
        aspect=aspect,
    )


@dataclass(frozen=True)
class Rendered:
    """What one Manim process left in its media folder: the video, its subtitle files by suffix, its report
    (the driver's JSON: plays, frames written, start-up seconds)."""

    video: Path
    subtitles: dict[str, Path]
    report: dict


def manim_command(
    job: RenderJob,
    *,
    media_dir: Path,
    report: Path,
    animations: tuple[int, int] | None = None,
    count_only: bool = False,
    quiet: bool = True,
) -> list[str]:
    """The child process's command line: Manim's ``render`` through the driver, into ``media_dir``.

    ``animations`` = (first, last) play index, both included (Manim's ``-n first,last``); ``count_only``
    skips every play and writes nothing (the counting pass).
    """
    # WARNING: Manim's "File ready at ..." would name the private folder, which is gone a moment later.
    (width, height), _ = frame_geometry(job.quality, job.aspect)
    command = [
        sys.executable,
        "-m",
        "riemann_nn.jobs.driver",
        str(report),
        "--hide-splash",
        "render",
        f"-q{job.quality}",
        "--media_dir",
        str(media_dir),
        "--disable_caching",
        "--silent",
        "--verbosity",
        "WARNING",
        "--config_file",
        str(media_dir / "frame.cfg"),
    ]
    if job.aspect != "16:9":
        command += ["-r", f"{width},{height}"]
    if quiet:
        command += ["--progress_bar", "none"]
    if count_only:
        command += ["-n", str(ALL_SKIPPED), "--format", "none"]
    elif animations is not None:
        command += ["-n", f"{animations[0]},{animations[1]}"]
    options, scene_names = split_manim_args(job.manim_args)
    return command + options + [str(job.scene_file), *scene_names]


def split_manim_args(args: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Manim arguments given to ``riemann-nn render``: options (with their values) to go before the scene file,
    and bare words, the names of scenes to render, after it. A word right after an option that takes a value
    is that value (``--fps 24``)."""
    options: list[str] = []
    names: list[str] = []
    expects_value = False
    for arg in args:
        if expects_value:
            options.append(arg)
            expects_value = False
        elif arg.startswith("-"):
            options.append(arg)
            expects_value = "=" not in arg and manim_option_takes_value(arg.split("=")[0])
        else:
            names.append(arg)
    return options, names


@functools.cache
def manim_options() -> dict[str, bool]:
    """Every option of Manim's ``render`` command, and whether it takes a value (``-r 640,360``: yes;
    ``--transparent``: no). Imports manim's command line (about a second), so only when Manim arguments
    are given: the one place outside the render processes that does."""
    from manim.cli.render.commands import render

    return {
        name: not (getattr(param, "is_flag", False) or getattr(param, "count", False)) and param.nargs != 0
        for param in render.params
        if param.param_type_name == "option"
        for name in (*param.opts, *param.secondary_opts)
    }


def manim_option_takes_value(name: str) -> bool:
    return manim_options().get(name, False)


# Manim's options that riemann-nn sets itself, or that would make something else than one video: why not.
RESERVED_OPTIONS = {
    **dict.fromkeys(("-o", "--output_file"), "give the output with riemann-nn's -o"),
    **dict.fromkeys(("--format",), "riemann-nn picks the format from -o's extension (.mp4, .webm, .gif)"),
    **dict.fromkeys(("-r", "--resolution"), "use --quality and --aspect"),
    **dict.fromkeys(
        ("--media_dir", "--config_file", "-n", "--from_animation_number", "--renderer"),
        "riemann-nn sets it for its render processes",
    ),
    **dict.fromkeys(
        (
            "-s",
            "--save_last_frame",
            "-a",
            "--write_all",
            "-g",
            "--save_pngs",
            "-i",
            "--save_as_gif",
            "-t",
            "--transparent",
            "--save_sections",
            "--dry_run",
            "--watch",
            "--enable_gui",
            "--interactive_embed",
            "-f",
            "--show_in_file_browser",
            "--write_to_movie",
            "-w",
        ),
        "riemann-nn renders one video (riemann-nn sheet draws stills)",
    ),
}


def check_manim_args(args: tuple[str, ...]) -> None:
    """Arguments for Manim given to ``riemann-nn render``: each option must be one of Manim's and not one that
    riemann-nn sets itself (``RESERVED_OPTIONS``); ``ConfigError`` naming it otherwise."""
    if not args:
        return
    known = manim_options()
    for name in (arg.split("=")[0] for arg in split_manim_args(args)[0] if arg.startswith("-")):
        if name in RESERVED_OPTIONS:
            raise ConfigError(f"{name} is not for riemann-nn render: {RESERVED_OPTIONS[name]}")
        if name not in known:
            raise ConfigError(f"No such option: {name} (neither riemann-nn render's nor Manim's)")


def child_environment(job: RenderJob) -> dict[str, str]:
    """This process's environment with the job's settings (and no other run, preset, path or theme), and
    this package importable by the child."""
    env = {key: value for key, value in os.environ.items() if key not in SETTING_VARIABLES}
    package_parent = str(Path(__file__).resolve().parent.parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([package_parent] + [p for p in [env.get("PYTHONPATH")] if p])
    env.update(job.settings())
    return env


class ProcessGroup:
    """The child processes of this process's renders, so that an interrupt can end every one of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen] = set()
        self._stopping = False

    def run(self, command: list[str], *, cwd: Path, env: dict[str, str], log: Path | None) -> int:
        """Run ``command`` to its end; its output goes to ``log`` (or to this terminal when None). Interrupted
        while waiting (Ctrl-C, or SIGTERM turned into one), it ends the child before passing it on."""
        with open(log, "wb") if log else contextlib.nullcontext() as sink:
            with self._lock:
                if self._stopping:
                    raise KeyboardInterrupt
                process = subprocess.Popen(
                    command,
                    cwd=cwd,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=sink,
                    stderr=subprocess.STDOUT if log else None,
                )
                self._running.add(process)
            try:
                return process.wait()
            except BaseException:
                _stop(process)
                raise
            finally:
                with self._lock:
                    self._running.discard(process)

    def terminate(self) -> None:
        """End every running child (politely, then for good) and refuse to start new ones."""
        with self._lock:
            self._stopping = True
            running = list(self._running)
        for process in running:
            process.terminate()
        for process in running:
            _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """End a child: SIGTERM, then SIGKILL if it has not gone within 5 s."""
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def typeset_files(media_dir: Path) -> dict[str, Path]:
    """Manim's typeset text and formula files under ``media_dir``, by path relative to it."""
    return {
        str(path.relative_to(media_dir)): path
        for folder in TYPESET_FOLDERS
        for path in (media_dir / folder).rglob("*")
        if path.is_file()
    }


def seed_typeset(source: Path, media_dir: Path) -> None:
    """Give ``media_dir`` copies of the typeset text and formulas a previous process left in ``source``: a
    chunk then reads the SVGs the counting pass made instead of typesetting them again.

    Copies, never shared files or hard links: every ``Text`` rewrites its cached SVG in place, even when it
    finds one (manimpango's ``remove_last_M`` truncates and writes the file), so two processes reading one
    file at once can parse an empty one."""
    for relative, path in typeset_files(source).items():
        target = media_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def run_manim(
    job: RenderJob,
    media_dir: Path,
    *,
    processes: ProcessGroup,
    animations: tuple[int, int] | None = None,
    show_output: bool = False,
    seed: Path | None = None,
    what: str = "",
) -> Rendered:
    """Render ``job`` (or its ``animations``) in a child process into ``media_dir`` (first given the typeset
    files of the media folder ``seed``, if any) and return what it made. Raises ``RenderError`` with the
    last line Manim printed when it fails."""
    report = _run_driver(
        job, media_dir, processes=processes, animations=animations, show_output=show_output, seed=seed, what=what
    )
    return find_outputs(media_dir, report=report, what=what)


def count_manim(job: RenderJob, media_dir: Path, *, processes: ProcessGroup, what: str = "") -> dict:
    """The counting pass of ``job`` in a child process (every animation skipped, nothing drawn or written):
    the driver's report. Raises ``RenderError`` like ``run_manim``."""
    return _run_driver(job, media_dir, processes=processes, count_only=True, what=what)


def _run_driver(
    job: RenderJob,
    media_dir: Path,
    *,
    processes: ProcessGroup,
    animations: tuple[int, int] | None = None,
    count_only: bool = False,
    show_output: bool = False,
    seed: Path | None = None,
    what: str = "",
) -> dict:
    media_dir.mkdir(parents=True, exist_ok=True)
    if seed is not None:
        seed_typeset(seed, media_dir)
    (media_dir / "frame.cfg").write_text(frame_config(job), encoding="utf-8")
    report_path, log = media_dir / "report.json", None if show_output else media_dir / "manim.log"
    command = manim_command(
        job,
        media_dir=media_dir,
        report=report_path,
        animations=animations,
        count_only=count_only,
        quiet=not show_output,
    )
    env = child_environment(job)
    if log is not None:
        env["COLUMNS"] = "1000"  # a logged error on one line, not wrapped at 80 columns (Rich reads COLUMNS)
    code = processes.run(command, cwd=job.workdir, env=env, log=log)
    if code != 0:
        raise RenderError(f"manim failed{what} (exit status {code}): {_last_words(log)}")
    report = json.loads(report_path.read_text()) if report_path.is_file() else {}
    if animations is not None:
        report["animations"] = list(animations)
    return report


def find_outputs(media_dir: Path, *, report: dict, what: str = "") -> Rendered:
    """The one MP4 Manim wrote under ``media_dir/videos`` (its partial movie files aside) and the subtitle
    files beside it."""
    videos = [p for p in (media_dir / "videos").rglob("*.mp4") if "partial_movie_files" not in p.parts]
    if len(videos) != 1:
        raise RenderError(
            f"manim finished{what} but wrote {len(videos)} videos instead of one "
            f"(a scene file with several scenes needs the scene's name among the manim arguments)"
        )
    video = videos[0]
    subtitles = {
        suffix: video.with_suffix(suffix) for suffix in SUBTITLE_SUFFIXES if video.with_suffix(suffix).is_file()
    }
    return Rendered(video=video, subtitles=subtitles, report=report)


def _last_words(log: Path | None) -> str:
    """The last meaningful line of a Manim log (its error), or a pointer to the terminal output."""
    if log is None or not log.is_file():
        return "see its output above"
    lines = [line.strip().strip("│┃").strip() for line in log.read_text(errors="replace").splitlines()]
    useful = [line for line in lines if line and not set(line) <= set("─━│┃╭╮╰╯ ")]
    # The exception's own line ("OSError: [Errno 30] ...") says most; Rich may print its source lines after it.
    errors = [line for line in useful if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt)\b:?", line)]
    chosen = errors[-1] if errors else useful[-1] if useful else "no output"
    return chosen[:300]
