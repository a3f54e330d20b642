"""The ``riemann-nn`` command: train runs, summarise them, render videos.

Every error a user can cause ends in one line on stderr starting ``error:`` and a non-zero exit, before any work
when it can be known before (options, environment, input files, the output's place); warnings are one line
starting ``warning:``. SIGTERM is turned into a clean exit (status 143) that runs every cleanup, so no temporary
file is left behind.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import numpy as np

from .config import MAX_COORDINATE, MAX_NAME_LENGTH, RunConfig
from .errors import RiemannNNError, RiemannNNWarning
from .jobs.job import ASPECTS, QUALITY_FOLDERS
from .places import default_output_folder

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
TERMINATED = 128 + signal.SIGTERM  # the shell's status for a process ended by SIGTERM


def _fail(message: str, *, status: int = 1, fresh_line: bool = False) -> None:
    """One ``error:`` line and the exit. ``fresh_line``: start it on a line of its own, after a progress bar an
    interruption may have cut off mid-line."""
    line = f"error: {' '.join(str(message).splitlines())}"  # one line, whatever the message holds
    click.echo(f"\n{line}" if fresh_line else line, err=True)
    sys.exit(status)


def verbosity_options(command):
    """``--quiet`` and ``--verbose``, on every command: read them with ``verbosity()``."""

    def remember(ctx, param, value):
        if value:
            if ctx.meta.get("riemann_nn.verbosity", 0) not in (0, param.name):
                raise click.UsageError("give --quiet or --verbose, not both")
            ctx.meta["riemann_nn.verbosity"] = param.name
        return value

    quiet = click.option(
        "--quiet",
        is_flag=True,
        expose_value=False,
        callback=remember,
        help="No progress bars or notes: errors, warnings and the result only.",
    )
    verbose = click.option(
        "--verbose",
        is_flag=True,
        expose_value=False,
        callback=remember,
        help="More detail: what is read and done, and Manim's own messages.",
    )
    return quiet(verbose(command))


def verbosity() -> str:
    """``quiet``, ``verbose`` or ``normal``: how much the current command says."""
    return click.get_current_context().meta.get("riemann_nn.verbosity") or "normal"


def _note(message: str) -> None:
    """A line that --quiet leaves out (to stderr: stdout keeps the result alone)."""
    if verbosity() != "quiet":
        click.echo(message, err=True)


def _detail(message: str) -> None:
    """A line that only --verbose shows (to stderr)."""
    if verbosity() == "verbose":
        click.echo(message, err=True)


class _Terminated(BaseException):
    """SIGTERM, raised wherever the program is, so that ``finally`` and ``except`` blocks clean up."""


def _raise_terminated(signum, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not interrupt the cleanup
    raise _Terminated


@contextmanager
def _one_line_reports() -> Iterator[None]:
    """SIGTERM becomes ``_Terminated``; riemann-nn's warnings print as one ``warning:`` line each."""
    previous_handler = None
    if threading.current_thread() is threading.main_thread():
        previous_handler = signal.signal(signal.SIGTERM, _raise_terminated)
    with warnings.catch_warnings():
        warnings.simplefilter("always", RiemannNNWarning)
        show = warnings.showwarning

        def show_warning(message, category, *args, **kwargs):
            if issubclass(category, RiemannNNWarning):
                click.echo(f"warning: {' '.join(str(message).splitlines())}", err=True)
            else:
                show(message, category, *args, **kwargs)

        warnings.showwarning = show_warning
        try:
            yield
        finally:
            if previous_handler is not None:
                signal.signal(signal.SIGTERM, previous_handler)


