"""Where a network folds its input, and what a network that never folds cannot undo. Plain numpy.

A chart ``Phi_l`` reverses orientation near a point where ``det J_l < 0``. A network of homeomorphisms keeps the
sign of ``det J_l`` everywhere (at width 2 a homeomorphism of the plane either keeps or reverses orientation
throughout); where ``det J_L`` takes both signs over the input, the network folds it, along the *fold curve*
``det J_L = 0``. And curves of the input carried through the layers show what an unfolding network keeps: a
loop drawn in the gap between a disc and a ring stays a loop around the disc's image in every layer.
"""

from __future__ import annotations

import numpy as np

from .level_sets import pack, trace_level_set
from .network import chart_jacobians, lift, propagate
from .run import Run


def input_box(run: Run) -> np.ndarray:
    """The input box the glyph sites tile, [[xmin, ymin], [xmax, ymax]] (``meta.geometry.bounds``)."""
    return np.asarray(run.meta["geometry"]["bounds"], float)


def last_determinants(run: Run, points: np.ndarray) -> np.ndarray:
    """``det J_L`` at input points (..., 2): (...,). Its sign is the last chart's orientation there."""
    flat = np.asarray(points, float).reshape(-1, 2)
    weight, bias = run.network_parameters("the fold curves")
    jacobian = chart_jacobians(
        weight, bias, lift(flat, run.width), scheme=run.scheme, activation=run.activation, dt=run.dt
    )[-1]  # (K, d, d)
    return np.linalg.det(jacobian).reshape(np.shape(points)[:-1])


def fold_curve(run: Run, *, resolution: int = 241) -> tuple[np.ndarray, np.ndarray]:
    """The fold curve ``det J_L = 0`` in the input box, every component, as packed polylines (vertices (P, 2),
    offsets (K+1,); ``level_sets.pack``): marching squares on a ``resolution``-square grid of ``det J_L``, each
    vertex linearly interpolated on a grid edge. Empty where the sign never changes (no fold)."""
    box = input_box(run)
    xs = np.linspace(box[0, 0], box[1, 0], resolution)
    ys = np.linspace(box[0, 1], box[1, 1], resolution)
    grid = np.stack(np.meshgrid(xs, ys, indexing="xy"), axis=-1)  # (ny, nx, 2)
    return pack(trace_level_set(last_determinants(run, grid), xs, ys))


def carry(run: Run, points: np.ndarray) -> np.ndarray:
    """Input points (P, 2) in every layer's coordinates: (L+1, P, d), by the Run's own network."""
    return propagate(
        run.weight,
        run.bias,
        lift(np.asarray(points, float), run.width),
        scheme=run.scheme,
        activation=run.activation,
        dt=run.dt,
    )


def circle(radius: float, *, centre: tuple[float, float] = (0.0, 0.0), samples: int = 241) -> np.ndarray:
    """A closed circle (S, 2), its first point repeated at the end."""
    angle = np.linspace(0.0, 2 * np.pi, samples)
    return np.column_stack([centre[0] + radius * np.cos(angle), centre[1] + radius * np.sin(angle)])


def winding_number(loop: np.ndarray, points: np.ndarray) -> np.ndarray:
    """How many times the closed polyline ``loop`` (S, 2) winds around each of ``points`` (N, 2): (N,) int, by
    summing the turning angles of the loop seen from each point."""
    rel = loop[None, :, :] - np.asarray(points, float)[:, None, :]  # (N, S, 2)
    angle = np.arctan2(rel[..., 1], rel[..., 0])  # (N, S)
    turns = np.diff(angle, axis=1)
    turns = (turns + np.pi) % (2 * np.pi) - np.pi  # each step's turn in (-pi, pi]
    return np.rint(turns.sum(axis=1) / (2 * np.pi)).astype(int)
