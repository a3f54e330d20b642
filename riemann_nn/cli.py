"""The ``riemann-nn`` command: train runs, summarise them, render videos."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import numpy as np

from .errors import RiemannNNError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


class _Group(click.Group):
    """Turns every error a user can cause into one line on stderr and exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except RiemannNNError as error:
            _fail(str(error))
        except KeyboardInterrupt:
            _fail("interrupted; nothing was written")


@click.group(cls=_Group, context_settings=CONTEXT)
@click.version_option(package_name="riemann-nn")
def main() -> None:
    """See what a deep width-2 network does to its input space.

    Train a network (`train`), summarise a Run file (`info`), list the presets (`presets`),
    render a scene (`render`), draw a still with a panel per layer (`sheet`) and find shortest
    paths under the pulled-back metric (`geodesic`).
    """


@main.command("presets")
def presets_command() -> None:
    """List the named presets."""
    from .presets import PRESETS

    for name, preset in PRESETS.items():
        m, d = preset.model, preset.dataset
        click.echo(f"{name:18s} {d.name:9s} {m.scheme} {m.activation:8s} depth {m.depth:2d}  {preset.description}")


@main.command("train")
@click.option("--preset", "-p", help="Start from this preset (see `riemann-nn presets`); options below override it.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="Train on x,y,label rows of this CSV file.")
@click.option("--dataset", help="spirals, circles, moons, xor or gaussians.")
@click.option("--n", "n_points", type=int, help="Number of points to generate.")
@click.option("--noise", type=float, help="Standard deviation of the Gaussian noise.")
@click.option("--data-seed", type=int, help="Seed of the generated data.")
@click.option("--scheme", help="c0 (ordinary), c1 (residual) or c2 (second order).")
@click.option("--activation", help="tanh, sigmoid, relu, softplus or identity.")
@click.option("--depth", type=int, help="Number of width-2 layers.")
@click.option("--dt", type=float, help="Step size of the c1/c2 schemes.")
@click.option("--init-gain", type=float, help="Xavier-normal gain of every linear map.")
@click.option("--iterations", type=int, help="Full-batch AdamW steps.")
@click.option("--lr", type=float, help="Learning rate.")
@click.option("--weight-decay", type=float, help="AdamW weight decay.")
@click.option("--seed", type=int, help="Seed of the initial weights.")
@click.option("--convention", type=click.Choice(["indicatrix", "stretch"]), help="How glyphs draw the metric.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Run file to write [media/runs/NAME.npz].")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def train_command(preset, csv_path, dataset, n_points, noise, data_seed, scheme, activation, depth, dt,
                  init_gain, iterations, lr, weight_decay, seed, convention, output, quiet) -> None:
    """Train a network and write its Run file."""
    from .pipeline import build_run
    from .presets import RunConfig, get_preset
    from .run import save_run

    config = get_preset(preset) if preset else RunConfig()
    config = config.replace(
        dataset=given(name=dataset, n=n_points, noise=noise, seed=data_seed, csv=csv_path),
        model=given(scheme=scheme, activation=activation, depth=depth, dt=dt, init_gain=init_gain),
        training=given(iterations=iterations, lr=lr, weight_decay=weight_decay, seed=seed),
        geometry=given(convention=convention),
    )
    if not preset or csv_path or dataset or scheme or activation or depth:
        config = config.replace(name=_custom_name(config))
    path = Path(output) if output else Path("media") / "runs" / f"{config.name}.npz"
    run = build_run(config, progress=not quiet)
    save_run(run, path)
    t = run.meta["training"]
    click.echo(f"wrote {path}  (accuracy {t['accuracy']:.3f}, loss {t['loss']:.4f}, {t['iterations']} iterations)")


def given(**values) -> dict:
    """The options the user gave (click passes None for the others)."""
    return {key: value for key, value in values.items() if value is not None}


def _custom_name(config) -> str:
    source = Path(config.dataset.csv).stem if config.dataset.csv else config.dataset.name
    return f"{source}-{config.model.scheme}-{config.model.activation}"


@main.command("info")
@click.argument("run_file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the metadata as JSON.")
def info_command(run_file, as_json) -> None:
    """Summarise a Run file: configuration, accuracy, coordinate ranges per layer, degenerate sites."""
    from .run import load_run

    run = load_run(run_file)
    if as_json:
        click.echo(json.dumps(run.meta, indent=2))
        return
    m, t, e = run.meta["model"], run.meta["training"], run.meta["ellipse"]
    d = run.meta["dataset"]
    source = d.get("name") or d.get("path")
    click.echo(f"{run_file}: {run.name}")
    click.echo(f"  data      {source}, {run.y.size} points ({int((run.y == 1).sum())} in class 1)")
    click.echo(f"  network   {m['scheme']} {m['activation']}, depth {m['depth']}, dt {m['dt']}")
    click.echo(f"  training  accuracy {t['accuracy']:.4f}, loss {t['loss']:.4g}, {t['iterations']} iterations, seed {t['seed']}")
    click.echo(f"  glyphs    {e['convention']}, scale {e['scale']:.4g}, {run.sites.shape[1]} sites, "
               f"{int(run.clipped.sum())} clipped")
    click.echo("  layer        x range                 y range            degenerate sites")
    for layer in range(run.depth + 1):
        low, high = run.x[layer].min(axis=0), run.x[layer].max(axis=0)
        click.echo(f"  {layer:5d}  [{low[0]:9.3g}, {high[0]:9.3g}]  [{low[1]:9.3g}, {high[1]:9.3g}]  "
                   f"{int(run.degenerate[layer].sum()):6d}")


@main.command("sheet")
@click.argument("run_file", type=click.Path(dir_okay=False))
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Image to write, .png or .jpg [media/images/NAME-sheet-THEME.png].")
@click.option("--theme", type=click.Choice(["dark", "light"]), help="Colour theme [$RIEMANN_NN_THEME or dark].")
@click.option("--columns", type=int, help="Panels per row [a near-square grid: 4 for 11 panels].")
@click.option("--width", type=int, default=2400, show_default=True, help="Image width in pixels.")
@click.option("--no-glyphs", is_flag=True, help="Leave out the metric glyphs.")
def sheet_command(run_file, output, theme, columns, width, no_glyphs) -> None:
    """Draw a Run as one still: a panel per layer (data, warped grid, metric glyphs, the head's line)."""
    from .render.sheet import save_sheet
    from .render.theme import current_theme
    from .run import load_run

    run = load_run(run_file)
    chosen = current_theme(theme)
    path = Path(output) if output else Path("media") / "images" / f"{run.name}-sheet-{chosen.name}.png"
    save_sheet(run, path, theme=chosen, columns=columns, width=width, glyphs=not no_glyphs)
    click.echo(f"wrote {path}")


@main.command("geodesic")
@click.argument("run_file", type=click.Path(dir_okay=False))
@click.option("--from", "start", required=True, metavar="X,Y", help="Start point, in input coordinates.")
@click.option("--to", "end", required=True, metavar="X,Y", help="End point, in input coordinates.")
@click.option("--points", type=int, default=64, show_default=True,
              help="Fewest points of the path, ends included; more are inserted where the net bends it.")
@click.option("--method", default="auto", show_default=True,
              help="auto (lift the last layer's chord, else graph), lift, graph (a grid search over the input, "
                   "refined) or energy (a local minimum from the straight segment).")
@click.option("--json", "as_json", is_flag=True, help="Print the path and the lengths as JSON.")
def geodesic_command(run_file, start, end, points, method, as_json) -> None:
    """Shortest path between two input points under the pulled-back metric g_0 = J_L^T J_L, and its length
    beside the straight segment's. Every length is that of a polyline, each segment mapped through the net."""
    from .geodesic import shortest_path
    from .run import load_run

    a, b = _point_option(start, "--from"), _point_option(end, "--to")
    run = load_run(run_file)
    path = shortest_path(run, a, b, points=points, method=method)
    if as_json:
        click.echo(json.dumps({
            "points": path.points.tolist(), "length": path.length, "euclidean": path.euclidean,
            "output_distance": path.output_distance, "straight_length": path.straight_length,
            "chord_length": path.chord_length, "method": path.method,
        }, allow_nan=False))  # shortest_path refuses non-finite lengths; never print NaN or Infinity
        return
    click.echo(f"{run_file}: shortest path under g_0 from ({a[0]:g}, {a[1]:g}) to ({b[0]:g}, {b[1]:g}), "
               f"{len(path.points)} points, found by {path.method}")
    click.echo(f"  Riemannian length   {path.length:.6g}   (the returned polyline's; "
               f"straight input segment: {path.straight_length:.6g})")
    click.echo(f"  output distance     {path.output_distance:.6g}   |x_L(to) - x_L(from)|: no path is shorter")
    click.echo(f"  Euclidean distance  {path.euclidean:.6g}   |to - from| in the input")


def _point_option(text: str, option: str) -> tuple[float, float]:
    """``"X,Y"`` as two finite floats; ``ConfigError`` naming the option otherwise."""
    from .errors import ConfigError

    parts = text.split(",")
    try:
        x, y = (float(part) for part in parts)
    except ValueError:
        raise ConfigError(f"{option} needs X,Y (two numbers separated by a comma), got {text!r}") from None
    if not (np.isfinite(x) and np.isfinite(y)):
        raise ConfigError(f"{option} needs finite numbers, got {text!r}")
    return x, y


QUALITY_FOLDERS = {"l": "480p15", "m": "720p30", "h": "1080p60", "k": "2160p60"}


@main.command("render")
@click.option("--preset", "-p", help="Preset to show [the scene's default: seed-c2-sigmoid].")
@click.option("--run", "run_file", type=click.Path(dir_okay=False), help="Run file to show instead of a preset.")
@click.option("--quality", "-q", type=click.Choice(list(QUALITY_FOLDERS)), default="l", show_default=True,
              help="l 480p15, m 720p30, h 1080p60, k 2160p60.")
@click.option("--path", "layer_path", type=click.Choice(["straight", "spline", "staged"]),
              help="How points move between layers [per scheme: c0 staged, c1 straight, c2 spline].")
@click.option("--theme", type=click.Choice(["dark", "light"]), help="Colour theme [dark].")
@click.option("--scene", "scene_name", default="transform", show_default=True,
              help="Scene file in scenes/ (without .py).")
def render_command(preset, run_file, quality, layer_path, theme, scene_name) -> None:
    """Render a scene to MP4 (trains and caches the run first if needed) and say where it is."""
    import contextlib
    import os
    import subprocess

    from .pipeline import load_or_train
    from .presets import get_preset
    from .run import load_run

    root = Path(__file__).resolve().parent.parent
    scene_file = root / "scenes" / f"{scene_name}.py"
    if not scene_file.is_file():
        _fail(f"no scene {scene_file}; riemann-nn render needs the repository's scenes/ folder")
    env = dict(os.environ)
    if run_file:
        load_run(run_file)  # fail now, with one line, rather than inside manim
        env["RIEMANN_NN_RUN"] = str(Path(run_file).resolve())
    elif preset:
        config = get_preset(preset)
        with contextlib.chdir(root):
            load_or_train(config)  # progress bar here; the scene then reads the cache
        env["RIEMANN_NN_PRESET"] = preset
    if layer_path:
        env["RIEMANN_NN_PATH"] = layer_path
    if theme:
        env["RIEMANN_NN_THEME"] = theme
    command = [sys.executable, "-m", "manim", "render", f"-q{quality}", str(scene_file)]
    click.echo(f"rendering {scene_file.relative_to(root)} at {QUALITY_FOLDERS[quality]} ...")
    done = subprocess.run(command, cwd=root, env=env)  # manim's own progress bars show as it renders
    if done.returncode != 0:
        _fail(f"manim exited with status {done.returncode}")
    videos = sorted((root / "media" / "videos" / scene_name / QUALITY_FOLDERS[quality]).glob("*.mp4"),
                    key=lambda p: p.stat().st_mtime)
    if not videos:
        _fail("manim finished but wrote no video")
    click.echo(f"video: {videos[-1]}")