class _Group(click.Group):
    """Turns every error a user can cause (bad options included) into one line on stderr and a non-zero exit."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        no_args_help = getattr(click.exceptions, "NoArgsIsHelpError", ())
        with _one_line_reports():
            try:
                outcome = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            except no_args_help as error:  # bare ``riemann-nn``: the help, as click shows it
                error.show()
                sys.exit(error.exit_code)
            except click.ClickException as error:  # a bad option or argument: click's message, on one line
                _fail(error.format_message(), status=error.exit_code)
            except click.Abort:
                _fail("interrupted; nothing was written", fresh_line=True)
            except _Terminated:
                _fail("terminated; no partial file was left", status=TERMINATED)
        if not standalone_mode:
            return outcome
        sys.exit(outcome if isinstance(outcome, int) else 0)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except RiemannNNError as error:
            _fail(str(error))
        except KeyboardInterrupt:
            _fail("interrupted; nothing was written", fresh_line=True)


@click.group(cls=_Group, context_settings=CONTEXT)
@click.version_option(package_name="riemann-nn")
def main() -> None:
    """See what a deep width-2 network does to its input space.

    Train a network (`train`), summarise a Run file (`info`), list the presets (`presets`),
    render a scene (`render`, on every core with --jobs), render many (`render-all`), draw a still
    with a panel per layer (`sheet`) and find shortest paths under the pulled-back metric (`geodesic`).
    """


@main.command("scenes")
@verbosity_options
def scenes_command() -> None:
    """List the scenes `riemann-nn render --scene NAME` renders."""
    from .scenes import SCENES

    for name, (scene_class, words) in SCENES.items():
        click.echo(f"{name:10s} {scene_class:17s} {words}")


@main.command("presets")
@verbosity_options
def presets_command() -> None:
    """List the named presets."""
    from .presets import PRESETS

    for name, preset in PRESETS.items():
        m, d = preset.model, preset.dataset
        click.echo(f"{name:18s} {d.name:9s} {m.scheme} {m.activation:8s} depth {m.depth:3d}  {preset.description}")


SCHEME_HELP = "c0 (ordinary), c1 (residual) or c2 (second order) [c1, or the preset's]."
ACTIVATION_HELP = "tanh, sigmoid, relu, softplus or identity [tanh, or the preset's]."
DATASET_HELP = "spirals, circles, moons, xor, gaussians or rings [spirals, or the preset's]."


def word_options(command):
    """``--title`` and ``--classes``: the words the scenes, sheets and legends show."""
    title = click.option("--title", help="Title shown in the videos and stills [the run's name].")
    classes = click.option(
        "--classes",
        metavar="NAME0,NAME1",
        help='Names of class 0 and class 1, e.g. "benign,malignant" [your labels, or class 0/1].',
    )
    return title(classes(command))


# The Run file that train and import write (a .npz; checked before any work).
run_file_output = click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    help="Run file to write [media/runs/NAME.npz in the repository, else ./NAME.npz].",
)


def _checked_words(title: str | None, classes: str | None) -> None:
    """Refuse words that cannot be shown before any work is done."""
    from .run import check_class_names, check_title

    if title is not None:
        check_title(title)
    if classes is not None:
        check_class_names(classes)


@main.command("train")
@click.option("--preset", help="Start from this preset (see `riemann-nn presets`); options below override it.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="Train on x,y,label rows of this CSV file.")
@click.option("--dataset", metavar="[spirals|circles|moons|xor|gaussians|rings]", help=DATASET_HELP)
@click.option("--n", "n_points", type=int, help="Number of points to generate [1000].")
@click.option("--noise", type=float, help="Standard deviation of the Gaussian noise [0.2].")
@click.option("--data-seed", type=int, help="Seed of the generated data [0].")
@click.option("--scheme", metavar="[c0|c1|c2]", help=SCHEME_HELP)
@click.option("--activation", metavar="[tanh|sigmoid|relu|softplus|identity]", help=ACTIVATION_HELP)
@click.option("--depth", type=int, help="Number of layers [10].")
@click.option("--width", type=int, help="Neurons per layer: 2, or 3 (the input (x, y) enters as (x, y, 0)) [2].")
@click.option(
    "--step-lipschitz",
    type=float,
    help="c1 only: keep dt*Lip(act)*||W_l|| at most this (below 1), so every step is invertible [none].",
)
@click.option("--dt", type=float, help="Step size of the c1/c2 schemes [1.0].")
@click.option("--init-gain", type=float, help="Xavier-normal gain of every linear map [0.001].")
@click.option("--iterations", type=int, help="Full-batch AdamW steps [200].")
@click.option("--lr", type=float, help="Learning rate [0.005].")
@click.option("--weight-decay", type=float, help="AdamW weight decay [0.05].")
@click.option("--seed", type=int, help="Seed of the initial weights [0].")
@click.option(
    "--checkpoints",
    type=int,
    help="Keep K parameter snapshots at log-spaced iterations, the first and the last included [0: none].",
)
@click.option(
    "--convention", type=click.Choice(["indicatrix", "stretch"]), help="How glyphs draw the metric [indicatrix]."
)
@click.option(
    "--standardize",
    is_flag=True,
    help="Train on the data shifted to zero mean and scaled to unit size; the Run keeps your coordinates.",
)
@word_options
@run_file_output
@verbosity_options
def train_command(
    preset,
    csv_path,
    dataset,
    n_points,
    noise,
    data_seed,
    scheme,
    activation,
    depth,
    width,
    step_lipschitz,
    dt,
    init_gain,
    iterations,
    lr,
    weight_decay,
    seed,
    checkpoints,
    convention,
    standardize,
    title,
    classes,
    output,
) -> None:
    """Train a network and write its Run file."""
    from .export import build_run
    from .outputs import check_output
    from .presets import get_preset
    from .run import save_run

    if csv_path is not None and any(value is not None for value in (dataset, n_points, noise, data_seed)):
        from .errors import ConfigError

        raise ConfigError(
            "--csv reads your points, and --dataset, --n, --noise and --data-seed describe generated "
            "ones: give one or the other"
        )
    base = get_preset(preset) if preset is not None else RunConfig()
    config = base.replace(
        dataset=given(
            name=dataset,
            n=n_points,
            noise=noise,
            seed=data_seed,
            csv=csv_path,
            standardize=True if standardize else None,
        ),
        model=given(
            scheme=scheme,
            activation=activation,
            depth=depth,
            dt=dt,
            init_gain=init_gain,
            width=width,
            step_lipschitz=step_lipschitz,
        ),
        training=given(iterations=iterations, lr=lr, weight_decay=weight_decay, seed=seed, checkpoints=checkpoints),
        geometry=given(convention=convention),
    )
    config = config.replace(name=run_name(base, config) if preset is not None else _custom_name(config))
    _checked_words(title, classes)
    path = Path(output) if output else default_output_folder("runs") / f"{config.name}.npz"
    check_output(path, inputs=[csv_path], needed_bytes=_run_size(config), create_parent=True)
    _check_run_suffix(path)
    _detail(f"training {config.name}: {json.dumps(config.to_dict())}")
    run = build_run(config, progress=verbosity() != "quiet").with_words(title=title, classes=classes)
    save_run(run, path)
    t = run.meta["training"]
    click.echo(f"wrote {path}  (accuracy {t['accuracy']:.3f}, loss {t['loss']:.4f}, {t['iterations']} iterations)")


@main.command("import")
@click.argument("model_file", type=click.Path(dir_okay=False))
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False),
    help="The data, x,y,label rows with labels 0 and 1 (a header line is allowed).",
)
@click.option(
    "--dataset", metavar="[spirals|circles|moons|xor|gaussians|rings]", help="Generated data instead of a CSV file."
)
@click.option("--n", "n_points", type=int, default=1000, show_default=True, help="Points of --dataset.")
@click.option("--noise", type=float, default=0.2, show_default=True, help="Noise of --dataset.")
@click.option("--data-seed", type=int, default=0, show_default=True, help="Seed of --dataset.")
@click.option(
    "--positive",
    type=click.Choice(["0", "1"]),
    default="1",
    show_default=True,
    help="The label your model gives a positive logit (the other is class 0).",
)
@click.option("--name", "run_name_option", help="The run's name [the model file's name].")
@click.option(
    "--convention",
    type=click.Choice(["indicatrix", "stretch"]),
    default="indicatrix",
    show_default=True,
    help="How glyphs draw the metric.",
)
@word_options
@run_file_output
@verbosity_options
def import_command(
    model_file,
    csv_path,
    dataset,
    n_points,
    noise,
    data_seed,
    positive,
    run_name_option,
    convention,
    title,
    classes,
    output,
) -> None:
    """Make a Run of your own trained network, saved as TorchScript (torch.jit.save, .pt) or by torch.export
    (torch.export.save, .pt2), on your data.

    The network must be a chain of width-2 layers and a head (see the README, "Your own model"): Linear(2, 2)
    layers with an activation, riemann_nn.Residual / SecondOrder blocks, other maps of the plane, and a final
    Linear(2, 1) or Linear(2, 2). A pickled module (torch.save) is refused, never loaded.
    """
    from .config import DatasetConfig, GeometryConfig, check_name
    from .data import load_csv, make_dataset
    from .errors import ConfigError
    from .export import file_digest
    from .importer import load_model_file, model_file_kind
    from .outputs import check_output
    from .run import save_run

    if (csv_path is None) == (dataset is None):
        raise ConfigError("give the data: --csv FILE or --dataset NAME (one of them)")
    context = click.get_current_context()
    if csv_path is not None and any(
        context.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE
        for name in ("n_points", "noise", "data_seed")
    ):
        raise ConfigError(
            "--csv reads your points, and --n, --noise and --data-seed describe --dataset's: give one or the other"
        )
    name = check_name(run_name_option or _file_name_part(Path(model_file).stem), "--name")
    _checked_words(title, classes)
    geometry = GeometryConfig(convention=convention)
    kind = model_file_kind(Path(model_file))  # a pickle is refused here, before the data is read
    if csv_path is not None:
        x, y = load_csv(csv_path)
        source = {"source": "csv", "path": str(csv_path), "sha256": file_digest(csv_path), "n": len(y)}
    else:
        d = DatasetConfig(name=dataset, n=n_points, noise=noise, seed=data_seed)
        x, y = make_dataset(d.name, n=d.n, noise=d.noise, seed=d.seed)
        source = {"source": "generated", "name": d.name, "n": d.n, "noise": d.noise, "seed": d.seed}
    path = Path(output) if output else default_output_folder("runs") / f"{name}.npz"
    check_output(path, inputs=[model_file, csv_path], needed_bytes=_import_size(len(y), geometry), create_parent=True)
    _check_run_suffix(path)
    _note(f"reading {model_file} ({'TorchScript' if kind == 'torchscript' else 'torch.export'}) ...")
    model = load_model_file(model_file)
    from .user_model import run_from_module

    form = "TorchScript" if kind == "torchscript" else "torch.export"
    run = run_from_module(
        model,
        x,
        y,
        positive=int(positive),
        name=name,
        title=title,
        classes=classes,
        geometry=geometry,
        data_source=source,
        source=f"{form} file {Path(model_file).name}",
    )
    for number, layer in enumerate(run.meta["model"].get("layers", []), start=1):
        _detail(f"  layer {number}: {layer}")
    save_run(run, path)
    m, t = run.meta["model"], run.meta["training"]
    form = "custom (no weights in the file)" if run.is_custom else f"{m['scheme']} {m['activation']}, dt {m['dt']:g}"
    click.echo(f"wrote {path}  ({run.depth} layers, {form}; accuracy {t['accuracy']:.3f} on the data)")


def _check_run_suffix(path: Path) -> None:
    """A Run file's name ends in .npz: ``-o points.csv`` (meant as ``--csv points.csv``) must not replace the data."""
    from .errors import OutputError

    if path.suffix.lower() != ".npz":
        raise OutputError(
            f"cannot write {path}: a Run file's name must end in .npz (so that -o never replaces a "
            "file of another kind, such as your data)"
        )


