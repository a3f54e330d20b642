"""Where render processes run: on this machine (a pool of child processes) or on a Dask cluster.

Both take a list of ``Task`` (a job, or a range of its animations, to be rendered into a local media folder)
and yield ``(index, Rendered or RenderError)`` as tasks finish. On a cluster the workers may not share this
machine's file system: a task carries the bytes of its scene file, Run file, cached runs and manim.cfg, the
worker renders in a private folder of its own, and the video and subtitles come back as bytes, written into
the task's media folder here. Downstream (joining, publishing) cannot tell the two apart.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import RenderError, RiemannNNError
from .job import ProcessGroup, Rendered, RenderJob, find_outputs, run_manim, typeset_files


@dataclass(frozen=True)
class Task:
    """Render ``job`` (only plays ``animations[0]..animations[1]`` when given) into ``media_dir``."""

    job: RenderJob
    media_dir: Path
    animations: tuple[int, int] | None = None
    seed: Path | None = None  # a media folder whose typeset text and formulas the task may reuse
    what: str = ""  # for messages: " (chunk 2 of 3, animations 10-19)"


def available_cores() -> int:
    """The cores this process may run on (``--jobs 0``)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class LocalExecutor:
    """Up to ``workers`` Manim processes at once on this machine."""

    def __init__(self, workers: int, *, show_output: bool = False) -> None:
        self.workers = max(1, workers)
        self.show_output = show_output
        self.processes = ProcessGroup()

    def run(self, tasks: list[Task]) -> Iterator[tuple[int, Rendered | RenderError]]:
        pool = ThreadPoolExecutor(max_workers=min(self.workers, len(tasks)) or 1)
        futures = {
            pool.submit(
                run_manim,
                task.job,
                task.media_dir,
                processes=self.processes,
                animations=task.animations,
                show_output=self.show_output,
                seed=task.seed,
                what=task.what,
            ): index
            for index, task in enumerate(tasks)
        }
        finished = False
        try:
            for future in as_completed(futures):
                yield futures[future], _outcome(future)
            finished = True
        finally:
            if not finished:  # interrupted, or the caller gave up after a failure: stop every child now
                self.processes.terminate()
            pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        self.processes.terminate()


def _outcome(future) -> Rendered | RenderError:
    try:
        return future.result()
    except RiemannNNError as error:
        return error if isinstance(error, RenderError) else RenderError(str(error))


class DaskExecutor:
    """Tasks on a ``dask.distributed`` cluster: the scheduler at ``address``, else a ``LocalCluster`` of
    ``workers`` single-threaded worker processes started here (and stopped by ``close``)."""

    def __init__(self, address: str | None, *, workers: int) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise RenderError(
                "Dask is not installed: pip install 'riemann-nn[cluster]' (dask[distributed]) here and on every worker"
            ) from None
        self.cluster = None
        try:
            if address:
                self.client = Client(address, timeout="10s")
            else:
                self.cluster = LocalCluster(
                    n_workers=max(1, workers), threads_per_worker=1, processes=True, dashboard_address=None
                )
                self.client = Client(self.cluster)
        except (OSError, TimeoutError, ValueError) as error:
            self.close()
            raise RenderError(f"cannot reach the Dask scheduler at {address or 'a local cluster'}: {error}") from None

    def run(self, tasks: list[Task]) -> Iterator[tuple[int, Rendered | RenderError]]:
        from distributed import as_completed as dask_completed

        futures = {
            self.client.submit(render_remotely, pack_task(task), pure=False): index for index, task in enumerate(tasks)
        }
        finished = False
        try:
            for future in dask_completed(futures):
                index = futures[future]
                outcome: Rendered | RenderError
                try:
                    outcome = unpack_result(future.result(), tasks[index].media_dir)
                except RiemannNNError as error:
                    outcome = error if isinstance(error, RenderError) else RenderError(str(error))
                except Exception as error:  # a worker's own failure (no space, lost worker, ...): one line too
                    outcome = RenderError(f"a Dask worker failed{tasks[index].what}: {type(error).__name__}: {error}")
                yield index, outcome
            finished = True
        finally:
            if not finished:
                self.client.cancel(list(futures))

    def close(self) -> None:
        if getattr(self, "client", None) is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def pack_task(task: Task) -> dict:
    """Everything a worker without this file system needs to render ``task``, as bytes and plain values."""
    job = task.job
    workdir = job.workdir
    config = workdir / "manim.cfg"
    return {
        "job": replace(
            job,
            scene_file=Path(job.scene_file.name),
            run_file=job.run_file and Path(job.run_file.name),
            output=Path(job.output.name),
            workdir=Path("."),
        ),
        "scene": job.scene_file.read_bytes(),
        "run": job.run_file.read_bytes() if job.run_file else None,
        "cached_runs": {path.name: path.read_bytes() for path in cached_runs(job)},
        "manim_cfg": config.read_bytes() if config.is_file() else None,
        "typeset": {name: path.read_bytes() for name, path in typeset_files(task.seed).items()} if task.seed else {},
        "animations": task.animations,
        "what": task.what,
    }


