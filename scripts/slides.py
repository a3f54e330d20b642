"""Build the lecture as slides: one self-contained HTML file that opens without a network.

    .venv/bin/python scripts/slides.py [--quality l|m|h|k] [--run RUN.npz | --preset NAME] [--output FILE.html]
    make slides                                     # the same, at SLIDES_QUALITY (default l)
    make slides RUN=mine.npz                        # the lecture told on your run (or PRESET=<name>)

1. installs the ``slides`` extra (manim-slides) into this Python environment when it is missing;
2. renders ``scenes/lecture.py`` with Manim, its example being ``--run`` or ``--preset`` (else
   ``$RIEMANN_NN_RUN`` / ``$RIEMANN_NN_PRESET``, else the lecture's default): every beat a slide, its captions the
   speaker notes, under ``media/slides/``;
3. converts the slides with ``manim-slides convert --one-file --offline``: the videos and reveal.js are inlined.

reveal.js comes from manim-slides' asset cache. Where that lacks a file and its CDN is out of reach, the file is
taken from the reveal.js package of the npm registry (``npm pack``), when ``npm`` is installed.
``RIEMANN_NN_THEME=light`` renders the light theme. The page is ``media/slides/lecture.html``, or
``lecture-<run>.html`` for a run or preset of yours. Keys in the page: arrows to move, S for the speaker notes.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENE_FILE = Path("scenes") / "lecture.py"
SCENE_NAME = "Lecture"
SLIDES_DIR = Path("media") / "slides"  # where the lecture's Slide writes (riemann_nn.render.slides)
QUALITIES = ("l", "m", "h", "k")


class BuildError(Exception):
    """A step failed; the message is the one line the user sees."""


def ensure_manim_slides() -> None:
    """Import manim_slides, installing the project's ``slides`` extra first when it is missing."""
    try:
        importlib.import_module("manim_slides")
        return
    except ImportError:
        pass
    print("slides: installing manim-slides (the 'slides' extra) ...", flush=True)
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[slides]"], check=False)
    if done.returncode != 0:
        raise BuildError(f"could not install manim-slides (pip exit {done.returncode})")
    importlib.invalidate_caches()
    importlib.import_module("manim_slides")


def example_environment(run_file: Path | None, preset: str | None) -> dict[str, str]:
    """This process's environment with the lecture's example set: the Run file (absolute: Manim runs in the
    repository) or the preset, and not the other."""
    env = {key: value for key, value in os.environ.items() if key not in ("RIEMANN_NN_RUN", "RIEMANN_NN_PRESET")}
    if run_file is not None:
        env["RIEMANN_NN_RUN"] = str(run_file.resolve())
    elif preset:
        env["RIEMANN_NN_PRESET"] = preset
    return env


def check_example(run_file: Path | None, preset: str | None) -> str | None:
    """The example's name for the output file (None for the lecture's default); ``BuildError`` for both given,
    a Run file that does not load, or an unknown preset (before anything is rendered)."""
    from riemann_nn.errors import RiemannNNError
    from riemann_nn.presets import get_preset
    from riemann_nn.run import load_run

    if run_file is not None and preset:
        raise BuildError("give either --run or --preset, not both")
    try:
        if run_file is not None:
            load_run(run_file)
            return run_file.stem
        if preset:
            get_preset(preset)
            return preset
    except RiemannNNError as error:
        raise BuildError(str(error)) from None
    return None


def default_output(example: str | None) -> Path:
    """The page's path: ``media/slides/lecture.html``, or ``lecture-<example>.html`` for a run of the user's."""
    return ROOT / SLIDES_DIR / (f"lecture-{example}.html" if example else "lecture.html")


def render(quality: str, *, env: dict[str, str] | None = None) -> Path:
    """Render the lecture (a video and its slides) in ``env``; the slides' JSON file."""
    print(f"slides: rendering {SCENE_FILE} at -q{quality} ...", flush=True)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "manim",
            "render",
            f"-q{quality}",
            "--progress_bar",
            "none",
            str(SCENE_FILE),
            SCENE_NAME,
        ],
        cwd=ROOT,
        check=False,
        env=env,
    )
    presentation = ROOT / SLIDES_DIR / f"{SCENE_NAME}.json"
    if done.returncode != 0 or not presentation.is_file():
        raise BuildError(f"manim could not render {SCENE_FILE} (exit {done.returncode})")
    return presentation


