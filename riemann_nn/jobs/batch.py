"""Many videos in one go: a list of (scene, run or preset, theme, quality) jobs, from a TOML file or from
every combination of some options, rendered several at once, resuming where an earlier batch stopped.

A batch file (TOML)::

    [defaults]                  # optional: applies to every job below
    quality = "m"

    [matrix]                    # optional: every combination of these lists
    scene = ["transform", "volume"]
    preset = ["seed-spirals", "seed-c2-sigmoid"]
    theme = ["dark", "light"]

    [[render]]                  # optional, repeatable: one job each
    scene = "pullback"
    run = "media/runs/mine.npz"
    output = "talk/pullback.mp4"

Keys of a job: scene, preset, run, theme, quality, path, output. Relative paths in the file are relative
to the file's folder. ``"all"`` as a scene or preset means every scene of riemann-nn or every preset.
"""

from __future__ import annotations

import contextlib
import itertools
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, RenderError
from .executors import Task, cached_runs
from .job import RenderJob, check_outputs, job_from_options, scene_names
from .publish import private_folder, publish, terminate_as_interrupt
from .render import in_output_format, progress_bar

JOB_KEYS = ("scene", "preset", "run", "theme", "quality", "path", "output")
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def expand(values: dict[str, list]) -> list[dict]:
    """Every combination of the listed values (``{"scene": ["a", "b"], "theme": ["dark"]}`` -> 2 jobs),
    with ``"all"`` scenes and presets spelled out."""
    lists = {key: _spell_out(key, value if isinstance(value, list) else [value]) for key, value in values.items()}
    keys = list(lists)
    return [dict(zip(keys, combination)) for combination in itertools.product(*(lists[key] for key in keys))]


def _spell_out(key: str, values: list) -> list:
    if "all" not in values:
        return values
    if key == "scene":
        return sorted(scene_names())
    if key == "preset":
        from ..presets import PRESETS

        return list(PRESETS)
    raise ConfigError(f"'all' is only understood for scene and preset, not for {key}")