def cached_runs(job: RenderJob) -> list[Path]:
    """The cached runs (``media/runs/<preset>-<key>.npz``) the job's scene may load, so that a worker does
    not train them again: every variant of the job's preset (or of the scene's declared default)."""
    from .job import declared_default_preset

    if job.run_file:
        return []
    preset = job.preset or declared_default_preset(job.scene_file)
    folder = job.run_cache
    return sorted(folder.glob(f"{preset}-*.npz")) if preset and folder.is_dir() else []


def render_remotely(package: dict) -> dict:
    """On a worker: lay out the package in a private folder, render it there, return the files as bytes."""
    from ..cache import DEFAULT_CACHE

    with tempfile.TemporaryDirectory(prefix="riemann-nn-worker-") as folder:
        workspace = Path(folder)
        job = package["job"]
        (workspace / job.scene_file).write_bytes(package["scene"])
        if package["run"] is not None:
            (workspace / job.run_file).write_bytes(package["run"])
        if package["manim_cfg"] is not None:
            (workspace / "manim.cfg").write_bytes(package["manim_cfg"])
        cache = workspace / DEFAULT_CACHE
        cache.mkdir(parents=True)
        for name, data in package["cached_runs"].items():
            (cache / name).write_bytes(data)
        for name, data in package["typeset"].items():
            (workspace / "out" / name).parent.mkdir(parents=True, exist_ok=True)
            (workspace / "out" / name).write_bytes(data)
        job = replace(
            job,
            scene_file=workspace / job.scene_file,
            workdir=workspace,
            cache_dir=cache,
            run_file=job.run_file and workspace / job.run_file,
            output=workspace / job.output,
        )
        rendered = run_manim(
            job, workspace / "out", processes=ProcessGroup(), animations=package["animations"], what=package["what"]
        )
        return {
            "name": rendered.video.name,
            "video": rendered.video.read_bytes(),
            "report": rendered.report,
            "subtitles": {suffix: path.read_bytes() for suffix, path in rendered.subtitles.items()},
        }


def unpack_result(result: dict, media_dir: Path) -> Rendered:
    """Write a worker's files into ``media_dir`` as a local Manim process would have left them."""
    folder = media_dir / "videos"
    folder.mkdir(parents=True, exist_ok=True)
    video = folder / result["name"]
    video.write_bytes(result["video"])
    for suffix, data in result["subtitles"].items():
        video.with_suffix(suffix).write_bytes(data)
    return find_outputs(media_dir, report=result["report"])


def make_executor(
    *, workers: int, dask: bool = False, scheduler: str | None = None, show_output: bool = False
) -> LocalExecutor | DaskExecutor:
    """A Dask executor when asked for Dask (``scheduler`` given, or ``dask``), else a local one."""
    if scheduler or dask:
        return DaskExecutor(scheduler, workers=workers)
    return LocalExecutor(workers, show_output=show_output)