def _import_size(points: int, geometry) -> int:
    """The bytes an imported Run of one layer takes (as ``_run_size``, no history): a lower bound for the space
    check, as the depth is known only once the model is read."""
    sites, grid = geometry.sites_per_side**2, 2 * geometry.grid_lines * geometry.grid_samples
    return 8 * 2 * (2 * points + 2 * grid + 13 * sites)


def given(**values) -> dict:
    """The options the user gave (click passes None for the others)."""
    return {key: value for key, value in values.items() if value is not None}


# How a changed field shows in the name of a run made from a preset: "seed-spirals+dt0.1+lr0.01".
CHANGE_LABELS = {
    ("dataset", "name"): "",
    ("dataset", "n"): "n",
    ("dataset", "noise"): "noise",
    ("dataset", "seed"): "dataseed",
    ("dataset", "csv"): "csv-",
    ("dataset", "standardize"): "standardized",
    ("model", "scheme"): "",
    ("model", "activation"): "",
    ("model", "depth"): "depth",
    ("model", "dt"): "dt",
    ("model", "init_gain"): "gain",
    ("model", "width"): "width",
    ("model", "step_lipschitz"): "lip",
    ("training", "iterations"): "it",
    ("training", "lr"): "lr",
    ("training", "weight_decay"): "wd",
    ("training", "seed"): "seed",
    ("training", "checkpoints"): "ckpt",
    ("geometry", "convention"): "",
}


