"""Shortest paths between input points under the pulled-back metric ``g_0 = J_L^T J_L``.

``g_0`` is the Euclidean metric of the last layer pulled back through the chart ``Phi = Phi_L``, so the
Riemannian length of an input curve ``c`` is the Euclidean length of its image ``Phi o c`` in the last layer.
Hence every curve from ``a`` to ``b`` is at least ``|Phi(b) - Phi(a)|`` long (the *output distance*), with
equality exactly when its image runs straight along the chord from ``Phi(a)`` to ``Phi(b)``.

**What a length is.** A path is returned as an input polyline, and its length is the Riemannian length of
that piecewise-linear curve: every segment is subdivided until the Euclidean length of its image in the last
layer has converged (``riemann_length``). ``Geodesic.length`` is exactly that number for the returned points,
so anyone can reproduce it; the points are inserted adaptively where the map bends until the polyline is at
most ``tolerance`` longer than the curve through its points (see ``shortest_path``).

Three ways to find a shortest path, with exact derivatives from torch autograd (float64, one thread):

- ``lift``: follow the output chord back into the input by Newton continuation from ``a`` (a secant predictor,
  Newton as corrector, the step halved wherever Newton does not contract fast or the input segment between two
  accepted points does not map close to its piece of the chord). If the lifted curve ends at ``b`` it attains
  the lower bound: it is a *globally* shortest path. It fails where the chord leaves the image of ``Phi``,
  meets a fold (``det J_L`` changes sign, as on a tenth of seed-c2-sigmoid's input square) or lifts to another
  preimage of ``Phi(b)``. Points inserted later are lifted too, so the polyline's length tends to the output
  distance (seed-spirals, (10, 0) to (-10, 0): 64 points evenly along the chord make a polyline 7 % longer
  than the lift; refined to 245 points, 0.15 %).
- ``graph``: a *global* search first, then a local refinement. Dijkstra on a grid over the input box (the
  data's box and both ends), 16 neighbours per node (fewer directions would make grid paths up to 8 % too long,
  where the network stretches some directions much more than others), each edge weighted by the length of its
  image with the edge split in four; the grid path is then refined by the energy method below. The grid decides
  which way round the folds the path goes; the refinement removes the grid's zig-zag.
- ``energy``: minimise the curve energy ``E = sum_k |Phi(p_{k+1}) - Phi(p_k)|^2 / h_k`` (the endpoints fixed,
  ``h_k`` the parameter step of segment k) by Levenberg-Marquardt (Gauss-Newton with the exact Jacobians), from
  the straight input segment or a given path. Its minimisers are discrete geodesics, of uniform speed in the
  parameter. The sum runs over the path with every segment subdivided ``refine`` times: over the points alone,
  consecutive points can straddle a fold, and the minimiser then "jumps" (seed-c2-sigmoid: 45.6 over the
  points, 77 along the segments between them). It finds a *local* minimum: on a folded net, often not the
  shortest path.

``auto`` (the default) lifts, and searches the graph only where the lift fails. No path returned is longer
than the straight input segment: when nothing shorter is found, that segment is returned (method "straight").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .errors import ConfigError
from .network import propagate
from .run import Run

_NEWTON_ITERATIONS = 8
_MAX_HALVINGS = 16  # a lift step is split into at most 2^16 sub-steps before the lift gives up
_SINGULAR_RATIO = 1e-10  # as geometry.DEGENERATE_RATIO: beyond it a Newton step is not to be trusted
_SAME_LENGTH = 1e-9  # relative: an optimised path this close to the straight segment's length is no better

_LENGTH_RTOL = 1e-7  # riemann_length: a segment's image length has converged when doubling changes it this little
_FIRST_PIECES, _MAX_PIECES = 16, 4096  # pieces per segment riemann_length starts with, and its limit
_MAX_ROUNDS = 12  # rounds of adaptive point insertion
_CRAWL_WINDOW, _CRAWL_DECREASE = 20, 1e-6  # stop minimising when 20 steps lower the energy by less than 1e-6

_GRID_CELLS = 128  # grid cells along the longer side of the search box
_EDGE_PIECES = 4  # each grid edge's image is measured as the polyline of this many pieces
_BOX_MARGIN = 0.05  # the search box extends beyond the data and both ends by this fraction of its size
_ENDPOINT_REACH = 2.5  # the ends join every grid node within this many cells
# Half of the 16 neighbours of a grid node (the other half are these reversed): axes, diagonals, knight moves.
_GRID_OFFSETS = ((1, 0), (0, 1), (1, 1), (1, -1), (1, 2), (2, 1), (1, -2), (2, -1))


@dataclass(frozen=True)
class Geodesic:
    """A shortest path between two input points under ``g_0``, and the lengths to compare it with.

    Every length is a Riemannian length of a piecewise-linear input curve, as ``riemann_length`` measures it:
    ``length`` is ``riemann_length(run, points)`` (so a user can recompute it from ``points`` alone) and
    ``straight_length`` is that of the straight input segment. Neither is ever below ``output_distance``.
    """

    points: np.ndarray  # (K, 2) the path in the input, start and end included; K >= the points asked for
    length: float  # Riemannian length of the polyline through ``points``
    straight_length: float  # Riemannian length of the straight input segment from start to end
    euclidean: float  # Euclidean length of the straight input segment, |end - start|
    output_distance: float  # |Phi(end) - Phi(start)|: the lower bound of every path's length
    method: str  # what found it: "lift", "graph", "energy", "straight" (nothing shorter found) or "trivial"
    chord_length: float  # sum_k |Phi(p_{k+1}) - Phi(p_k)|: the length of any curve through the points is at
    #   least this, so ``length / chord_length - 1`` bounds how much the polyline loses to that curve


def shortest_path(
    run: Run,
    start,
    end,
    *,
    points: int = 64,
    method: str = "auto",
    tolerance: float = 0.002,
    refine: int = 8,
    initial: np.ndarray | None = None,
    max_iterations: int = 1000,
    max_points: int = 2048,
) -> Geodesic:
    """The shortest path from ``start`` (2,) to ``end`` (2,) in the input under ``g_0 = J_L^T J_L``.

    Parameters
    ----------
    run : the network (``weight``, ``bias``, scheme, activation, dt; ``meta.geometry.bounds`` for the grid).
    start, end : input points, sequences of two finite numbers.
    points : K >= 2, the fewest points of the returned path (endpoints included). More are inserted, halving
        segments, where the net bends the path: until the polyline's length is within ``tolerance`` of
        ``chord_length`` (for a lift: of the output distance) or the path has ``max_points`` points.
    method : ``auto`` (lift, else graph), ``lift``, ``graph`` or ``energy`` (see the module docstring).
    tolerance : relative, > 0: how much longer than the curve through its points the polyline may be.
    refine : each segment is subdivided this many times when the energy is taken.
    initial : (K, 2) starting path of the energy method (``method="energy"`` only; its endpoints are replaced by
        start and end); default the straight segment, spaced evenly in the last layer.
    max_iterations : Levenberg-Marquardt iterations per energy minimisation (the graph's start needs tens; a
        straight start on a folded net can need thousands, as it slides over the folds).
    max_points : the most points adaptive insertion may create (>= ``points``).

    Returns a ``Geodesic``. A start equal to the end gives the trivial path (K copies of it, length 0).
    Raises ``ConfigError`` for non-finite or misshapen points, options out of range, an unknown method, a
    network whose output is not finite at the ends, or ``method="lift"`` when the chord does not lift to a
    path ending at ``end``.
    """
    if not isinstance(run, Run):
        raise ConfigError(f"shortest_path needs a Run (riemann_nn.load_run), got {type(run).__name__}")
    run.network_parameters("a shortest path")  # a custom network's file cannot map new points
    run.require_width(2, what="shortest_path")
    a, b = _point(start, "start"), _point(end, "end")
    _check_integer(points, "points", 2)
    _check_integer(refine, "refine", 1)
    _check_integer(max_iterations, "max_iterations", 1)
    _check_integer(max_points, "max_points", points)
    if not (isinstance(tolerance, (int, float, np.floating)) and 0 < tolerance < 1):
        raise ConfigError(f"tolerance must be a number in (0, 1), got {tolerance!r}")
    if method not in METHODS:
        raise ConfigError(f"unknown geodesic method {method!r}; choose one of: {', '.join(METHODS)}")
    if initial is not None:
        if method != "energy":
            raise ConfigError("initial is a starting path of the energy method: use it with method='energy'")
        initial = np.array(initial, dtype=float)  # a copy: the endpoints are overwritten below
        if initial.shape != (points, 2) or not np.isfinite(initial).all():
            raise ConfigError(f"initial must be a finite ({points}, 2) array, got shape {initial.shape}")
        initial[0], initial[-1] = a, b

    last_layer = _last_layer_of(run)
    qa, qb = last_layer(np.stack([a, b]))  # (2,), (2,)
    if not (np.isfinite(qa).all() and np.isfinite(qb).all()):
        raise ConfigError("the network's output is not finite at the start or the end; choose smaller points")
    output_distance = float(np.linalg.norm(qb - qa))
    euclidean = float(np.linalg.norm(b - a))
    if euclidean == 0.0:
        return Geodesic(np.repeat(a[None], points, axis=0), 0.0, 0.0, 0.0, 0.0, "trivial", 0.0)

    from .model import single_thread

    problem = _Problem(
        run,
        a,
        b,
        qa,
        qb,
        last_layer,
        _TorchNetwork(run),
        points=points,
        tolerance=tolerance,
        refine=refine,
        max_iterations=max_iterations,
        max_points=max_points,
        initial=initial,
    )
    straight = problem.straight_path()  # (K, 2)
    straight_length = riemann_length(run, straight)
    with single_thread():
        found, name = METHODS[method](problem)
    length = riemann_length(run, found)
    if length > (1 + _SAME_LENGTH) * straight_length:  # (a lift can be, by its tolerance, if the net is straight)
        found, name, length = straight, "straight", straight_length
    if not np.isfinite([length, straight_length]).all():
        raise ConfigError("the network's output is not finite along the path; choose smaller points")
    chords = image_length(last_layer(found))
    return Geodesic(found, length, straight_length, euclidean, output_distance, name, chords)


def riemann_length(run: Run, points, *, rtol: float = _LENGTH_RTOL) -> float:
    """The Riemannian length under ``g_0`` of the input polyline through ``points`` (K, 2): the Euclidean
    length of its image in the last layer, every segment subdivided (16, 32, 64, ... up to 4096 equal pieces)
    until doubling the pieces changes the segment's image length by at most ``rtol`` (relative to the
    segment's length plus the mean segment's). It converges from below to the length of the continuous image.

    Raises ``ConfigError`` unless ``points`` is a finite (K, 2) array with K >= 1.
    """
    try:
        path = np.asarray(points, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"points must be a finite (K, 2) array of numbers, got {points!r:.60}") from None
    if path.ndim != 2 or path.shape[1] != 2 or len(path) < 1 or not np.isfinite(path).all():
        raise ConfigError(f"points must be a finite (K, 2) array, got shape {path.shape}")
    return float(_segment_lengths(_last_layer_of(run), path, rtol=rtol).sum())


def subdivide(path: np.ndarray, parts: int) -> np.ndarray:
    """Split every segment of a polyline (K, 2) into ``parts`` equal pieces: ((K-1) parts + 1, 2)."""
    s = np.arange(parts) / parts  # (P,)
    inner = path[:-1, None, :] + s[None, :, None] * np.diff(path, axis=0)[:, None, :]  # (K-1, P, 2)
    return np.concatenate([inner.reshape(-1, 2), path[-1:]])


def image_length(image: np.ndarray) -> float:
    """Euclidean length of a polyline (K, 2)."""
    return float(np.linalg.norm(np.diff(image, axis=0), axis=1).sum())


def _point(value, name: str) -> np.ndarray:
    try:
        point = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be two numbers, got {value!r}") from None
    if point.shape != (2,):
        raise ConfigError(f"{name} must be two numbers (x, y), got shape {point.shape}")
    if not np.isfinite(point).all():
        raise ConfigError(f"{name} must be finite, got {point.tolist()}")
    return point


def _check_integer(value, name: str, low: int) -> None:
    if not (isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= low):
        raise ConfigError(f"{name} must be an integer >= {low}, got {value!r}")


def _last_layer_of(run: Run) -> Callable[[np.ndarray], np.ndarray]:
    """``Phi``: input points (..., 2) -> last-layer coordinates (..., 2), in numpy."""

    def last_layer(p: np.ndarray) -> np.ndarray:
        return propagate(run.weight, run.bias, p, scheme=run.scheme, activation=run.activation, dt=run.dt)[-1]

    return last_layer


def _segment_lengths(last_layer: Callable, path: np.ndarray, *, rtol: float) -> np.ndarray:
    """Image length of each segment of the polyline ``path`` (K, 2), subdivided until converged: (K-1,)."""
    return _image_lengths(last_layer, path[:-1], path[1:], rtol=rtol)


def _image_lengths(last_layer: Callable, start: np.ndarray, stop: np.ndarray, *, rtol: float) -> np.ndarray:
    """Image length of each input segment ``start -> stop`` (S, 2), split into 16, 32, ... equal pieces until
    doubling changes it by at most ``rtol`` times (its length + the mean length): (S,).

    Doubling reuses the images already taken: only the new midpoints go through the network, and only for
    the segments that have not converged yet.
    """
    step = stop - start  # (S, 2)
    pieces = _FIRST_PIECES
    s = np.linspace(0.0, 1.0, pieces + 1)  # (n+1,)
    images = last_layer(start[:, None, :] + s[None, :, None] * step[:, None, :])  # (S, n+1, 2)
    lengths = np.linalg.norm(np.diff(images, axis=1), axis=2).sum(axis=1)  # (S,)
    active = np.arange(len(start))  # segments still refining
    while active.size and pieces < _MAX_PIECES:
        middles = (np.arange(pieces) + 0.5) / pieces  # (n,)
        new = last_layer(start[active, None, :] + middles[None, :, None] * step[active, None, :])  # (A, n, 2)
        merged = np.empty((len(active), 2 * pieces + 1, 2))
        merged[:, ::2], merged[:, 1::2] = images, new  # (A, 2n+1, 2)
        finer = np.linalg.norm(np.diff(merged, axis=1), axis=2).sum(axis=1)  # (A,)
        change = finer - lengths[active]  # >= 0: a finer inscribed polyline is never shorter
        lengths[active] = finer
        pieces *= 2
        unsettled = change > rtol * (finer + lengths.sum() / len(lengths))
        active, images = active[unsettled], merged[unsettled]
    return lengths


def _even_in_image(fine: np.ndarray, fine_image: np.ndarray, count: int) -> np.ndarray:
    """``count`` points along the polyline ``fine`` (F, 2) spaced evenly by the arc length of its image."""
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(fine_image, axis=0), axis=1))])  # (F,)
    if arc[-1] == 0.0:  # the whole polyline collapses to a point: any spacing is as short
        arc = np.linspace(0.0, 1.0, len(fine))
    wanted = np.linspace(0.0, arc[-1], count)  # (K,)
    even = np.column_stack([np.interp(wanted, arc, fine[:, i]) for i in range(2)])  # (K, 2)
    even[[0, -1]] = fine[[0, -1]]  # exactly the ends, not their interpolation
    return even


class _TorchNetwork:
    """``Phi = Phi_L`` of a Run in torch (float64), with exact Jacobians by reverse-mode autograd.

    Input points are independent rows, so one backward pass per output coordinate gives every point's
    Jacobian row at once: for single points and short batches ten times cheaper than ``vmap(jacfwd)``.
    Callers run it inside ``model.single_thread()``.
    """

    def __init__(self, run: Run):
        import torch

        self.torch = torch
        weight = torch.as_tensor(np.asarray(run.weight, np.float64))  # (L, 2, 2)
        bias = torch.as_tensor(np.asarray(run.bias, np.float64))  # (L, 2)

        def last(p):  # (..., 2) -> (..., 2)
            return propagate(weight, bias, p, scheme=run.scheme, activation=run.activation, dt=run.dt)[-1]

        self.last: Callable = last

    def value_and_jacobian(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``Phi`` (..., 2) and ``J_L`` (..., 2, 2) at input points (..., 2)."""
        torch = self.torch
        flat = torch.tensor(p.reshape(-1, 2), requires_grad=True)  # (P, 2)
        value = self.last(flat)  # (P, 2)
        rows = [torch.autograd.grad(value[:, i].sum(), flat, retain_graph=i == 0)[0] for i in range(2)]
        jac = torch.stack(rows, dim=1)  # (P, 2, 2): J[p, i, j] = d Phi_i / d x_j
        return value.detach().numpy().reshape(p.shape), jac.numpy().reshape(*p.shape, 2)