def revealjs_assets() -> tuple[str, Path, list[str]]:
    """reveal.js version, manim-slides' cache folder for it, and the package paths its HTML template loads."""
    from manim_slides.convert import RevealJS
    from platformdirs import user_cache_path

    fields = RevealJS.model_fields
    version, theme = fields["reveal_version"].default, fields["reveal_theme"].default
    template = RevealJS(presentation_configs=[]).load_template()
    paths = re.findall(r"\{\{\s*cdn_url\s*\}\}/([^\"']+)", template)
    paths = [re.sub(r"\{\{\s*reveal_theme\s*\}\}", theme, p) for p in paths]
    return version, user_cache_path("manim-slides") / f"revealjs{version}", sorted(set(paths))


def fill_revealjs_cache() -> None:
    """Put reveal.js files that manim-slides' cache lacks there, from the npm registry's reveal.js package."""
    version, cache, paths = revealjs_assets()
    missing = [p for p in paths if not (cache / Path(p).name).is_file()]
    if not missing:
        return
    npm = shutil.which("npm")
    if npm is None:
        print("slides: npm not found; manim-slides will fetch reveal.js from its CDN", flush=True)
        return
    print(f"slides: fetching reveal.js {version} with npm for offline use ...", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            [npm, "pack", f"reveal.js@{version}", "--pack-destination", folder, "--silent"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
        tarballs = list(Path(folder).glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            print(f"slides: npm pack failed ({done.stderr.strip()[:200]}); trying manim-slides' CDN", flush=True)
            return
        cache.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarballs[0]) as archive:
            for path in missing:
                try:
                    member = archive.extractfile(f"package/{path}")
                except KeyError:
                    member = None
                if member is not None:
                    target = cache / Path(path).name
                    partial = target.with_suffix(target.suffix + ".part")
                    partial.write_bytes(member.read())
                    os.replace(partial, target)


def convert(output: Path, *, background: str, folder: Path = ROOT / SLIDES_DIR, scene: str = SCENE_NAME) -> Path:
    """One HTML file with every slide's video and reveal.js inlined, written atomically to ``output``.

    ``-chash=true`` puts the slide number in the address (``lecture.html#/3``): a reload stays on that slide.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.stem}.partial.html")
    command = [
        sys.executable,
        "-m",
        "manim_slides",
        "convert",
        "--folder",
        str(folder),
        "--to",
        "html",
        "--one-file",
        "--offline",
        "-ctitle=Layers as coordinate systems",
        f"-cbackground_color={background}",
        "-cslide_number=true",
        "-chash=true",
        scene,
        str(partial),
    ]
    done = subprocess.run(command, cwd=ROOT, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stdout + done.stderr, file=sys.stderr)
    if done.returncode != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        raise BuildError(f"manim-slides could not convert the slides to HTML (exit {done.returncode})")
    os.replace(partial, output)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quality", choices=QUALITIES, default="l", help="Manim quality (default l: 480p15)")
    parser.add_argument("--run", type=Path, help="a Run file: the lecture's example [$RIEMANN_NN_RUN]")
    parser.add_argument("--preset", help="a preset: the lecture's example [$RIEMANN_NN_PRESET, else circles-c1-tanh]")
    parser.add_argument("--output", type=Path, help="the HTML file to write [media/slides/lecture[-<run>].html]")
    args = parser.parse_args(argv)
    if args.run is None and not args.preset:  # as the scenes read them: a Run file first, then a preset
        args.run = Path(os.environ["RIEMANN_NN_RUN"]) if os.environ.get("RIEMANN_NN_RUN") else None
        args.preset = None if args.run else os.environ.get("RIEMANN_NN_PRESET") or None
    try:
        example = check_example(args.run, args.preset)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    output = args.output.resolve() if args.output else default_output(example)
    if output.suffix != ".html":
        print(f"error: the output must be an .html file, got {output}", file=sys.stderr)
        return 2
    from riemann_nn.errors import RiemannNNError
    from riemann_nn.render.colour import current_theme

    try:
        background = current_theme().background  # a bad RIEMANN_NN_THEME fails here, before the render
    except RiemannNNError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        ensure_manim_slides()
        render(args.quality, env=example_environment(args.run, args.preset))
        fill_revealjs_cache()
        html = convert(output, background=background)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"slides: {html} ({html.stat().st_size / 1e6:.1f} MB, one file, works offline; S opens the notes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
