"""Level sets of a scalar field in the plane, traced as polylines (marching squares, then Newton refinement).

Used for the decision boundary ``logit = 0``: traced in the input, where it is a curve, then mapped through
every layer, where it ends as the head's straight line. Plain numpy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .network import chart_jacobians, propagate

# Marching squares: for each of the 16 corner-sign cases of a cell (bit 0 bottom-left, 1 bottom-right,
# 2 top-right, 3 top-left), the pairs of cell edges the level set joins. Edges: 0 bottom, 1 right, 2 top,
# 3 left. The saddles 5 and 10 have two readings, chosen by the sign at the cell's centre.
_SEGMENTS = {
    1: [(0, 3)],
    2: [(0, 1)],
    3: [(3, 1)],
    4: [(1, 2)],
    6: [(0, 2)],
    7: [(3, 2)],
    8: [(3, 2)],
    9: [(0, 2)],
    11: [(1, 2)],
    12: [(3, 1)],
    13: [(0, 1)],
    14: [(0, 3)],
}
_SADDLES = {  # case: (segments when the centre is positive, segments when it is not)
    5: ([(0, 1), (3, 2)], [(0, 3), (1, 2)]),
    10: ([(0, 3), (1, 2)], [(0, 1), (3, 2)]),
}


def trace_level_set(values: np.ndarray, xs: np.ndarray, ys: np.ndarray, *, level: float = 0.0) -> list[np.ndarray]:
    """Polylines of ``{f = level}`` from samples ``values[j, i] = f(xs[i], ys[j])`` (ny, nx).

    Every component is returned, closed loops with their first point repeated at the end, open curves
    ending on the grid's border. Each vertex lies on a grid edge, linearly interpolated.
    """
    f = np.asarray(values, float) - level  # (ny, nx)
    ny, nx = f.shape
    positive = f > 0
    n_horizontal = ny * (nx - 1)

    def horizontal(j, i):  # id of the edge from (i, j) to (i+1, j)
        return j * (nx - 1) + i

    def vertical(j, i):  # id of the edge from (i, j) to (i, j+1)
        return n_horizontal + j * nx + i

    j, i = np.meshgrid(np.arange(ny - 1), np.arange(nx - 1), indexing="ij")  # (ny-1, nx-1)
    case = positive[:-1, :-1] * 1 + positive[:-1, 1:] * 2 + positive[1:, 1:] * 4 + positive[1:, :-1] * 8
    centre_positive = (f[:-1, :-1] + f[:-1, 1:] + f[1:, 1:] + f[1:, :-1]) > 0
    cell_edges = np.stack([horizontal(j, i), vertical(j, i + 1), horizontal(j + 1, i), vertical(j, i)], axis=-1)

    joined: list[np.ndarray] = []  # (K, 2) edge ids joined by one segment
    for code, segments in _SEGMENTS.items():
        where = case == code
        for a, b in segments:
            joined.append(np.stack([cell_edges[where][:, a], cell_edges[where][:, b]], axis=1))
    for code, (if_positive, if_not) in _SADDLES.items():
        for centre, segments in ((True, if_positive), (False, if_not)):
            where = (case == code) & (centre_positive == centre)
            for a, b in segments:
                joined.append(np.stack([cell_edges[where][:, a], cell_edges[where][:, b]], axis=1))
    pairs = np.concatenate(joined) if joined else np.zeros((0, 2), int)
    if len(pairs) == 0:
        return []
    return [_edge_points(chain, f, xs, ys, nx, n_horizontal) for chain in _chains(pairs)]


def _chains(pairs: np.ndarray) -> list[list[int]]:
    """Join segments (pairs of edge ids) into chains of edge ids; closed chains repeat their first id."""
    neighbours: dict[int, list[int]] = {}
    for a, b in pairs.tolist():
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    unused = {edge: list(others) for edge, others in neighbours.items()}
    chains = []
    # Open chains first, from their ends (edges touched once, on the border), then the closed loops.
    starts = [edge for edge, others in neighbours.items() if len(others) == 1]
    for start in starts + list(neighbours):
        if not unused.get(start):
            continue
        chain = [start]
        current = start
        while unused.get(current):
            nxt = unused[current].pop()
            unused[nxt].remove(current)
            chain.append(nxt)
            current = nxt
        chains.append(chain)
    return chains


def _edge_points(chain, f, xs, ys, nx, n_horizontal) -> np.ndarray:
    """Where the level set crosses each edge of a chain, by linear interpolation: (len(chain), 2)."""
    ids = np.asarray(chain)
    is_h = ids < n_horizontal
    j = np.where(is_h, ids // (nx - 1), (ids - n_horizontal) // nx)
    i = np.where(is_h, ids % (nx - 1), (ids - n_horizontal) % nx)
    j1, i1 = np.where(is_h, j, j + 1), np.where(is_h, i + 1, i)
    v0, v1 = f[j, i], f[j1, i1]
    s = v0 / (v0 - v1)  # the signs differ on every crossed edge, so this never divides by zero
    x = xs[i] + s * (xs[i1] - xs[i])
    y = ys[j] + s * (ys[j1] - ys[j])
    return np.column_stack([x, y])


def refine(
    points: np.ndarray,
    value_and_gradient: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    *,
    max_step: float,
    iterations: int = 3,
    level: float = 0.0,
) -> np.ndarray:
    """Newton steps ``p -= (f(p) - level) grad f / |grad f|^2`` pulling points (K, 2) onto the level set.

    Steps are capped at ``max_step`` (about a grid cell) so a point never jumps to another branch; points
    where the gradient vanishes stay where they are.
    """
    p = np.array(points, float)
    for _ in range(iterations):
        value, gradient = value_and_gradient(p)  # (K,), (K, 2)
        norm2 = (gradient**2).sum(axis=1)
        ok = norm2 > 1e-300
        step = np.zeros_like(p)
        step[ok] = ((value[ok] - level) / norm2[ok])[:, None] * gradient[ok]
        length = np.linalg.norm(step, axis=1, keepdims=True)
        shrink = np.ones_like(length)  # (K, 1); dividing only where a step is too long cannot overflow
        np.divide(max_step, length, out=shrink, where=length > max_step)
        step *= shrink
        p -= step
    return p


def trace_curve(
    values_of: Callable[[np.ndarray], np.ndarray],
    value_and_gradient: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    bounds: np.ndarray,
    *,
    resolution: int = 241,
    level: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """The curve ``f = level`` inside ``bounds`` [[xmin, ymin], [xmax, ymax]], every component, as packed
    polylines (vertices (P, 2), offsets (K+1,)): marching squares on a ``resolution``-square grid of
    ``values_of`` (K, 2) -> (K,), then Newton steps with ``value_and_gradient`` put every vertex on the curve."""
    xs = np.linspace(bounds[0, 0], bounds[1, 0], resolution)
    ys = np.linspace(bounds[0, 1], bounds[1, 1], resolution)
    gx, gy = np.meshgrid(xs, ys)  # (ny, nx)
    values = values_of(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    vertices, offsets = pack(trace_level_set(values, xs, ys, level=level))
    if len(vertices):
        cell = float(min(xs[1] - xs[0], ys[1] - ys[0]))
        vertices = refine(vertices, value_and_gradient, max_step=cell, level=level)
    return vertices, offsets


def pack(polylines: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Polylines as one array of vertices (P, 2) and offsets (K+1,): polyline k is ``vertices[o[k]:o[k+1]]``."""
    offsets = np.concatenate([[0], np.cumsum([len(p) for p in polylines])]).astype(np.int64)
    vertices = np.concatenate(polylines) if polylines else np.zeros((0, 2))
    return vertices, offsets