def run_name(preset: RunConfig, config: RunConfig) -> str:
    """The name of a run made from ``preset`` with some options changed: the preset's name when nothing
    changed, else the name followed by each change (``seed-spirals+dt0.1``), or ``NAME+custom`` when that is
    too long for a file name."""
    changes = []
    for (section, field), label in CHANGE_LABELS.items():
        before, after = getattr(getattr(preset, section), field), getattr(getattr(config, section), field)
        if after == before:
            continue
        if isinstance(after, bool):
            changes.append(label)
        elif isinstance(after, float):
            changes.append(f"{label}{after:g}")
        elif field == "csv":
            changes.append(f"{label}{_file_name_part(Path(after).stem)}")
        else:
            changes.append(f"{label}{after}")
    name = "+".join([preset.name, *changes])
    return name if len(name) <= MAX_NAME_LENGTH else f"{preset.name}+custom"


def _custom_name(config) -> str:
    source = _file_name_part(Path(config.dataset.csv).stem) if config.dataset.csv else config.dataset.name
    return f"{source}-{config.model.scheme}-{config.model.activation}"


def _file_name_part(text: str) -> str:
    """``text`` with everything but letters, digits, ``.``, ``_`` and ``-`` replaced, at most 60 characters,
    starting with a letter or digit (``data`` if nothing is left)."""
    kept = "".join(c if c.isalnum() or c in "._-" else "_" for c in text)[:60].lstrip("._-")
    return kept or "data"


def _run_size(config) -> int:
    """About how many bytes the Run file of ``config`` takes (floats barely compress): for the space check."""
    d, g, depth = config.dataset, config.geometry, config.model.depth
    points = d.n if d.csv is None else _line_count(d.csv)
    sites, grid = g.sites_per_side**2, 2 * g.grid_lines * g.grid_samples
    floats = (depth + 1) * (2 * points + 2 * grid + 13 * sites) + 2 * config.training.iterations
    floats += config.training.checkpoints * (6 * depth + 6)  # parameters, iteration, loss, accuracy per snapshot
    return 8 * floats * config.model.width**2 // 4  # width 3: coordinates of 3-space, 3x3 Jacobians and metrics


