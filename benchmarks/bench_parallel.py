"""Chunked parallel rendering: the default video at ``-qh`` in 1 and in 2 processes, and what 8 or 16 cores
would give.

    .venv/bin/python benchmarks/bench_parallel.py                 # -qh, 1 and 2 jobs
    .venv/bin/python benchmarks/bench_parallel.py --quality l --jobs 1 2 3

Renders scenes/transform.py with its default preset (cached first, so no render trains) through
``riemann_nn.jobs.render_video`` into a temporary folder, once per ``--jobs`` value, and prints per render:
wall seconds, the counting pass, and per process (chunk) its animations, frames, wall seconds, start-up
(process start to its first frame: interpreter, imports, the scene's set-up, the animations it skips) and
frames per second once started. Then the speed-up over one process, and an estimate for 8 and 16 cores:

    T(N) = counting pass + max over the chunks planned for N of (set-up + first * skip + frames * t_frame)
           + joining

with the set-up (process start to the first animation) and ``t_frame`` from the one-process render, ``skip``
(the cost of one skipped animation) from a counting pass, which skips them all, and the counting pass and
joining as measured. It assumes one core per process and no other load: on a busy machine every number is
pessimistic.

Prints, never asserts. Targets: at least 1.7x with 2 jobs on 2 cores at -qh; start-up per chunk under 3 s
with a cached run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import tempfile
import time
from pathlib import Path

from _common import ROOT, footer, header, verdict

SPEEDUP_TARGET, STARTUP_TARGET_S = 1.7, 3.0


def render(jobs: int, quality: str, preset: str, folder: Path):
    from riemann_nn.jobs import job_from_options, render_video

    job = job_from_options("transform", quality=quality, preset=preset, output=folder / f"jobs-{jobs}.mp4")
    start, cpu = time.perf_counter(), children_cpu_seconds()
    result = render_video(job, jobs=jobs, progress=False)
    return time.perf_counter() - start, children_cpu_seconds() - cpu, result


def children_cpu_seconds() -> float:
    """User and system CPU seconds of the finished child processes (the render processes, all threads)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def counting_pass(quality: str, preset: str, folder: Path) -> dict:
    """The driver's report of the counting pass alone: every play's frames, the set-up, the total."""
    from riemann_nn.jobs import job_from_options
    from riemann_nn.jobs.job import ProcessGroup
    from riemann_nn.jobs.render import count_plays

    job = job_from_options("transform", quality=quality, preset=preset, output=folder / "count.mp4")
    return count_plays(job, folder / "count", processes=ProcessGroup())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", default="h", choices=list("lmhk"))
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--preset", help="the preset to show (default: the scene's default_preset)")
    args = parser.parse_args()
    from riemann_nn.cache import load_or_train
    from riemann_nn.jobs import plan_chunks
    from riemann_nn.jobs.job import declared_default_preset
    from riemann_nn.presets import get_preset

    header(f"bench_parallel: scenes/transform.py at -q{args.quality}, jobs {args.jobs}")
    preset = args.preset or declared_default_preset(ROOT / "scenes" / "transform.py")
    with contextlib.chdir(ROOT):
        load_or_train(get_preset(preset), progress=False)  # cached: no chunk trains
    results, cpus = {}, {}
    with tempfile.TemporaryDirectory(prefix="riemann-nn-bench-parallel-") as tmp:
        for jobs in args.jobs:
            seconds, cpu, result = render(jobs, args.quality, preset, Path(tmp))
            results[jobs] = (seconds, result)
            cpus[jobs] = cpu
            counting = f", counting pass {result.count_seconds:.1f} s" if result.count_seconds else ""
            print(
                f"\n{jobs} job(s): {seconds:.1f} s wall, {cpu:.1f} CPU s ({cpu / seconds:.2f} cores busy), "
                f"{result.frames} frames, {result.frames / seconds:.1f} frames/s overall{counting}"
            )
            print("  chunk  animations  frames   wall s  set-up s  start-up s  frames/s once started")
            for k, chunk in enumerate(result.chunks):
                span = "all" if chunk.animations is None else f"{chunk.animations[0]}-{chunk.animations[1]}"
                rate = chunk.frames / max(chunk.seconds - (chunk.startup_seconds or 0), 1e-9)
                startup = chunk.startup_seconds or 0
                print(
                    f"  {k:5d}  {span:>10}  {chunk.frames:6d}  {chunk.seconds:7.1f}  {chunk.setup_seconds or 0:8.2f}"
                    f"  {startup:10.2f}  {rate:8.1f}   {verdict(startup, STARTUP_TARGET_S)}"
                    f" (start-up < {STARTUP_TARGET_S:g} s)"
                )
        counting_pass(args.quality, preset, Path(tmp))  # typesets the captions into its folder,
        counted = counting_pass(args.quality, preset, Path(tmp))  # so this one runs warm, as chunks do

    if 1 not in results:
        footer()
        return
    one_seconds, one = results[1]
    single = one.chunks[0]
    t_frame = (single.seconds - single.startup_seconds) / single.frames
    print(f"\none process: {1 / t_frame:.1f} frames/s once started, start-up {single.startup_seconds:.2f} s")
    # N processes on C cores finish no sooner than the one-process render's CPU seconds spread over C cores.
    cores = os.cpu_count() or 1
    bound = min(cores, cores * one_seconds / cpus[1])
    print(
        f"on {cores} cores, no number of processes can beat {bound:.2f}x: one process already keeps "
        f"{cpus[1] / one_seconds:.2f} cores busy (drawing, and the encoder's threads)"
    )
    for jobs, (seconds, _) in results.items():
        if jobs > 1:
            speedup = one_seconds / seconds
            ok = "ok" if speedup >= SPEEDUP_TARGET else "UNDER"
            print(f"speed-up with {jobs} jobs: {speedup:.2f}x   target >= {SPEEDUP_TARGET:g}x on 2 cores   {ok}")

    # A chunk starting at animation a: the set-up, a skipped animations, then its frames. The set-up from
    # the one-process render, the cost of a skipped animation from the counting pass (which skips them all).
    frames = [play["frames"] for play in counted["plays"]]
    setup = single.setup_seconds
    skip = (counted["seconds"] - counted["first_play_seconds"]) / len(frames)
    chunked = [result for jobs, (_, result) in results.items() if jobs > 1]
    count = max(result.count_seconds for result in chunked) if chunked else counted["seconds"]
    join = max(result.join_seconds for result in chunked) if chunked else 0.0
    print(
        f"model: set-up {setup:.2f} s + {skip * 1000:.0f} ms per skipped animation + frames x {t_frame * 1000:.1f} ms"
        f" per chunk; counting pass {count:.1f} s; joining {join:.2f} s"
    )
    print("  cores  chunks  largest chunk (frames)  estimated s  speed-up over 1 process")
    for cores in (2, 4, 8, 16):
        plan = plan_chunks(frames, cores)
        longest = max(setup + skip * first + sum(frames[first : last + 1]) * t_frame for first, last in plan)
        estimate = count + longest + join
        largest = max(sum(frames[first : last + 1]) for first, last in plan)
        print(f"  {cores:5d}  {len(plan):6d}  {largest:22d}  {estimate:11.1f}  {one_seconds / estimate:8.2f}x")
    footer()


if __name__ == "__main__":
    main()
