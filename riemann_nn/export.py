"""From a configuration to a Run: data -> train -> chart Jacobians -> metric -> Run (the geometry assembly)."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import level_sets, metric, steps
from ._version import __version__
from .checkpoints import Checkpoints
from .config import DatasetConfig, GeometryConfig, ModelConfig, RunConfig, TrainConfig
from .data import check_points, encode_labels, load_csv, make_dataset
from .errors import ConfigError
from .network import chart_jacobians, lift, propagate, residual_lipschitz
from .run import SCHEMA, VERSION, Run, check_class_names, check_title
from .standardize import Standardization

# Part of every cache key: bump it whenever build_run exports something new or different, so cached runs
# made by an older build are trained afresh instead of silently lacking it (2: the decision boundary;
# 3: g_L = I where the last chart collapses; 4: unbounded glyphs flagged, the glyph scale from well-conditioned
# sites within min_circle..max_circle of the last layer, collapsed charts inverted by metric.invert_chart;
# 5: training checkpoints when TrainConfig.checkpoints > 0; 6: grid lines at round multiples, registered with
# the input plane's ticks).
EXPORT_GENERATION = 6


def load_data(config: RunConfig) -> tuple[np.ndarray, np.ndarray]:
    """The configuration's dataset: (N, 2) points and (N,) labels."""
    d = config.dataset
    if d.csv is not None:
        return load_csv(d.csv)
    return make_dataset(d.name, n=d.n, noise=d.noise, seed=d.seed)


def input_bounds(x0: np.ndarray, *, padding: float) -> np.ndarray:
    """The data's bounding box, padded by ``padding`` times its larger side: [[xmin, ymin], [xmax, ymax]]."""
    low, high = x0.min(axis=0), x0.max(axis=0)  # (2,), (2,)
    pad = padding * max(float((high - low).max()), 1e-300)  # data.check_points keeps the spread above 1e-100
    return np.stack([low - pad, high + pad])  # (2, 2)


def glyph_sites(bounds: np.ndarray, per_side: int) -> np.ndarray:
    """A regular ``per_side`` x ``per_side`` grid of sites inside ``bounds``, cell-centred: (M, 2)."""
    fractions = (np.arange(per_side) + 0.5) / per_side  # (K,)
    xs = bounds[0, 0] + fractions * (bounds[1, 0] - bounds[0, 0])
    ys = bounds[0, 1] + fractions * (bounds[1, 1] - bounds[0, 1])
    gx, gy = np.meshgrid(xs, ys, indexing="xy")  # (K, K)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)  # (M, 2)


def grid_lines(bounds: np.ndarray, *, lines: int, samples: int) -> tuple[np.ndarray, float, tuple[int, int]]:
    """Vertical then horizontal lines at the multiples of one round step covering ``bounds`` (about ``lines``
    across its larger side), ``samples`` points each: (R, S, 2), the step, and the (vertical, horizontal)
    counts. Round positions put a grid line through every tick mark of the input plane (``steps``)."""
    step = steps.grid_step(float((bounds[1] - bounds[0]).max()), lines=lines)
    xs = steps.multiples_within(bounds[0, 0], bounds[1, 0], step)  # (Kx,)
    ys = steps.multiples_within(bounds[0, 1], bounds[1, 1], step)  # (Ky,)
    tx = np.linspace(xs[0], xs[-1], samples)  # (S,)
    ty = np.linspace(ys[0], ys[-1], samples)
    vertical = np.stack(np.broadcast_arrays(xs[:, None], ty[None, :]), axis=-1)  # (Kx, S, 2)
    horizontal = np.stack(np.broadcast_arrays(tx[None, :], ys[:, None]), axis=-1)  # (Ky, S, 2)
    return np.concatenate([vertical, horizontal]), step, (len(xs), len(ys))  # (Kx+Ky, S, 2)


def layer_extents(x: np.ndarray) -> np.ndarray:
    """The larger side of the data's bounding box in every layer: (L+1, N, 2) -> (L+1,)."""
    return np.maximum((x.max(axis=1) - x.min(axis=1)).max(axis=-1), 1e-12)