class _Problem:
    """One shortest-path problem: the ends, their images, the network in numpy and torch, the options."""

    def __init__(
        self,
        run: Run,
        a: np.ndarray,
        b: np.ndarray,
        qa: np.ndarray,
        qb: np.ndarray,
        last_layer: Callable,
        network: _TorchNetwork,
        *,
        points: int,
        tolerance: float,
        refine: int,
        max_iterations: int,
        max_points: int,
        initial: np.ndarray | None,
    ):
        self.run, self.a, self.b, self.qa, self.qb = run, a, b, qa, qb
        self.last_layer, self.network = last_layer, network
        self.points, self.tolerance, self.refine = points, tolerance, refine
        self.max_iterations, self.max_points, self.initial = max_iterations, max_points, initial

    def straight_path(self) -> np.ndarray:
        """The straight segment from a to b at ``points`` points spaced evenly in the last layer: (K, 2)."""
        return self.resample(np.stack([self.a, self.b]), self.points)

    def resample(self, polyline: np.ndarray, count: int) -> np.ndarray:
        """``count`` points along an input polyline (M, 2), spaced evenly along its image: (count, 2)."""
        parts = max(1, -(-(count - 1) * 8 // (len(polyline) - 1)))  # at least 8 samples per output segment
        fine = subdivide(polyline, parts)  # (F, 2)
        return _even_in_image(fine, self.last_layer(fine), count)

    def excess(self, path: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per segment of ``path`` (K, 2): its Riemannian length and its image chord, (K-1,) each."""
        lengths = _segment_lengths(self.last_layer, path, rtol=_LENGTH_RTOL)
        chords = np.linalg.norm(np.diff(self.last_layer(path), axis=0), axis=1)
        return lengths, chords

    def to_split(self, path: np.ndarray) -> np.ndarray | None:
        """Indices of the segments of ``path`` to halve, or None when the polyline is within tolerance of the
        curve through its points (or may not grow): the segments whose length exceeds their image chord by
        more than half the tolerance, at most as many as ``max_points`` allows, the worst first."""
        lengths, chords = self.excess(path)
        room = self.max_points - len(path)
        if lengths.sum() <= (1 + self.tolerance) * chords.sum() or room <= 0:
            return None
        extra = lengths - chords  # (S,)
        bad = np.nonzero(extra > 0.5 * self.tolerance * lengths)[0]
        return np.sort(bad[np.argsort(-extra[bad])[:room]])


# --- lift -------------------------------------------------------------------------------------------------


class _Lifter:
    """Lifts of the chord ``s -> qa + s (qb - qa)``, ``s`` in [0, 1], from the input point ``a`` at s = 0."""

    def __init__(self, problem: _Problem):
        self.network, self.last_layer = problem.network, problem.last_layer
        self.qa, self.qb = problem.qa, problem.qb
        self.chord = float(np.linalg.norm(problem.qb - problem.qa))
        self.tolerance = 1e-11 * max(1.0, float(np.abs(problem.qa).max()), float(np.abs(problem.qb).max()))

    def target(self, s: np.ndarray) -> np.ndarray:  # (P,) -> (P, 2)
        return self.qa + s[:, None] * (self.qb - self.qa)

    def newton(self, p: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Solve ``Phi(x) = target(s)`` from each of ``p`` (P, 2): the solutions (P, 2) and where Newton
        converged fast (P,) bool. A Newton iteration that does not halve the residual has left the sheet of
        its start, or is near a fold; it is stopped there."""
        p, target = p.copy(), self.target(s)  # (P, 2), (P, 2)
        converged = np.zeros(len(p), dtype=bool)
        previous = np.full(len(p), np.inf)  # (P,)
        active = np.arange(len(p))
        for _ in range(_NEWTON_ITERATIONS):
            value, jac = self.network.value_and_jacobian(p[active])  # (A, 2), (A, 2, 2)
            miss = value - target[active]  # (A, 2)
            residual = np.linalg.norm(miss, axis=1)  # (A,)
            done = residual <= self.tolerance
            converged[active[done]] = True
            sigma = np.linalg.svd(jac, compute_uv=False)  # (A, 2)
            going = ~done & (residual <= 0.5 * previous[active]) & (sigma[:, 1] > _SINGULAR_RATIO * sigma[:, 0])
            p[active[going]] -= np.linalg.solve(jac[going], miss[going][:, :, None])[:, :, 0]
            previous[active[going]] = residual[going]
            active = active[going]
            if not active.size:
                break
        return p, converged

    def tangents(self, p: np.ndarray) -> np.ndarray:
        """``dp/ds = J_L(p)^{-1} (qb - qa)`` of the lift through each of ``p`` (P, 2): (P, 2), zero where ``J_L``
        is (numerically) singular."""
        jac = self.network.value_and_jacobian(p)[1]  # (P, 2, 2)
        sigma = np.linalg.svd(jac, compute_uv=False)  # (P, 2)
        regular = sigma[:, 1] > _SINGULAR_RATIO * sigma[:, 0]
        tangent = np.zeros_like(p)
        direction = np.broadcast_to(self.qb - self.qa, p[regular].shape)[..., None]  # (R, 2, 1)
        tangent[regular] = np.linalg.solve(jac[regular], direction)[..., 0]
        return tangent

    def continues(self, p: np.ndarray, q: np.ndarray, s0: np.ndarray, s1: np.ndarray) -> np.ndarray:
        """Newton can converge on another sheet of a folded map: the input segments from ``p`` to ``q`` (P, 2)
        must map close to their pieces ``s0 .. s1`` (P,) of the chord (the midpoint near the piece's midpoint)."""
        middle = self.last_layer(0.5 * (p + q))  # (P, 2)
        return np.linalg.norm(middle - self.target(0.5 * (s0 + s1)), axis=1) <= 0.25 * (s1 - s0) * self.chord

    def follow(self, p0: np.ndarray, s0: float, samples: np.ndarray) -> np.ndarray | None:
        """Continue the lift from ``p0`` (2,) at ``s0`` through the increasing ``samples`` (M,): the lifted
        points (M, 2), or None where the continuation fails."""
        longest = float(np.diff(np.concatenate([[s0], samples])).max())
        s, p, velocity, step = s0, p0, np.zeros(2), longest  # velocity: dp/ds of the last accepted step
        lifted = []
        for sample in samples:
            while s < sample:
                s1 = sample if s + step >= sample - 1e-9 * step else s + step
                solved, ok = self.newton((p + velocity * (s1 - s))[None], np.array([s1]))  # secant predictor
                if not (ok[0] and self.continues(p[None], solved, np.array([s]), np.array([s1]))[0]):
                    step /= 2
                    if step < longest / 2**_MAX_HALVINGS:
                        return None
                    continue
                velocity, s, p = (solved[0] - p) / (s1 - s), s1, solved[0]
                step = min(2 * step, longest)
            lifted.append(p)
        return np.stack(lifted)  # (M, 2)


def _find_by_lift(problem: _Problem) -> tuple[np.ndarray, str] | None:
    """The lift of the chord from a, refined where its polyline bends away from the lifted curve; None unless it
    ends at b. Inserted points are lifted too, so every point lies on the lift: Newton from the cubic Hermite
    midpoint of the segment (the lift's tangents at its ends), else the continuation from the segment's start."""
    lifter = _Lifter(problem)
    s = np.linspace(0.0, 1.0, problem.points)  # (K,)
    lifted = lifter.follow(problem.a, 0.0, s[1:])
    reach = 1e-7 * max(1.0, float(np.linalg.norm(problem.b - problem.a)))
    if lifted is None or np.linalg.norm(lifted[-1] - problem.b) > reach:
        return None  # the continuation failed, or the chord lifted to another preimage of Phi(b)
    path = np.concatenate([problem.a[None], lifted[:-1], problem.b[None]])  # (K, 2)
    for _ in range(_MAX_ROUNDS):
        split = problem.to_split(path)
        if split is None or not split.size:
            break
        middle_s = 0.5 * (s[split] + s[split + 1])  # (P,)
        # The cubic Hermite midpoint from the ends and their tangents: Newton then starts on the curve, to O(h^4).
        tangent = lifter.tangents(path)  # (K, 2)
        guess = 0.5 * (path[split] + path[split + 1]) + (s[split + 1] - s[split])[:, None] / 8 * (
            tangent[split] - tangent[split + 1]
        )  # (P, 2)
        middle, ok = lifter.newton(guess, middle_s)  # (P, 2), (P,)
        # On the lift's sheet Newton moves the guess a little; a solution far from it is on another sheet.
        ok &= np.linalg.norm(middle - guess, axis=1) <= 0.25 * np.linalg.norm(path[split + 1] - path[split], axis=1)
        for i in np.nonzero(~ok)[0]:  # rare: Newton from the guess reached another sheet, or did not converge
            followed = lifter.follow(path[split[i]], s[split[i]], middle_s[i : i + 1])
            if followed is not None:
                middle[i], ok[i] = followed[0], True
        if not ok.any():
            break
        path = np.insert(path, split[ok] + 1, middle[ok], axis=0)
        s = np.insert(s, split[ok] + 1, middle_s[ok])
    return path, "lift"


# --- energy ------------------------------------------------------------------------------------------------


def _minimise_energy(problem: _Problem, initial: np.ndarray, mesh: np.ndarray) -> np.ndarray:
    """Minimise the energy of ``initial`` (K, 2) with parameter steps ``mesh`` (K-1,), every segment subdivided
    ``refine`` times, over its interior points: returns the minimiser (K, 2).

    The energy is a sum of squares, ``sum_kj |r_kj|^2`` with ``r_kj = sqrt(R / h_k) (Phi(q_k,j+1) - Phi(q_kj))``
    over the pieces ``q_kj`` of segment k; a residual depends on the two ends of its segment only, so the
    Gauss-Newton matrix is block-tridiagonal. Levenberg-Marquardt steps with a banded Cholesky solve converge
    in tens of iterations where L-BFGS takes thousands (its convergence slows with the square of K).
    """
    from scipy.linalg import LinAlgError, solveh_banded

    count, refine = len(initial), problem.refine
    if count <= 2:
        return initial
    t = np.arange(refine + 1) / refine  # (R+1,) where the pieces' ends sit along a segment
    root = np.sqrt(refine / mesh)[:, None, None]  # (S, 1, 1)
    corners = np.arange(count - 1)[:, None] * refine + np.arange(refine + 1)  # (S, R+1) indices into the fine path

    def energy(path: np.ndarray) -> float:
        image = problem.last_layer(subdivide(path, refine))[corners]  # (S, R+1, 2)
        return float(((root * np.diff(image, axis=1)) ** 2).sum())

    def step_system(path: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The banded Gauss-Newton matrix (4, 2(K-2)) (solveh_banded's upper form) and the gradient (2(K-2),)."""
        value, jac = problem.network.value_and_jacobian(subdivide(path, refine))  # (F, 2), (F, 2, 2)
        value, jac = value[corners], jac[corners]  # (S, R+1, 2), (S, R+1, 2, 2)
        residual = root * np.diff(value, axis=1)  # (S, R, 2)
        by_start = root[..., None] * np.diff(jac * (1 - t)[None, :, None, None], axis=1)  # (S, R, 2, 2) dr/dp_k
        by_end = root[..., None] * np.diff(jac * t[None, :, None, None], axis=1)  # (S, R, 2, 2) dr/dp_k+1
        start_start = np.einsum("srij,srik->sjk", by_start, by_start)  # (S, 2, 2)
        end_end = np.einsum("srij,srik->sjk", by_end, by_end)
        start_end = np.einsum("srij,srik->sjk", by_start, by_end)
        gradient = (
            np.einsum("srij,sri->sj", by_start, residual)[1:] + np.einsum("srij,sri->sj", by_end, residual)[:-1]
        ).ravel()  # (2(K-2),)
        diagonal = start_start[1:] + end_end[:-1]  # (K-2, 2, 2): a point starts one segment and ends another
        coupling = start_end[1:-1]  # (K-3, 2, 2): between interior points m and m+1
        banded = np.zeros((4, 2 * (count - 2)))
        banded[3, 0::2], banded[3, 1::2], banded[2, 1::2] = diagonal[:, 0, 0], diagonal[:, 1, 1], diagonal[:, 0, 1]
        banded[1, 2::2], banded[0, 3::2] = coupling[:, 0, 0], coupling[:, 0, 1]
        banded[2, 2::2], banded[1, 3::2] = coupling[:, 1, 0], coupling[:, 1, 1]
        return banded, gradient

    path, current = initial.copy(), energy(initial)
    history = [current]  # the energy after every accepted step
    damping = 1e-3
    for _ in range(problem.max_iterations):
        banded, gradient = step_system(path)
        scale = banded[3] + 1e-12 * banded[3].mean() + 1e-300  # Marquardt's scaling, never zero
        while True:
            damped = banded.copy()
            damped[3] += damping * scale
            try:
                step = solveh_banded(damped, -gradient)  # (2(K-2),)
            except LinAlgError:
                step = None
            if step is not None:
                trial = path.copy()
                trial[1:-1] += step.reshape(-1, 2)
                trial_energy = energy(trial)
                if trial_energy < current:
                    break
            damping *= 4
            if damping > 1e12:  # no step lowers the energy: a minimum, to rounding
                return path
        decrease = current - trial_energy
        path, current, damping = trial, trial_energy, max(damping / 3, 1e-12)
        history.append(current)
        # Converged, or crawling: where the metric nearly degenerates, points drift along almost free directions
        # for thousands of steps that change the length by less than 1e-6 in all.
        if decrease <= 1e-13 * current or (
            len(history) > _CRAWL_WINDOW and history[-_CRAWL_WINDOW - 1] - current <= _CRAWL_DECREASE * current
        ):
            break
    return path


def _refine_by_energy(problem: _Problem, start: np.ndarray) -> np.ndarray:
    """Minimise the energy from ``start`` (K, 2), then halve the segments the polyline bends away from the
    curve on (their parameter steps too, so the next minimiser keeps the new points there) and minimise
    again, until within tolerance: the refined path (K', 2)."""
    path = start
    mesh = np.full(len(path) - 1, 1.0 / (len(path) - 1))  # (K-1,)
    path = _minimise_energy(problem, path, mesh)
    for _ in range(_MAX_ROUNDS):
        split = problem.to_split(path)
        if split is None or not split.size:
            break
        path = np.insert(path, split + 1, 0.5 * (path[split] + path[split + 1]), axis=0)
        mesh = np.insert(mesh, split + 1, 0.5 * mesh[split])
        mesh[split + np.arange(len(split))] *= 0.5  # the first halves (shifted by the insertions before them)
        path = _minimise_energy(problem, path, mesh)
    return path


def _find_by_energy(problem: _Problem) -> tuple[np.ndarray, str]:
    start = problem.straight_path() if problem.initial is None else problem.initial
    return _refine_by_energy(problem, start), "energy"


# --- graph -------------------------------------------------------------------------------------------------


def _search_box(problem: _Problem) -> np.ndarray:
    """The box the grid covers: the run's input box (or its data's) and both ends, with a margin: (2, 2)."""
    geometry = problem.run.meta.get("geometry", {})
    if "bounds" in geometry:
        box = np.asarray(geometry["bounds"], float)  # (2, 2)
    else:
        box = np.stack([problem.run.x[0].min(axis=0), problem.run.x[0].max(axis=0)])
    low = np.minimum.reduce([box[0], problem.a, problem.b])
    high = np.maximum.reduce([box[1], problem.a, problem.b])
    margin = _BOX_MARGIN * float((high - low).max())
    return np.stack([low - margin, high + margin])


def _grid_path(problem: _Problem) -> np.ndarray:
    """The shortest path from a to b in a 16-neighbour grid graph over the search box (Dijkstra), as an input
    polyline (M, 2). Edge weights are image lengths of the edges split in ``_EDGE_PIECES``: the images are
    taken once on a grid that many times finer, on which every edge's split points lie. The ends join the
    grid nodes near them, and each other directly (so the graph path is never longer than the segment)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    box = _search_box(problem)
    cell = float((box[1] - box[0]).max()) / _GRID_CELLS
    nx, ny = np.ceil((box[1] - box[0]) / cell).astype(int)  # cells along x and y
    e = _EDGE_PIECES
    xs, ys = box[0, 0] + cell * np.arange(e * nx + 1) / e, box[0, 1] + cell * np.arange(e * ny + 1) / e
    fine = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1)  # (e nx + 1, e ny + 1, 2)
    image = problem.last_layer(fine)  # (e nx + 1, e ny + 1, 2)
    nodes = fine[::e, ::e].reshape(-1, 2)  # (N, 2), node (i, j) is number i (ny + 1) + j
    number = np.arange(len(nodes)).reshape(nx + 1, ny + 1)
    rows, cols, weights = [], [], []
    for di, dj in _GRID_OFFSETS:
        i, j = np.meshgrid(np.arange(nx + 1 - di), np.arange(max(0, -dj), ny + 1 - max(0, dj)), indexing="ij")
        along = np.arange(e + 1)[:, None, None]  # (e+1, 1, 1): the split points of every edge
        pieces = image[e * i + along * di, e * j + along * dj]  # (e+1, I, J, 2)
        rows.append(number[i, j].ravel())
        cols.append(number[i + di, j + dj].ravel())
        weights.append(np.linalg.norm(np.diff(pieces, axis=0), axis=-1).sum(axis=0).ravel())
    ends = np.stack([problem.a, problem.b])  # (2, 2): nodes N and N + 1
    for k, end in enumerate(ends):
        near = np.nonzero(np.linalg.norm(nodes - end, axis=1) <= _ENDPOINT_REACH * cell)[0]  # (P,)
        rows.append(np.full(len(near), len(nodes) + k))
        cols.append(near)
        weights.append(
            _image_lengths(problem.last_layer, np.repeat(end[None], len(near), axis=0), nodes[near], rtol=1e-3)
        )
    rows.append([len(nodes)])
    cols.append([len(nodes) + 1])
    weights.append(_segment_lengths(problem.last_layer, ends, rtol=1e-3))
    weight = np.concatenate(weights)
    # A sparse matrix drops zero entries, and a dead ReLU can make an edge's image a point: keep it an edge.
    # Where the map overflows, the edge is impassable.
    weight = np.where(np.isfinite(weight), np.maximum(weight, 1e-300), np.inf)
    graph = coo_matrix(
        (weight, (np.concatenate(rows), np.concatenate(cols))), shape=(len(nodes) + 2, len(nodes) + 2)
    ).tocsr()
    distance, predecessor = dijkstra(graph, directed=False, indices=len(nodes), return_predecessors=True)
    if not np.isfinite(distance[-1]):  # every way overflows: shortest_path reports the straight segment's length
        return ends
    route = [len(nodes) + 1]
    while route[-1] != len(nodes):
        route.append(int(predecessor[route[-1]]))
    return np.concatenate([nodes, ends])[route[::-1]]  # (M, 2)


def _find_by_graph(problem: _Problem) -> tuple[np.ndarray, str]:
    """The grid graph's shortest path, spaced evenly along its image, refined by the energy method."""
    start = problem.resample(_grid_path(problem), problem.points)  # (K, 2)
    return _refine_by_energy(problem, start), "graph"


def _find_automatically(problem: _Problem) -> tuple[np.ndarray, str]:
    return _find_by_lift(problem) or _find_by_graph(problem)


def _find_by_lift_only(problem: _Problem) -> tuple[np.ndarray, str]:
    found = _find_by_lift(problem)
    if found is None:
        raise ConfigError(
            "the straight chord in the last layer does not lift to a path from start to end (it "
            "leaves the image, meets a fold or reaches another preimage); use method 'graph' or "
            "'auto'"
        )
    return found


METHODS: dict[str, Callable[[_Problem], tuple[np.ndarray, str]]] = {
    "auto": _find_automatically,
    "lift": _find_by_lift_only,
    "graph": _find_by_graph,
    "energy": _find_by_energy,
}
