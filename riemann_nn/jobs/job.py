"""One render: what to render (a frozen ``RenderJob``), where it goes by default, and the Manim process that
renders it (or a range of its animations) into a private media folder.

Nothing here imports manim or torch: Manim runs in a child process (``riemann_nn.jobs.driver``), so a crash,
a Ctrl-C or a second render at the same time cannot touch another render's files.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..cache import default_cache_dir
from ..errors import ConfigError, RenderError

ROOT = Path(__file__).resolve().parent.parent.parent
SCENES_DIR = ROOT / "scenes"
QUALITY_FOLDERS = {"l": "480p15", "m": "720p30", "h": "1080p60", "k": "2160p60"}
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

    def __post_init__(self) -> None:
        check_quality(self.quality)
        if self.output.suffix.lower() != ".mp4":
            raise ConfigError(f"output {self.output} must end in .mp4")

    @property
    def run_cache(self) -> Path:
        """The folder of cached runs the scene reads (``default_cache_dir()`` is relative to ``workdir``)."""
        return self.cache_dir if self.cache_dir is not None else self.workdir / default_cache_dir()

    def settings(self) -> dict[str, str]:
        """The ``RIEMANN_NN_*`` variables the scene reads (see ``render.scene_support``)."""
        values = {"RIEMANN_NN_RUN": self.run_file and str(self.run_file),
                  "RIEMANN_NN_PRESET": None if self.run_file else self.preset,
                  "RIEMANN_NN_PATH": self.layer_path, "RIEMANN_NN_THEME": self.theme,
                  "RIEMANN_NN_CACHE": str(self.run_cache)}
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


def resolve_scene_file(scene: str) -> Path:
    """``transform`` (a file in the repository's scenes/) or a path to a ``.py`` scene file, made absolute."""
    path = Path(scene)
    if path.suffix != ".py" and len(path.parts) == 1:
        path = SCENES_DIR / f"{scene}.py"
    path = path.resolve()
    if not path.is_file():
        available = ", ".join(sorted(p.stem for p in SCENES_DIR.glob("*.py"))) or "none found"
        raise ConfigError(f"no scene file {path} (scenes in {SCENES_DIR}: {available}; or give a path to a .py file)")
    return path


def declared_default_preset(scene_file: Path) -> str | None:
    """The ``default_preset = "..."`` a scene class of ``scene_file`` declares, read without importing it
    (importing a scene imports manim): the run the scene shows when it is given none."""
    try:
        tree = ast.parse(scene_file.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                if (isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant)
                        and isinstance(statement.value.value, str)
                        and any(getattr(t, "id", None) == "default_preset" for t in statement.targets)):
                    return statement.value.value
    return None


def default_output(scene_file: Path, *, run_name: str, theme: str, quality: str, layer_path: str | None = None,
                   folder: Path | None = None) -> Path:
    """``media/videos/<scene>-<run>-<theme>[-<path>]-<480p15...>.mp4`` under the repository: everything that
    changes the picture is in the name, so two renders of different runs or themes never overwrite each other."""
    parts = [scene_file.stem, run_name, theme] + ([layer_path] if layer_path else []) + [QUALITY_FOLDERS[quality]]
    return (folder or ROOT / "media" / "videos") / ("-".join(parts) + ".mp4")


def job_from_options(scene: str, *, quality: str = "l", preset: str | None = None, run_file: str | Path | None = None,
                     theme: str | None = None, layer_path: str | None = None, output: str | Path | None = None,
                     output_folder: Path | None = None, manim_args: tuple[str, ...] = ()) -> RenderJob:
    """A ``RenderJob`` from the options of ``riemann-nn render``: what is not given comes from the
    ``RIEMANN_NN_*`` variables as the scene would read them (an option wins over a variable), and the job
    says everything explicitly, so its processes do not depend on this environment.

    The default output is ``default_output`` (under ``output_folder`` when given); ``output`` is taken
    relative to the current directory.
    """
    check_quality(quality)
    scene_file = resolve_scene_file(scene)
    if run_file is None and preset is None:
        run_file, preset = os.environ.get("RIEMANN_NN_RUN") or None, os.environ.get("RIEMANN_NN_PRESET") or None
    run_path = Path(run_file).resolve() if run_file else None
    theme = theme or os.environ.get("RIEMANN_NN_THEME") or "dark"
    layer_path = layer_path or os.environ.get("RIEMANN_NN_PATH") or None
    if output is None:
        run_name = run_path.stem if run_path else preset or declared_default_preset(scene_file) or "default"
        output = default_output(scene_file, run_name=run_name, theme=theme, quality=quality, layer_path=layer_path,
                                folder=output_folder)
    return RenderJob(scene_file=scene_file, output=Path(output).resolve(), quality=quality,
                     preset=None if run_path else preset, run_file=run_path, theme=theme, layer_path=layer_path,
                     manim_args=tuple(manim_args))


@dataclass(frozen=True)
class Rendered:
    """What one Manim process left in its media folder: the video, its subtitle files by suffix, its report
    (the driver's JSON: plays, frames written, start-up seconds)."""

    video: Path
    subtitles: dict[str, Path]
    report: dict


def manim_command(job: RenderJob, *, media_dir: Path, report: Path, animations: tuple[int, int] | None = None,
                  count_only: bool = False, quiet: bool = True) -> list[str]:
    """The child process's command line: Manim's ``render`` through the driver, into ``media_dir``.

    ``animations`` = (first, last) play index, both included (Manim's ``-n first,last``); ``count_only``
    skips every play and writes nothing (the counting pass).
    """
    # WARNING: Manim's "File ready at ..." would name the private folder, which is gone a moment later.
    command = [sys.executable, "-m", "riemann_nn.jobs.driver", str(report), "--hide-splash", "render",
               f"-q{job.quality}", "--media_dir", str(media_dir), "--disable_caching", "--silent",
               "--verbosity", "WARNING"]
    if quiet:
        command += ["--progress_bar", "none"]
    if count_only:
        command += ["-n", str(ALL_SKIPPED), "--format", "none"]
    elif animations is not None:
        command += ["-n", f"{animations[0]},{animations[1]}"]
    return command + list(job.manim_args) + [str(job.scene_file)]


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
                process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=sink,
                                           stderr=subprocess.STDOUT if log else None)
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
    return {str(path.relative_to(media_dir)): path for folder in TYPESET_FOLDERS
            for path in (media_dir / folder).rglob("*") if path.is_file()}


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


