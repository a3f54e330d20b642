"""Depth as time: measurements that compare residual (c1) nets of growing depth with ``dt = T / depth``.

A c1 net is Euler's method for the flow ``x' = act(W(t) x + b(t))`` over the time ``T = depth * dt``. As the
depth grows at fixed ``T``, each layer's step ``x_{l+1} - x_l = dt f_l(x_l)`` shrinks like ``1 / depth``, the
trajectories of the points approach the flow's smooth curves, and the metric the net induces on its input
approaches the flow's. The measures here put numbers on that:

- ``mean_step(run)``: the mean over layers and data points of ``|x_{l+1} - x_l|``;
- ``metric_change(a, b)``: how far apart two nets' input metrics are, the median over the glyph sites of the
  relative Frobenius difference ``|g_0^a - g_0^b|_F / |g_0^b|_F`` (sites shared: same data, same geometry).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ConfigError
from .run import Run


def layer_steps(x: np.ndarray) -> np.ndarray:
    """Every layer's step ``|x_{l+1} - x_l|`` of points in every layer (L+1, N, 2), averaged over the points:
    (L,)."""
    return np.linalg.norm(np.diff(x, axis=0), axis=-1).mean(axis=1)


def mean_step(run: Run) -> float:
    """The mean step ``|x_{l+1} - x_l|`` over every layer and data point of a Run."""
    return float(layer_steps(run.x).mean())


def relative_metric_difference(g: np.ndarray, reference: np.ndarray) -> float:
    """The median over sites of ``|g - reference|_F / |reference|_F`` for metrics (M, 2, 2) at the same sites."""
    difference = np.linalg.norm(g - reference, axis=(1, 2))  # (M,)
    size = np.linalg.norm(reference, axis=(1, 2))  # (M,)
    return float(np.median(difference / np.maximum(size, np.finfo(float).tiny)))


def metric_change(a: Run, b: Run) -> float:
    """How far ``a``'s input metric is from ``b``'s (``relative_metric_difference`` of their ``g_0``): 0 for equal
    metrics, about 1 for unrelated ones. Both runs must have their sites at the same input points
    (``ConfigError``)."""
    if a.sites.shape[1:] != b.sites.shape[1:] or not np.allclose(a.sites[0], b.sites[0], rtol=1e-12, atol=0):
        raise ConfigError(
            f"runs {a.name!r} and {b.name!r} have their glyph sites at different input points; "
            "compare runs of the same data and geometry"
        )
    return relative_metric_difference(a.metric[0], b.metric[0])


@dataclass(frozen=True)
class SweepRow:
    """One net of a depth sweep: its depth and step, its mean step, and its metric's change from the previous
    (shallower) net of the sweep (None for the first)."""

    depth: int
    dt: float
    accuracy: float
    mean_step: float
    metric_change: float | None


def sweep_rows(runs: list[Run]) -> list[SweepRow]:
    """The measures of runs ordered by depth (the same data, scheme and total time ``depth * dt``)."""
    rows = []
    for index, run in enumerate(runs):
        change = metric_change(runs[index - 1], run) if index else None
        rows.append(
            SweepRow(
                depth=run.depth,
                dt=run.dt,
                accuracy=float(run.meta["training"]["accuracy"]),
                mean_step=mean_step(run),
                metric_change=change,
            )
        )
    return rows
