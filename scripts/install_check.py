"""Install riemann-nn from a wheel into a fresh virtual environment and render from an empty directory.

    python scripts/install_check.py              # quick: the new venv borrows this environment's packages
    python scripts/install_check.py --full       # a real install: pip fetches every dependency (CPU torch)

1. builds the wheel (``pip wheel --no-deps``) from a copy of the source, in a temporary folder;
2. makes a fresh venv there and installs the wheel: ``--full`` installs it with all its dependencies, as the README
   says (torch from the CPU index, or from a local wheel folder given by ``--find-links``); the quick way installs
   the wheel alone and gives the venv this environment's site-packages (a ``.pth`` line) for its dependencies;
3. from an empty working directory, with a fresh user cache, writes a tiny Run file elsewhere and runs
   ``riemann-nn render --run RUN.npz -o talk/video.mp4``; then checks that the package came from the venv and that
   only the video (and its subtitle files) appeared in the working directory.

Prints the times of each step (measured on whatever else the machine is doing); exits 1 with one line on failure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CPU_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
TORCH = "torch==2.13.0"
TINY_RUN = """
import sys
import riemann_nn as rn
from riemann_nn.config import GeometryConfig, ModelConfig, TrainConfig
from riemann_nn.data import make_dataset
x, y = make_dataset("moons", n=80, noise=0.1, seed=0)
run = rn.run_from_arrays(x, y, model=ModelConfig("c1", "tanh", depth=2), progress=False,
                         training=TrainConfig(iterations=30, lr=0.05, weight_decay=0.0),
                         geometry=GeometryConfig(sites_per_side=4, grid_lines=4, grid_samples=9),
                         classes="left,right", title="Installed")
rn.save_run(run, sys.argv[1])
print(rn.__file__)
"""


class CheckFailed(Exception):
    """One step failed; the message is the line printed."""


def run(command: list[str], *, cwd: Path | None = None, env: dict | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise CheckFailed(f"{' '.join(command[:4])} ... failed (exit {done.returncode}): {last}")
    return done.stdout


def build_wheel(folder: Path) -> Path:
    """The wheel, built from a copy of the source (setuptools writes build/ and *.egg-info beside the source)."""
    source = folder / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "media", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache"
        ),
    )
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(folder),
            str(source),
        ]
    )
    wheels = sorted(folder.glob("riemann_nn-*.whl"))
    if len(wheels) != 1:
        raise CheckFailed(f"pip wheel made {len(wheels)} wheels")
    return wheels[0]


def make_venv(folder: Path, wheel: Path, *, full: bool, find_links: str | None) -> Path:
    """A venv at ``folder`` with ``wheel`` installed; its ``bin`` folder."""
    base = getattr(sys, "_base_executable", sys.executable)
    run([base, "-m", "venv", str(folder)])
    python = folder / "bin" / "python"
    if full:
        links = ["--find-links", find_links] if find_links else []
        run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                *links,
                "--extra-index-url",
                CPU_TORCH_INDEX,
                TORCH,
                str(wheel),
            ]
        )
    else:
        site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip()
        Path(site, "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)])
    return folder / "bin"


def check(work: Path, *, full: bool, find_links: str | None, scene: str = "transform") -> dict[str, float]:
    """The whole check in ``work`` (a temporary folder); the seconds of each step."""
    times = {}
    start = time.perf_counter()
    wheel = build_wheel(work / "dist")
    times["wheel"] = time.perf_counter() - start
    start = time.perf_counter()
    bin_folder = make_venv(work / "venv", wheel, full=full, find_links=find_links)
    times["install"] = time.perf_counter() - start
    here, elsewhere = work / "here", work / "elsewhere"
    here.mkdir()
    elsewhere.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("RIEMANN_NN_") and key not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env.update(
        HOME=str(work / "home"),
        XDG_CACHE_HOME=str(work / "cache"),
        PATH=f"{bin_folder}{os.pathsep}{env.get('PATH', '')}",
    )
    start = time.perf_counter()
    origin = run([str(bin_folder / "python"), "-c", TINY_RUN, str(elsewhere / "run.npz")], cwd=here, env=env).strip()
    if not origin.startswith(str(work / "venv")):
        raise CheckFailed(f"riemann_nn was imported from {origin}, not from the new venv")
    times["run"] = time.perf_counter() - start
    start = time.perf_counter()
    run(
        [
            str(bin_folder / "riemann-nn"),
            "render",
            "--scene",
            scene,
            "--run",
            str(elsewhere / "run.npz"),
            "-o",
            "talk/video.mp4",
            "--fps",
            "2",
            "--quiet",
        ],
        cwd=here,
        env=env,
    )
    times["render"] = time.perf_counter() - start
    written = sorted(str(path.relative_to(here)) for path in here.rglob("*"))
    allowed = {"talk", "talk/video.mp4", "talk/video.srt", "talk/video.vtt"}
    if "talk/video.mp4" not in written or not set(written) <= allowed:
        raise CheckFailed(f"the working directory holds {written}, not just the video (and its subtitles)")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="install every dependency into the venv (slow)")
    parser.add_argument("--find-links", help="a folder of wheels pip may take packages from (e.g. /opt/wheels)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="riemann-nn-install-"))
    try:
        times = check(work, full=args.full, find_links=args.find_links)
    except CheckFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    mode = "full install" if args.full else "wheel alone, dependencies borrowed"
    print(
        f"install check ({mode}): "
        + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in times.items())
        + " (measured under whatever load the machine has)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