def _line_count(path: str) -> int:
    """Lines of a regular file of CSV size; 0 for anything else (a FIFO or device is never opened here:
    load_csv refuses it, before any training)."""
    import os
    import stat

    from .data import MAX_CSV_BYTES

    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_CSV_BYTES:
            return 0
        with open(path, "rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except OSError:
        return 0


@main.command("info")
@click.argument("run_file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the metadata as JSON.")
@verbosity_options
def info_command(run_file, as_json) -> None:
    """Summarise a Run file: configuration, accuracy, coordinate ranges per layer, degenerate sites."""
    from .run import load_run

    run = load_run(run_file)
    if as_json:
        click.echo(json.dumps(run.meta, indent=2, allow_nan=False))  # load_run refused NaN and infinities
        return
    t, e = run.meta["training"], run.meta["ellipse"]
    d = run.meta["dataset"]
    source = d.get("name") or d.get("path") or d.get("source", "unknown")
    click.echo(f"{run_file}: {run.name}")
    click.echo(f"  data      {source}, {run.y.size} points ({int((run.y == 1).sum())} in class 1)")
    click.echo(f"  network   {_network_words(run)}")
    for line in invertibility_lines(run):
        click.echo(f"  {line}")
    if t["iterations"]:
        click.echo(
            f"  training  accuracy {t['accuracy']:.4f}, loss {t['loss']:.4g}, {t['iterations']} iterations, "
            f"seed {t['seed']}"
        )
    else:
        click.echo(f"  trained   elsewhere; on this data accuracy {t['accuracy']:.4f}, loss {t['loss']:.4g}")
    if "display" in run.meta or "labels" in run.meta:
        names = " / ".join(run.class_names)
        click.echo(f"  words     {run.title!r}; classes 0 / 1: {names}")
    if "standardize" in run.meta:
        mean, scale = run.meta["standardize"]["mean"], run.meta["standardize"]["scale"]
        click.echo(
            f"  inputs    trained standardised: (x - ({mean[0]:.4g}, {mean[1]:.4g})) / {scale:.4g}; "
            "the file is in the data's coordinates"
        )
    click.echo(
        f"  glyphs    {e['convention']}, scale {e['scale']:.4g}, {run.sites.shape[1]} sites, "
        f"{int(run.clipped.sum())} clipped"
    )
    axes = "xyz"[: run.width]
    click.echo("  layer  " + "".join(f"{axis + ' range':^22s}  " for axis in axes) + "degenerate sites")
    for layer in range(run.depth + 1):
        low, high = run.x[layer].min(axis=0), run.x[layer].max(axis=0)
        ranges = "".join(f"[{low[k]:9.3g}, {high[k]:9.3g}]  " for k in range(run.width))
        click.echo(f"  {layer:5d}  {ranges}{int(run.degenerate[layer].sum()):6d}")
    _echo_checkpoints(run)


def invertibility_lines(run) -> list[str]:
    """What ``info`` says about folds: for c1 runs, whether every step is certainly invertible (its residual's
    Lipschitz bound ``dt Lip(act) ||W_l||_2`` below 1); for every run, where ``det J_L`` is negative among the
    glyph sites (the network reverses orientation there: where it is positive elsewhere, it folds the plane)."""
    lines = []
    bounds = run.meta["model"].get("residual_lipschitz")
    if bounds is not None:
        enforced = run.meta["model"].get("step_lipschitz")
        how = f", enforced <= {enforced:g}" if enforced is not None else ""
        above = sum(bound >= 1 for bound in bounds)
        verdict = (
            "every step invertible (a homeomorphism)"
            if not above
            else f"{above} of {len(bounds)} steps at or above 1 may fold"
        )
        lines.append(f"steps     dt*Lip(act)*||W_l|| up to {max(bounds):.3g}{how}: {verdict}")
    determinant = np.linalg.det(run.jacobian[-1])  # (M,) orientation of the chart of the last layer
    negative, sites = int((determinant < 0).sum()), determinant.size
    if 0 < negative < sites:
        lines.append(
            f"folds     det J_L < 0 at {negative} of {sites} sites, > 0 elsewhere: the network folds its input"
        )
    else:
        lines.append(f"folds     det J_L {'< 0' if negative else '>= 0'} at every site: no fold seen")
    return lines


def _echo_checkpoints(run) -> None:
    """The training snapshots, one line each: iteration, loss, accuracy (or that there are none)."""
    checkpoints = run.checkpoints
    if checkpoints is None:
        click.echo("  checkpoints  none (train with --checkpoints K to keep snapshots)")
        return
    click.echo(f"  checkpoints  {len(checkpoints)} snapshots of the parameters through training")
    click.echo("      iteration      loss   accuracy")
    for iteration, loss, accuracy in zip(checkpoints.iteration, checkpoints.loss, checkpoints.accuracy):
        click.echo(f"      {int(iteration):9d}  {loss:8.4g}   {accuracy:8.4f}")


def _network_words(run) -> str:
    """The network in a line: scheme, activation, depth and dt, or what a custom one is made of."""
    m = run.meta["model"]
    source = f"  ({m['source']})" if "source" in m else ""
    if run.is_custom:
        return f"custom, depth {m['depth']}: {'; '.join(m.get('layers', []))}{source}"
    width = f", width {run.width}" + ("  (input (x, y) as (x, y, 0))" if run.width == 3 else "")
    return f"{m['scheme']} {m['activation']}, depth {m['depth']}, dt {m['dt']}{width}{source}"


@main.command("sheet")
@click.argument("run_file", type=click.Path(dir_okay=False))
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    help="Image to write, .png or .jpg [media/images/NAME-sheet-THEME.png in the repository, else ./].",
)
@click.option("--theme", type=click.Choice(["dark", "light"]), help="Colour theme [$RIEMANN_NN_THEME or dark].")
@click.option("--columns", type=int, help="Panels per row [a near-square grid: 4 for 11 panels].")
@click.option("--width", type=int, default=2400, show_default=True, help="Image width in pixels.")
@click.option("--no-glyphs", is_flag=True, help="Leave out the metric glyphs.")
@click.option(
    "--checkpoints",
    "checkpoint_panels",
    type=int,
    is_flag=False,
    flag_value=6,
    default=None,
    metavar="[N]",
    help="Instead: the input plane at N of the run's training checkpoints [N: 6].",
)
@verbosity_options
def sheet_command(run_file, output, theme, columns, width, no_glyphs, checkpoint_panels) -> None:
    """Draw a Run as one still: a panel per layer (data, warped grid, metric glyphs, the head's line), or with
    --checkpoints the input plane at a few moments of training."""
    from .outputs import check_output
    from .render.colour import current_theme
    from .run import load_run

    run = load_run(run_file)
    chosen = current_theme(theme)
    kind = "sheet" if checkpoint_panels is None else "checkpoints"
    path = Path(output) if output else default_output_folder("images") / f"{run.name}-{kind}-{chosen.name}.png"
    check_output(path, inputs=[run_file], create_parent=True)
    if checkpoint_panels is None:
        from .render.sheet import save_sheet

        save_sheet(run, path, theme=chosen, columns=columns, width=width, glyphs=not no_glyphs)
    else:
        from .render.checkpoint_sheet import save_checkpoint_sheet

        save_checkpoint_sheet(
            run, path, theme=chosen, panels=checkpoint_panels, columns=columns, width=width, glyphs=not no_glyphs
        )
    click.echo(f"wrote {path}")