def glyph_scale(
    to_last_input: np.ndarray, *, per_side: int, bounds: np.ndarray, last_extent: float, geometry_config: GeometryConfig
) -> float:
    """The glyph scale ``s``, the radius of the circles at the last layer.

    Chosen so that the median input glyph's major semi-axis is ``glyph_size`` site spacings, the median taken
    over the sites whose input metric is well-conditioned (a rank-deficient metric's glyph is unbounded and
    says nothing about size), then kept between ``min_circle`` and ``max_circle`` times the last layer's data
    extent, so the circles there are visible and do not swamp the plot. With no well-conditioned site at all,
    the last layer alone decides: ``min_circle`` times its extent.
    """
    g = geometry_config
    low, high = g.min_circle * last_extent, g.max_circle * last_extent
    sound = ~metric.rank_deficient(to_last_input)  # (M,)
    if not sound.any():
        return low
    unit, _ = metric.ellipses_of_factor(to_last_input[sound], scale=1.0, max_axis=np.inf, convention=g.convention)
    spacing = float((bounds[1] - bounds[0]).min()) / per_side
    return float(np.clip(g.glyph_size * spacing / float(np.median(unit[:, 0])), low, high))


def trace_decision_boundary(
    weight: np.ndarray,
    bias: np.ndarray,
    head_weight: np.ndarray,
    head_bias: float,
    bounds: np.ndarray,
    *,
    scheme: str,
    activation: str,
    dt: float,
    resolution: int = 241,
) -> tuple[np.ndarray, np.ndarray]:
    """The curve ``logit = 0`` in the input box ``bounds``, every component, as packed polylines: vertices (P, 2)
    and offsets (K+1,) (see ``level_sets.pack``). Newton steps use the exact gradient ``J_L^T w``."""
    network = builtin_network(
        weight, bias, head_weight, np.asarray(head_bias), scheme=scheme, activation=activation, dt=dt
    )
    return trace_boundary(network, bounds, resolution=resolution)