def unpack(vertices: np.ndarray, offsets: np.ndarray) -> list[np.ndarray]:
    """The inverse of ``pack`` (works on (..., P, 2) vertices, splitting the second-to-last axis)."""
    return [vertices[..., offsets[k] : offsets[k + 1], :] for k in range(len(offsets) - 1)]


def layered_level_sets(run, levels, *, resolution: int = 201) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """Level sets ``logit = level`` of a Run's network, traced in the input box, put on the curve by Newton steps
    with the exact gradient ``J_L^T w`` (deep layers magnify a vertex's error off the curve) and mapped through
    every layer: ``(level, vertices (L+1, P, 2), offsets (K+1,))`` for each level."""
    levels = list(levels)
    if not levels:
        return []
    bounds = np.asarray(run.meta["geometry"]["bounds"], float)
    xs = np.linspace(bounds[0, 0], bounds[1, 0], resolution)
    ys = np.linspace(bounds[0, 1], bounds[1, 1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    weight, bias = run.network_parameters("level sets of the logit")
    network = {"scheme": run.scheme, "activation": run.activation, "dt": run.dt}

    def layers(points):
        return propagate(weight, bias, points, **network)

    def value_and_gradient(points):  # (K, 2) -> (K,), (K, 2)
        last = chart_jacobians(weight, bias, points, **network)[-1]  # (K, 2, 2)
        return run.logits(layers(points)[-1]), np.einsum("kij,i->kj", last, np.asarray(run.head_weight, float))

    logits = run.logits(layers(np.column_stack([gx.ravel(), gy.ravel()]))[-1]).reshape(gx.shape)
    cell = float(min(xs[1] - xs[0], ys[1] - ys[0]))
    traced = []
    for level in levels:
        vertices, offsets = pack(trace_level_set(logits, xs, ys, level=level))
        if len(vertices):
            vertices = refine(vertices, value_and_gradient, max_step=cell, level=level)
        traced.append((float(level), layers(vertices) if len(vertices) else np.zeros((run.depth + 1, 0, 2)), offsets))
    return traced