@main.command("geodesic")
@click.argument("run_file", type=click.Path(dir_okay=False))
@click.option("--from", "start", required=True, metavar="X,Y", help="Start point, in input coordinates.")
@click.option("--to", "end", required=True, metavar="X,Y", help="End point, in input coordinates.")
@click.option(
    "--points",
    type=int,
    default=64,
    show_default=True,
    callback=lambda _, __, value: _path_points(value),
    help="Fewest points of the path, ends included; more are inserted where the net bends it.",
)
@click.option(
    "--method",
    default="auto",
    show_default=True,
    help="auto (lift the last layer's chord, else graph), lift, graph (a grid search over the input, "
    "refined) or energy (a local minimum from the straight segment).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the path and the lengths as JSON.")
@verbosity_options
def geodesic_command(run_file, start, end, points, method, as_json) -> None:
    """Shortest path between two input points under the pulled-back metric g_0 = J_L^T J_L, and its length
    beside the straight segment's. Every length is that of a polyline, each segment mapped through the net."""
    from .geodesic import shortest_path
    from .run import load_run

    a, b = _point_option(start, "--from"), _point_option(end, "--to")
    run = load_run(run_file)
    run.require_width(2, what="geodesic")
    path = shortest_path(run, a, b, points=points, method=method)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "points": path.points.tolist(),
                    "length": path.length,
                    "euclidean": path.euclidean,
                    "output_distance": path.output_distance,
                    "straight_length": path.straight_length,
                    "chord_length": path.chord_length,
                    "method": path.method,
                },
                allow_nan=False,
            )
        )  # shortest_path refuses non-finite lengths; never print NaN or Infinity
        return
    click.echo(
        f"{run_file}: shortest path under g_0 from ({a[0]:g}, {a[1]:g}) to ({b[0]:g}, {b[1]:g}), "
        f"{len(path.points)} points, found by {path.method}"
    )
    click.echo(
        f"  Riemannian length   {path.length:.6g}   (the returned polyline's; "
        f"straight input segment: {path.straight_length:.6g})"
    )
    click.echo(f"  output distance     {path.output_distance:.6g}   |x_L(to) - x_L(from)|: no path is shorter")
    click.echo(f"  Euclidean distance  {path.euclidean:.6g}   |to - from| in the input")


MAX_PATH_POINTS = 100_000  # a path's points are mapped through the net a few times each: keep it to seconds


def _path_points(value: int) -> int:
    """``--points`` up to ``MAX_PATH_POINTS``; the lower bound is ``shortest_path``'s to check."""
    from .errors import ConfigError

    if value > MAX_PATH_POINTS:
        raise ConfigError(f"--points must be at most {MAX_PATH_POINTS:,}, got {value:,}")
    return value


def _point_option(text: str, option: str) -> tuple[float, float]:
    """``"X,Y"`` as two finite floats within ``MAX_COORDINATE``; ``ConfigError`` naming the option otherwise."""
    from .errors import ConfigError

    parts = text.split(",")
    try:
        x, y = (float(part) for part in parts)
    except ValueError:
        raise ConfigError(f"{option} needs X,Y (two numbers separated by a comma), got {text!r}") from None
    if not (np.isfinite(x) and np.isfinite(y)):
        raise ConfigError(f"{option} needs finite numbers, got {text!r}")
    if max(abs(x), abs(y)) > MAX_COORDINATE:
        raise ConfigError(f"{option} {text!r} is beyond +-{MAX_COORDINATE:g}, where the metric's arithmetic overflows")
    return x, y


def parallel_options(command):
    """``--jobs``, ``--dask`` and ``--scheduler``: how many processes, and where they run."""
    scheduler = click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="Run on the Dask scheduler at ADDRESS (e.g. tcp://10.0.0.5:8786; implies --dask).",
    )
    dask = click.option(
        "--dask",
        "use_dask",
        is_flag=True,
        help="Run on Dask: a local cluster of --jobs worker processes unless --scheduler is given.",
    )
    jobs = click.option(
        "--jobs",
        "-j",
        type=int,
        default=1,
        show_default=True,
        help="Processes at once (render: chunks of one scene; render-all: videos); 0 = one per core.",
    )
    return jobs(dask(scheduler(command)))


def _workers(jobs: int) -> int:
    from .errors import ConfigError
    from .jobs.executors import available_cores

    if jobs < 0:
        raise ConfigError(f"--jobs must be 0 (one per core) or more, got {jobs}")
    return jobs or available_cores()