def trace_boundary(network: Network, bounds: np.ndarray, *, resolution: int = 241) -> tuple[np.ndarray, np.ndarray]:
    """``trace_decision_boundary`` of any ``Network``: the curve ``logit = 0`` in ``bounds`` as packed polylines.
    Newton steps use the exact gradient ``(J_L P)^T w`` (``P`` the input plane: the identity at width 2)."""
    head_weight, head_bias = network.head_weight, float(network.head_bias)

    def logits(points: np.ndarray) -> np.ndarray:  # (K, 2) -> (K,)
        return network.layers(points)[-1] @ head_weight + head_bias

    def value_and_gradient(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        last = network.jacobians(points)[-1]  # (K, d, d)
        return logits(points), np.einsum("kij,i->kj", metric.in_plane(last), head_weight)  # (J_L P)^T w

    return level_sets.trace_curve(logits, value_and_gradient, bounds, resolution=resolution)


@dataclass(frozen=True)
class Network:
    """A trained width-2 network as the exporter reads it, whatever made it (``build_run``, a user's module,
    callables). Plain numpy in and out.

    ``layers`` maps points (..., 2) to their coordinates in every layer (L+1, ..., 2), layer 0 being the points;
    ``jacobians`` maps sites (M, 2) to the exact chart Jacobians ``J_l`` (L+1, M, 2, 2); the head is
    ``logit = head_weight . x_L + head_bias``. ``model`` becomes the Run's ``meta.model``. ``parameters`` holds
    ``weight`` (L, 2, 2) and ``bias`` (L, 2) when the layers are of the built-in form (the Run file can then
    recompute every number), and nothing for a custom network (``model["scheme"] == "custom"``).
    """

    layers: Callable[[np.ndarray], np.ndarray]
    jacobians: Callable[[np.ndarray], np.ndarray]
    head_weight: np.ndarray  # (2,)
    head_bias: np.ndarray  # ()
    model: dict
    parameters: dict[str, np.ndarray] = field(default_factory=dict)


def builtin_network(
    weight: np.ndarray,
    bias: np.ndarray,
    head_weight: np.ndarray,
    head_bias: np.ndarray,
    *,
    scheme: str,
    activation: str,
    dt: float,
    model: dict | None = None,
) -> Network:
    """The ``Network`` of DESIGN.md's form: layers ``act(W_l x + b_l)`` (``weight`` (L, 2, 2), ``bias`` (L, 2))
    stepped by ``scheme``. ``model`` adds fields to ``meta.model`` (``init_gain``, ``source``, ...)."""
    width = int(np.shape(weight)[-1])  # 2, or 3: the input (x, y) enters as (x, y, 0)

    def layers(points: np.ndarray) -> np.ndarray:  # (..., 2) -> (L+1, ..., d)
        return propagate(weight, bias, lift(points, width), scheme=scheme, activation=activation, dt=dt)

    def jacobians(sites: np.ndarray) -> np.ndarray:  # (M, 2) -> (L+1, M, d, d)
        return chart_jacobians(weight, bias, lift(sites, width), scheme=scheme, activation=activation, dt=dt)

    described = {"scheme": scheme, "activation": activation, "depth": int(weight.shape[0]), "dt": dt, **(model or {})}
    return Network(layers, jacobians, head_weight, head_bias, described, {"weight": weight, "bias": bias})


def export_run(
    network: Network,
    x0: np.ndarray,
    y: np.ndarray,
    *,
    geometry: GeometryConfig,
    meta: dict,
    loss: np.ndarray,
    accuracy: np.ndarray,
) -> Run:
    """The Run of a trained ``network`` on data ``x0`` (N, 2) with labels ``y`` (N,) in {0, 1}: every layer's
    coordinates of the data, grid lines and glyph sites, the chart Jacobians, metrics and glyphs, the decision
    boundary (the geometry assembly, DESIGN.md).

    ``meta`` holds what only the caller knows (name, description, dataset, training, config, ...); this adds the
    schema, version, model, ellipse and geometry sections. ``loss`` and ``accuracy`` (I,) are the training
    history (empty for a network trained elsewhere).
    """
    g = geometry
    bounds = input_bounds(x0, padding=g.padding)
    sites0 = glyph_sites(bounds, g.sites_per_side)  # (M, 2)
    jacobian = network.jacobians(sites0)  # (L+1, M, d, d)
    to_last = metric.layer_to_last(jacobian)  # (L+1, M, d, d) M_l = J_L J_l^{-1}
    metric_l = metric.metric_of_factor(to_last)  # (L+1, M, d, d) g_l = M_l^T M_l
    x = network.layers(x0)  # (L+1, N, d)
    extents = layer_extents(x)  # (L+1,)
    # The input plane's factor J_L P (M, d, 2): its glyphs set the scale (at width 2, M_0 = J_L itself).
    scale = glyph_scale(
        metric.in_plane(to_last[0]),
        per_side=g.sites_per_side,
        bounds=bounds,
        last_extent=float(extents[-1]),
        geometry_config=g,
    )
    max_axis = g.max_axis * extents  # (L+1,)
    if x.shape[-1] == 2:
        ellipse, clipped = metric.ellipses_of_factor(
            to_last, scale=scale, max_axis=max_axis[:, None], convention=g.convention
        )
    else:
        ellipse, clipped = metric.plane_ellipses(jacobian, scale=scale, max_axis=max_axis[:, None])
    grid0, step, counts = grid_lines(bounds, lines=g.grid_lines, samples=g.grid_samples)
    meta = {
        "schema": SCHEMA,
        "version": VERSION,
        **meta,
        "model": network.model,
        "ellipse": {
            "convention": g.convention,
            "scale": scale,
            "max_axis": max_axis.tolist(),
            "max_axis_fraction": g.max_axis,
            "glyph_size": g.glyph_size,
            "min_circle": g.min_circle,
            "max_circle": g.max_circle,
        },
        "geometry": {
            "bounds": bounds.tolist(),
            "sites_per_side": g.sites_per_side,
            "grid_lines": g.grid_lines,
            "grid_samples": g.grid_samples,
            "grid_step": step,
            "grid_counts": list(counts),
            "padding": g.padding,
        },
        "riemann_nn_version": __version__,
    }
    boundary, boundary_offsets = trace_boundary(network, bounds)
    return Run(
        meta=meta,
        x=x,
        y=np.asarray(y, np.int64),
        grid=network.layers(grid0),
        sites=network.layers(sites0),
        jacobian=jacobian,
        metric=metric_l,
        ellipse=ellipse,
        weight=network.parameters.get("weight"),
        bias=network.parameters.get("bias"),
        head_weight=network.head_weight,
        head_bias=network.head_bias,
        loss=loss,
        accuracy=accuracy,
        degenerate=metric.rank_deficient(metric.in_plane(jacobian)),
        clipped=clipped,
        unbounded=metric.unbounded_glyphs(jacobian),
        boundary=network.layers(boundary),
        boundary_offsets=boundary_offsets,
    )


def build_run(config: RunConfig, *, progress: bool = True) -> Run:
    """Train the configured network and export every layer's coordinates and metric glyphs."""
    if not isinstance(config, RunConfig):
        raise ConfigError(f"build_run needs a RunConfig, got {type(config).__name__}")
    check_drawable(config)
    x0, y = load_data(config)  # (N, 2), (N,)
    return _train_and_export(config, x0, y, dataset=_dataset_meta(config, n=len(y)), progress=progress)


def run_from_arrays(
    x,
    y,
    *,
    model: ModelConfig | None = None,
    training: TrainConfig | None = None,
    geometry: GeometryConfig | None = None,
    standardize: bool = False,
    positive=None,
    name: str = "arrays",
    description: str = "",
    title: str | None = None,
    classes=None,
    progress: bool = True,
) -> Run:
    """Train a network on points ``x`` (N, 2) with labels ``y`` (N,) held in memory, and export its Run.

    ``y`` may hold any two different values (0/1, -1/1, strings, booleans): ``positive`` is the one of class 1
    (logit > 0; default the larger, or the later in sorted order), and ``meta.labels`` records both unless they
    are 0 and 1. ``standardize`` trains on standardised points and keeps the Run in the data's coordinates
    (``standardize.py``). ``title`` and ``classes`` (two names) are the words the scenes show. Raises
    ``DataError`` for data that ``data.check_points`` refuses, ``ConfigError``, ``TrainingError``.
    """
    if title is not None:  # the words are checked before training, not after it
        check_title(title)
    if classes is not None:
        check_class_names(classes)
    codes, values = encode_labels(y, positive=positive)
    x0, codes = check_points(x, codes, source="the arrays given")
    config = RunConfig(
        name=name,
        description=description,
        model=model or ModelConfig(),
        training=training or TrainConfig(),
        geometry=geometry or GeometryConfig(),
        dataset=DatasetConfig(n=len(codes), standardize=standardize),
    )
    check_drawable(config)
    digest = hashlib.sha256(np.ascontiguousarray(x0).tobytes() + codes.tobytes()).hexdigest()
    dataset = {"source": "arrays", "n": len(codes), "sha256": digest}
    extra = {"labels": {"values": values}} if values != [0, 1] else {}
    run = _train_and_export(
        config,
        x0,
        codes,
        dataset=dataset,
        progress=progress,
        extra=extra,
        config_dataset={"source": "arrays", "n": len(codes), "standardize": standardize},
    )
    return run.with_words(title=title, classes=classes)


def _train_and_export(
    config: RunConfig,
    x0: np.ndarray,
    y: np.ndarray,
    *,
    dataset: dict,
    progress: bool,
    extra: dict | None = None,
    config_dataset: dict | None = None,
) -> Run:
    """Train ``config``'s network on ``x0`` (N, 2), ``y`` (N,) and export its Run (``meta.dataset`` = ``dataset``;
    ``config_dataset`` replaces the dataset section of ``meta.config`` when the data came from elsewhere)."""
    from .train import train  # torch: imported here so that loading a cached run never pays for it

    standard = Standardization.of(x0) if config.dataset.standardize else None
    inputs = standard.apply(x0) if standard else x0  # (N, 2)
    result = train(inputs, y, model_config=config.model, train_config=config.training, progress=progress)
    model = result.model
    weight = model.layer_weights().detach().numpy().copy()  # (L, d, d)
    bias = model.bias.detach().numpy().copy()  # (L, d)
    head_weight = model.head_weight.detach().numpy().copy()  # (d,)
    head_bias = model.head_bias.detach().numpy().copy()  # ()
    m = config.model
    checkpoints = result.checkpoints
    if standard is not None:  # the same network rewritten to act on the data's own coordinates
        weight, bias, head_weight, head_bias, dt = standard.to_data_units(
            weight, bias, head_weight, head_bias, scheme=m.scheme, dt=m.dt
        )
        m = dataclasses.replace(m, dt=dt)
        if checkpoints is not None:
            checkpoints = _checkpoints_in_data_units(checkpoints, standard, dt=dt)
    network = builtin_network(
        weight,
        bias,
        head_weight,
        head_bias,
        scheme=m.scheme,
        activation=m.activation,
        dt=m.dt,
        model={"init_gain": m.init_gain, **_width_meta(m, weight)},
    )
    config_meta = config.to_dict()
    if config_dataset is not None:
        config_meta["dataset"] = config_dataset
    meta = {
        "name": config.name,
        "description": config.description,
        "dataset": dataset,
        "training": {
            "accuracy": result.final_accuracy,
            "loss": result.final_loss,
            "iterations": config.training.iterations,
            "seed": config.training.seed,
            "optimizer": "AdamW",
            "lr": config.training.lr,
            "weight_decay": config.training.weight_decay,
            "objective": "binary cross-entropy with logits, full batch",
        },
        "config": config_meta,
        **(extra or {}),
    }
    if standard is not None:
        meta["standardize"] = standard.meta()
    run = export_run(network, x0, y, geometry=config.geometry, meta=meta, loss=result.loss, accuracy=result.accuracy)
    snapshots: dict[str, Any] = checkpoints.run_arrays() if checkpoints is not None else {}
    return dataclasses.replace(run, **snapshots) if snapshots else run


def check_drawable(config: RunConfig) -> None:
    """``ConfigError`` for a configuration whose glyphs cannot be drawn: width 3 draws indicatrix glyphs only
    (a ``stretch`` glyph of the input plane's metric has no image on the data's surface in 3-space)."""
    if config.model.width != 2 and config.geometry.convention != "indicatrix":
        raise ConfigError(
            f"width-{config.model.width} networks draw indicatrix glyphs only; drop --convention "
            f"{config.geometry.convention} or use width 2"
        )


def _width_meta(model: ModelConfig, weight: np.ndarray) -> dict:
    """The width, and for c1 networks the bound ``dt Lip(act) ||W_l||_2`` of every step's residual, below 1
    where the step is certainly invertible (``network.residual_lipschitz``); the enforced bound if any."""
    meta: dict = {"width": model.width}
    if model.scheme == "c1":
        meta["residual_lipschitz"] = residual_lipschitz(weight, activation=model.activation, dt=model.dt).tolist()
    if model.step_lipschitz is not None:
        meta["step_lipschitz"] = model.step_lipschitz
    return meta


def _checkpoints_in_data_units(checkpoints: Checkpoints, standard: Standardization, *, dt: float) -> Checkpoints:
    """Every snapshot rewritten as the final parameters are (``Standardization.to_data_units``), so that the
    last one stays equal to them and all of them act on the data's own coordinates with the step ``dt``."""
    rewritten = [
        standard.to_data_units(*parameters, scheme=checkpoints.scheme, dt=checkpoints.dt)[:4]
        for parameters in zip(checkpoints.weight, checkpoints.bias, checkpoints.head_weight, checkpoints.head_bias)
    ]
    weight, bias, head_weight, head_bias = (np.stack(arrays) for arrays in zip(*rewritten))
    return checkpoints.replace(weight=weight, bias=bias, head_weight=head_weight, head_bias=head_bias, dt=dt)


def run_at_checkpoint(run: Run, position: float, *, scale: float | None = None) -> Run:
    """``run``'s network as it was during training, at ``position`` in ``[0, K-1]`` of its checkpoints (between
    two snapshots the parameters are interpolated: ``Checkpoints.at``), exported on the Run's own data, glyph
    sites and grid lines: coordinates, Jacobians, metrics, glyphs (of scale ``scale``, by default the Run's),
    their flags and the decision boundary, all recomputed from the snapshot's parameters.

    ``meta.training`` holds the snapshot's loss and accuracy (recomputed) and keeps the whole history; the
    result has no checkpoints of its own. Raises ``ConfigError`` for a run without checkpoints or a position
    outside them.
    """
    state = Checkpoints.of_run(run).at(position)
    e = run.meta["ellipse"]
    scale = float(e["scale"] if scale is None else scale)
    jacobian = state.jacobians(run.sites[0])  # (L+1, M, 2, 2)
    to_last = metric.layer_to_last(jacobian)  # (L+1, M, 2, 2)
    x = state.layers(run.x[0])  # (L+1, N, 2)
    max_axis = e.get("max_axis_fraction", GeometryConfig().max_axis) * layer_extents(x)  # (L+1,)
    if run.width == 2:
        ellipse, clipped = metric.ellipses_of_factor(
            to_last, scale=scale, max_axis=max_axis[:, None], convention=e["convention"]
        )
    else:
        ellipse, clipped = metric.plane_ellipses(jacobian, scale=scale, max_axis=max_axis[:, None])
    vertices, offsets = state.boundary(np.asarray(run.meta["geometry"]["bounds"], float))
    logits = x[-1] @ state.head_weight + state.head_bias  # (N,)
    meta = copy.deepcopy(run.meta)
    meta["training"].update(
        loss=float(np.mean(np.logaddexp(0.0, logits) - run.y * logits)),
        accuracy=float(np.mean((logits > 0) == (run.y == 1))),
    )
    meta["ellipse"].update(scale=scale, max_axis=max_axis.tolist())
    return Run(
        meta=meta,
        x=x,
        y=run.y,
        grid=state.layers(run.grid[0]),
        sites=state.layers(run.sites[0]),
        jacobian=jacobian,
        metric=metric.metric_of_factor(to_last),
        ellipse=ellipse,
        weight=state.weight,
        bias=state.bias,
        head_weight=state.head_weight,
        head_bias=np.array(state.head_bias),
        loss=run.loss,
        accuracy=run.accuracy,
        degenerate=metric.rank_deficient(metric.in_plane(jacobian)),
        clipped=clipped,
        unbounded=metric.unbounded_glyphs(jacobian),
        boundary=state.layers(vertices),
        boundary_offsets=offsets,
    )


def input_glyph_scale(run: Run, positions: Sequence[float]) -> float:
    """One glyph scale for ``run``'s input glyphs at several checkpoint positions: the median input glyph's major
    semi-axis, over the well-conditioned sites of all of them, is ``glyph_size`` site spacings (as
    ``glyph_scale`` chooses it for one network), so that the glyphs of different moments compare."""
    checkpoints = Checkpoints.of_run(run)
    sites = run.sites[0]  # (M, 2)
    factors = np.concatenate(
        [metric.in_plane(checkpoints.at(p).jacobians(sites)[-1]) for p in positions]
    )  # (P*M, d, 2) J_L P = M_0 P
    sound = ~metric.rank_deficient(factors)
    if not sound.any():
        return float(run.meta["ellipse"]["scale"])
    unit, _ = metric.ellipses_of_factor(
        factors[sound], scale=1.0, max_axis=np.inf, convention=run.meta["ellipse"]["convention"]
    )
    bounds = np.asarray(run.meta["geometry"]["bounds"], float)
    spacing = float((bounds[1] - bounds[0]).min()) / run.meta["geometry"]["sites_per_side"]
    glyph_size = run.meta["ellipse"].get("glyph_size", GeometryConfig().glyph_size)
    return float(glyph_size * spacing / np.median(unit[:, 0]))


def _dataset_meta(config: RunConfig, *, n: int) -> dict:
    d = config.dataset
    if d.csv is not None:
        return {"source": "csv", "path": str(d.csv), "sha256": file_digest(d.csv), "n": n}
    return {"source": "generated", "name": d.name, "n": d.n, "noise": d.noise, "seed": d.seed}


def file_digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