def run_manim(job: RenderJob, media_dir: Path, *, processes: ProcessGroup, animations: tuple[int, int] | None = None,
              show_output: bool = False, seed: Path | None = None, what: str = "") -> Rendered:
    """Render ``job`` (or its ``animations``) in a child process into ``media_dir`` (first given the typeset
    files of the media folder ``seed``, if any) and return what it made. Raises ``RenderError`` with the
    last line Manim printed when it fails."""
    report = _run_driver(job, media_dir, processes=processes, animations=animations, show_output=show_output,
                         seed=seed, what=what)
    return find_outputs(media_dir, report=report, what=what)


def count_manim(job: RenderJob, media_dir: Path, *, processes: ProcessGroup, what: str = "") -> dict:
    """The counting pass of ``job`` in a child process (every animation skipped, nothing drawn or written):
    the driver's report. Raises ``RenderError`` like ``run_manim``."""
    return _run_driver(job, media_dir, processes=processes, count_only=True, what=what)


def _run_driver(job: RenderJob, media_dir: Path, *, processes: ProcessGroup, animations: tuple[int, int] | None = None,
                count_only: bool = False, show_output: bool = False, seed: Path | None = None,
                what: str = "") -> dict:
    media_dir.mkdir(parents=True, exist_ok=True)
    if seed is not None:
        seed_typeset(seed, media_dir)
    report_path, log = media_dir / "report.json", None if show_output else media_dir / "manim.log"
    command = manim_command(job, media_dir=media_dir, report=report_path, animations=animations,
                            count_only=count_only, quiet=not show_output)
    code = processes.run(command, cwd=job.workdir, env=child_environment(job), log=log)
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
        raise RenderError(f"manim finished{what} but wrote {len(videos)} videos instead of one "
                          f"(a scene file with several scenes needs the scene's name among the manim arguments)")
    video = videos[0]
    subtitles = {suffix: video.with_suffix(suffix) for suffix in SUBTITLE_SUFFIXES
                 if video.with_suffix(suffix).is_file()}
    return Rendered(video=video, subtitles=subtitles, report=report)


def _last_words(log: Path | None) -> str:
    """The last meaningful line of a Manim log (its error), or a pointer to the terminal output."""
    if log is None or not log.is_file():
        return "see its output above"
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    useful = [line for line in lines if not set(line) <= set("─━│┃╭╮╰╯ ")]
    return useful[-1][:300] if useful else "no output"