def read_batch_file(path: Path) -> list[dict]:
    """The jobs of a batch file (see the module's docstring), paths made relative to its folder."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read batch file {path}: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"batch file {path} is not valid TOML: {error}") from None
    unknown = set(document) - {"defaults", "matrix", "render"}
    if unknown:
        raise ConfigError(
            f"batch file {path}: unknown section(s) {', '.join(sorted(unknown))}; "
            "use [defaults], [matrix] and [[render]]"
        )
    defaults = _job_table(document.get("defaults", {}), f"{path} [defaults]")
    entries = expand(_job_table(document["matrix"], f"{path} [matrix]", lists=True)) if "matrix" in document else []
    renders = document.get("render", [])
    if not isinstance(renders, list):
        raise ConfigError(f"batch file {path}: write each job as a [[render]] table")
    entries += [_job_table(entry, f"{path} [[render]] #{number}") for number, entry in enumerate(renders, start=1)]
    if not entries:
        raise ConfigError(f"batch file {path} holds no job: add a [matrix] or [[render]] tables")
    folder = path.resolve().parent
    jobs = []
    for entry in entries:
        job = {**defaults, **entry}
        for key in ("run", "output"):
            if job.get(key):
                job[key] = str(folder / job[key])
        if job.get("scene", "").endswith(".py"):
            job["scene"] = str(folder / job["scene"])
        jobs.append(job)
    return jobs


def _job_table(table, where: str, *, lists: bool = False) -> dict:
    """A table of job keys whose values are non-empty strings (``lists``: or lists of them, as in [matrix])."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table of job keys")
    unknown = set(table) - set(JOB_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; the keys are {', '.join(JOB_KEYS)}")
    choices = _choices()
    for key, value in table.items():
        values = value if isinstance(value, list) and lists else [value]
        if not values or not all(isinstance(item, str) and item for item in values):
            raise ConfigError(f"{where}: {key} must be a non-empty string (or, in [matrix], a list of them)")
        wrong = [
            item for item in values if key in choices and item not in choices[key] and not (lists and item == "all")
        ]  # [matrix]'s "all" is expand's to judge
        if wrong:
            raise ConfigError(f"{where}: unknown {key} {wrong[0]!r}; choose one of: {', '.join(choices[key])}")
    return dict(table)


def _choices() -> dict[str, tuple[str, ...]]:
    """The values a job's theme, layer path and quality can take (the command line's choices)."""
    from ..environment import THEME_NAMES
    from ..interpolate import METHODS
    from .job import QUALITY_FOLDERS

    return {"theme": tuple(THEME_NAMES), "path": tuple(METHODS), "quality": tuple(QUALITY_FOLDERS)}


def batch_jobs(entries: list[dict], *, output_folder: Path | None = None) -> list[RenderJob]:
    """``RenderJob``s of batch entries (dicts of ``JOB_KEYS``); two jobs writing one file are refused."""
    jobs = [
        job_from_options(
            entry.get("scene", "transform"),
            quality=entry.get("quality", "l"),
            preset=entry.get("preset"),
            run_file=entry.get("run"),
            theme=entry.get("theme"),
            layer_path=entry.get("path"),
            output=entry.get("output"),
            output_folder=output_folder,
        )
        for entry in entries
    ]
    seen: dict[Path, RenderJob] = {}
    for job in jobs:
        if job.output in seen and seen[job.output] != job:
            raise ConfigError(
                f"two jobs of the batch write {job.output}: {seen[job.output].describe()} and {job.describe()}"
            )
        seen[job.output] = job
    for job in seen.values():  # every place checked before anything is trained (a video up to date is kept)
        if not up_to_date(job):
            check_outputs(job)
    return list(dict.fromkeys(jobs))  # the same job twice is rendered once


def up_to_date(job: RenderJob) -> bool:
    """Whether ``job.output`` exists and is newer than everything it is made from: the scene file, the Run
    file or the preset's cached runs, and the package's own source (which draws every frame)."""
    if not job.output.is_file():
        return False
    inputs = job.inputs() + cached_runs(job) + list(PACKAGE_DIR.rglob("*.py"))
    newest = max((path.stat().st_mtime for path in inputs if path.is_file()), default=0.0)
    return job.output.stat().st_mtime > newest


@dataclass(frozen=True)
class BatchResult:
    """What a batch did: videos written, jobs skipped as up to date, jobs that failed with their error."""

    written: list[Path]
    skipped: list[RenderJob]
    failed: list[tuple[RenderJob, RenderError]]


def render_batch(
    jobs: list[RenderJob],
    *,
    executor,
    force: bool = False,
    progress: bool = True,
    on_done: Callable[[RenderJob, Path | RenderError], None] | None = None,
) -> BatchResult:
    """Render every job that is not ``up_to_date`` (all of them when ``force``), as many at once as
    ``executor`` runs, each in its own private folder and published atomically as soon as it is done; a
    failed job does not stop the others. ``on_done(job, video path or error)`` hears of each."""
    skipped = [] if force else [job for job in jobs if up_to_date(job)]
    todo = [job for job in jobs if job not in skipped]
    for job in todo:  # before the first video starts (--force: also the places of videos up to date)
        check_outputs(job)
    written, failed = [], []
    with (
        terminate_as_interrupt(),
        contextlib.ExitStack() as folders,
        progress_bar(len(todo), f"rendering {len(todo)} videos", enabled=progress and bool(todo)) as advance,
    ):
        places = [folders.enter_context(private_folder(job.output)) for job in todo]
        tasks = [Task(job, place / "media", what=f" ({job.describe()})") for job, place in zip(todo, places)]
        for index, outcome in executor.run(tasks) if tasks else ():
            job = todo[index]
            if isinstance(outcome, RenderError):
                failed.append((job, outcome))
            else:
                video, subtitles = in_output_format(job, outcome.video, outcome.subtitles, places[index])
                written.append(publish(video, subtitles, job.output)[0])
            if on_done:
                on_done(job, outcome if isinstance(outcome, RenderError) else job.output)
            advance()
    return BatchResult(written=written, skipped=skipped, failed=failed)