@main.command("render", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--preset", help="Preset to show [the scene's default: seed-c2-sigmoid].")
@click.option("--run", "run_file", type=click.Path(dir_okay=False), help="Run file to show instead of a preset.")
@click.option(
    "--quality",
    "-q",
    type=click.Choice(list(QUALITY_FOLDERS)),
    default="l",
    show_default=True,
    help="l 480p15, m 720p30, h 1080p60, k 2160p60 (as Manim's -ql ... -qk).",
)
@click.option(
    "--aspect",
    type=click.Choice(list(ASPECTS)),
    default="16:9",
    show_default=True,
    help="Shape of the frame: the scene lays itself out for it (4:3 and 1:1 for slides, 9:16 for phones).",
)
@click.option(
    "--path",
    "layer_path",
    type=click.Choice(["straight", "spline", "staged"]),
    help="How points move between layers [per scheme: c0 staged, c1 straight, c2 spline, custom straight].",
)
@click.option("--theme", type=click.Choice(["dark", "light"]), help="Colour theme [dark].")
@click.option(
    "--scene",
    "scene_name",
    default="transform",
    show_default=True,
    help="A scene of riemann-nn (see `riemann-nn scenes`), or the path of a .py scene file.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    help="Video to write: .mp4, .webm or .gif, by its extension [SCENE-RUN-THEME-QUALITY.mp4, in "
    "media/videos inside the repository, else here].",
)
@click.option("--preview", "-p", is_flag=True, help="Open the video when it is done (as Manim's -p).")
@parallel_options
@verbosity_options
@click.pass_context
def render_command(
    ctx, preset, run_file, quality, aspect, layer_path, theme, scene_name, output, preview, jobs, use_dask, scheduler
) -> None:
    """Render a scene (trains and caches the run first if needed) and say where the video is.

    Any other option is passed to Manim's render command as it is (e.g. --fps 24, -c WHITE, or the name of
    one scene of a file with several), after riemann-nn's own options.
    With --jobs N the scene is split into N chunks of its animations with about as many frames each,
    rendered at once and joined without re-encoding: the same frames as one process makes.
    """
    from .cache import load_or_train
    from .jobs import job_from_options
    from .jobs.job import check_manim_args, check_outputs
    from .presets import get_preset
    from .run import load_run

    manim_args = tuple(ctx.args) + (("--verbosity", "INFO") if verbosity() == "verbose" else ())
    check_manim_args(tuple(ctx.args))
    check_render(
        preset=preset, run_file=run_file, layer_path=layer_path, theme=theme, scene_name=scene_name, aspect=aspect
    )
    job = job_from_options(
        scene_name,
        quality=quality,
        preset=preset,
        run_file=run_file,
        theme=theme,
        layer_path=layer_path,
        output=output,
        aspect=aspect,
        manim_args=manim_args,
    )  # scene, quality and output checked first
    check_outputs(job)  # before a preset is trained
    workers = _workers(jobs)
    if run_file:
        load_run(run_file)  # fail now, with one line, rather than inside manim
    elif preset:
        load_or_train(get_preset(preset), progress=verbosity() != "quiet")  # the scene then reads the cache
    result = _render(job, workers=workers, use_dask=use_dask, scheduler=scheduler)
    if preview:
        click.launch(str(result))


def _render(job, *, workers: int, use_dask: bool, scheduler: str | None) -> Path:
    """Render one video in a private folder (in chunks with ``workers`` > 1), move it into place, say where."""
    from .jobs import render_video
    from .jobs.executors import make_executor

    shown = verbosity() != "quiet" and workers == 1  # Manim's own progress bar (on stderr)
    executor = make_executor(workers=workers, dask=use_dask, scheduler=scheduler, show_output=shown)
    where = f" in {workers} processes" if workers > 1 else ""
    _note(f"rendering {job.scene_file.name} at {QUALITY_FOLDERS[job.quality]}{where} ...")
    try:
        result = render_video(job, jobs=workers, executor=executor, progress=verbosity() != "quiet")
    finally:
        executor.close()
    click.echo(f"video: {result.video}")
    for path in result.subtitles:
        click.echo(f"subtitles: {path}")
    return result.video


@main.command("render-all")
@click.option(
    "--file",
    "batch_file",
    type=click.Path(dir_okay=False),
    help="TOML file of jobs ([defaults], [matrix], [[render]]; see the README).",
)
@click.option("--scene", "scenes", multiple=True, help="Scene (repeatable; 'all' = every scene) [transform].")
@click.option("--preset", "presets", multiple=True, help="Preset (repeatable; 'all' = every preset) [scene's default].")
@click.option("--run", "runs", multiple=True, type=click.Path(dir_okay=False), help="Run file (repeatable).")
@click.option(
    "--theme", "themes", multiple=True, type=click.Choice(["dark", "light"]), help="Theme (repeatable) [dark]."
)
@click.option(
    "--quality",
    "-q",
    "qualities",
    multiple=True,
    type=click.Choice(list(QUALITY_FOLDERS)),
    help="Quality (repeatable) [l].",
)
@click.option("--output-dir", type=click.Path(file_okay=False), help="Folder of the videos [media/videos].")
@click.option("--force", is_flag=True, help="Render every job, also those whose video is newer than its inputs.")
@parallel_options
@verbosity_options
def render_all_command(
    batch_file, scenes, presets, runs, themes, qualities, output_dir, force, jobs, use_dask, scheduler
) -> None:
    """Render many videos: every combination of the options given (or the jobs of --file), several at once,
    with a progress bar across them. A job whose video is newer than its inputs is skipped (resume)."""
    from .jobs.batch import batch_jobs, expand, read_batch_file, render_batch
    from .jobs.executors import make_executor

    if batch_file and (scenes or presets or runs or themes or qualities):
        _fail("give either --file or the --scene/--preset/--run/--theme/--quality options, not both")
    if batch_file:
        entries = read_batch_file(Path(batch_file))
    else:
        matrix = {
            "scene": list(scenes) or ["transform"],
            "theme": list(themes) or [None],
            "quality": list(qualities) or ["l"],
        }
        shown = [("preset", name) for name in presets] + [("run", path) for path in runs] or [("preset", None)]
        entries = [{**entry, key: value} for entry in expand(matrix) for key, value in shown]
        entries = [{key: value for key, value in entry.items() if value is not None} for entry in entries]
    jobs_list = batch_jobs(entries, output_folder=Path(output_dir) if output_dir else None)
    workers = _workers(jobs)
    for job in jobs_list:  # a batch file's paths are not click's choices: each job checked as render checks it
        try:
            check_render(
                preset=job.preset,
                run_file=str(job.run_file) if job.run_file else None,
                layer_path=job.layer_path,
                theme=job.theme,
                scene_name=str(job.scene_file),
                aspect=job.aspect,
            )
        except RiemannNNError as error:
            raise type(error)(f"{job.describe()}: {error}") from None
    _prepare_runs(jobs_list)
    executor = make_executor(workers=workers, dask=use_dask, scheduler=scheduler)

    def report(job, outcome) -> None:
        line = f"failed: {job.describe()}: {outcome}" if isinstance(outcome, Exception) else f"video: {outcome}"
        click.echo(line, err=isinstance(outcome, Exception))

    try:
        result = render_batch(
            jobs_list, executor=executor, force=force, on_done=report, progress=verbosity() != "quiet"
        )
    finally:
        executor.close()
    for job in result.skipped:
        click.echo(f"up to date: {job.output}")
    if result.failed:
        _fail(f"{len(result.failed)} of {len(jobs_list)} videos failed; first: {result.failed[0][1]}")
    click.echo(f"{len(result.written)} written, {len(result.skipped)} up to date")


def _prepare_runs(jobs) -> None:
    """Check every Run file and train every preset the jobs show once, here, before any render starts: the
    renders then all read the cache instead of training the same network side by side."""
    import contextlib

    from .cache import load_or_train
    from .jobs.job import ROOT, declared_default_preset
    from .presets import get_preset
    from .run import load_run

    for run_file in {job.run_file for job in jobs if job.run_file}:
        load_run(run_file)
    presets = {job.preset or declared_default_preset(job.scene_file) for job in jobs if not job.run_file}
    configs = [get_preset(name) for name in sorted(name for name in presets if name)]  # unknown names: one line
    with contextlib.chdir(ROOT):
        for config in configs:
            load_or_train(config)


def check_render(
    *,
    preset: str | None,
    run_file: str | None,
    layer_path: str | None,
    theme: str | None,
    scene_name: str,
    aspect: str = "16:9",
) -> None:
    """Everything ``render`` can check before Manim starts: the scene exists and can be drawn in ``aspect`` (the
    scenes not in ``ANY_ASPECT`` place their panels for 16:9 and would be cut off), the Run file loads (validated in
    full), the preset exists, the layer path fits the run's scheme, and the ``RIEMANN_NN_*`` variables the
    scene will read as well. Raises ``ConfigError``/``RunFileError``; trains and writes nothing."""
    import os

    from .environment import check_environment
    from .errors import ConfigError
    from .presets import get_preset
    from .run import load_run
    from .scenes import ANY_ASPECT, FOLDER, SCENES

    if scene_name not in SCENES and not scene_name.endswith(".py"):  # a .py path is checked by the job
        raise ConfigError(f"unknown scene {scene_name!r}; choose one of: {', '.join(SCENES)} (or a .py scene file)")
    from .jobs.job import ROOT

    ours = scene_name in SCENES or Path(scene_name).resolve().parent in (FOLDER, ROOT / "scenes")
    name = Path(scene_name).stem
    if aspect != "16:9" and ours and name in SCENES and name not in ANY_ASPECT:
        raise ConfigError(
            f"the {name} scene is laid out for 16:9 only; --aspect {aspect} works with: {', '.join(ANY_ASPECT)}"
        )
    run = load_run(run_file) if run_file else None
    if run is not None and run.is_custom:
        from .jobs.job import declared_needs_network, resolve_scene_file

        if declared_needs_network(resolve_scene_file(scene_name)):
            run.network_parameters(f"the {Path(scene_name).stem} scene")  # one line: the file has no network
    scheme = run.scheme if run else get_preset(preset).model.scheme if preset is not None else None
    if layer_path == "staged" and scheme != "c0":
        shown = f"this run is {scheme}" if scheme else "give a c0 run with --run or --preset"
        raise ConfigError(
            f"--path staged replays c0 layers (linear map, shift, activation); {shown}, or use "
            "--path straight or spline"
        )
    environment = {**os.environ, **given(RIEMANN_NN_PATH=layer_path, RIEMANN_NN_THEME=theme)}
    if run_file or preset:  # the options say what to show; the shell's RIEMANN_NN_RUN/PRESET do not count
        environment.pop("RIEMANN_NN_RUN", None)
        environment.pop("RIEMANN_NN_PRESET", None)
        environment.update(given(RIEMANN_NN_RUN=run_file) or given(RIEMANN_NN_PRESET=preset))
    check_environment(environment)


if __name__ == "__main__":
    main()
