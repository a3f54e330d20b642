"""Shortest paths between input points under the pulled-back metric ``g_0 = J_L^T J_L``.

``g_0`` is the Euclidean metric of the last layer pulled back through the chart ``Phi = Phi_L``, so the
Riemannian length of an input curve ``c`` is the Euclidean length of its image ``Phi o c`` in the last layer.
Hence every curve from ``a`` to ``b`` is at least ``|Phi(b) - Phi(a)|`` long (the *output distance*), with
equality exactly when its image runs straight along the chord from ``Phi(a)`` to ``Phi(b)``.

Two ways to find a shortest path, both with exact derivatives from torch autograd (float64, one thread):

- ``lift``: follow the output chord back into the input by Newton continuation from ``a`` (a secant predictor,
  Newton as corrector, the step halved wherever Newton does not contract fast or the input segment between two
  accepted points does not map close to its piece of the chord). If the lifted curve ends at ``b`` it attains
  the lower bound: it is a *globally* shortest path. It fails where the chord leaves the image of ``Phi``,
  meets a fold (``det J_L`` changes sign, as on a tenth of seed-c2-sigmoid's input square) or lifts to another
  preimage of ``Phi(b)``.
- ``energy``: minimise the curve energy ``E = sum_k |Phi(p_{k+1}) - Phi(p_k)|^2`` (the endpoints fixed) with
  L-BFGS and the autograd gradient, from the straight input segment. Its minimisers are discrete geodesics,
  of uniform speed in the last layer. The sum runs over the path with every segment subdivided ``refine``
  times: over the K points alone, consecutive points can straddle a fold, and the minimiser then "jumps"
  (seed-c2-sigmoid: 45.6 over the points, 77 along the segments between them). It finds a *local* minimum.

``auto`` (the default) lifts, and minimises the energy only where the lift fails. When the energy method
finds nothing shorter than the straight input segment (beyond rounding: a relative 1e-9) it returns that
segment (spaced evenly in the last layer), so no path returned is longer than it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .network import propagate
from .errors import ConfigError
from .run import Run

METHODS = ("auto", "lift", "energy")

_NEWTON_ITERATIONS = 8
_MAX_HALVINGS = 16  # a lift step is split into at most 2^16 sub-steps before the lift gives up
_SINGULAR_RATIO = 1e-10  # as geometry.DEGENERATE_RATIO: beyond it a Newton step is not to be trusted
_SAME_LENGTH = 1e-9  # relative: an energy path this close to the straight segment's length is kept as found


@dataclass(frozen=True)
class Geodesic:
    """A shortest path between two input points under ``g_0``, and the lengths to compare it with.

    Lengths are lengths of image polylines in the last layer, never below ``output_distance`` (a polyline
    from ``Phi(a)`` to ``Phi(b)`` is at least as long as the chord), converging to Riemannian lengths as the
    number of points grows. A lifted path's ``length`` is ``sum_k |Phi(p_{k+1}) - Phi(p_k)|``: its points
    sample the continuous lift, whose image is the chord, so it equals the output distance (up to rounding)
    for any K. Any other path is the input polyline through its points, measured with every segment
    subdivided ``refine`` times; so is ``straight_length``. (The polyline through a lift's points is only an
    approximation of the lift: where the network compresses strongly, draw it with more points.)
    """

    points: np.ndarray  # (K, 2) the path in the input, start and end included
    length: float  # Riemannian length of the path
    straight_length: float  # Riemannian length of the straight input segment from start to end
    euclidean: float  # Euclidean length of the straight input segment, |end - start|
    output_distance: float  # |Phi(end) - Phi(start)|: the lower bound of every path's length
    method: str  # what found it: "lift", "energy", "straight" (nothing shorter found) or "trivial" (start = end)


def shortest_path(run: Run, start, end, *, points: int = 64, method: str = "auto", refine: int = 8,
                  initial: np.ndarray | None = None, max_iterations: int = 3000) -> Geodesic:
    """The shortest path from ``start`` (2,) to ``end`` (2,) in the input under ``g_0 = J_L^T J_L``.

    Parameters
    ----------
    run : the network (``weight``, ``bias``, scheme, activation, dt are used).
    start, end : input points, sequences of two finite numbers.
    points : K >= 2, points of the returned path (endpoints included), equally spaced in the last layer.
    method : ``auto`` (lift, else minimise the energy), ``lift`` or ``energy`` (see the module docstring).
    refine : each segment is subdivided this many times (in the input) when lengths and energies are taken.
    initial : (K, 2) starting path of the energy method (used by ``auto`` only where the lift fails; its
        endpoints are replaced by start and end); default the straight segment, spaced evenly in the last layer.
    max_iterations : L-BFGS iterations of the energy method.

    Returns a ``Geodesic``. A start equal to the end gives the trivial path (K copies of it, length 0).
    Raises ``ConfigError`` for non-finite or misshapen points, options out of range, an unknown method, or
    ``method="lift"`` when the chord does not lift to a path ending at ``end``.
    """
    run.network_parameters("a shortest path")  # a custom network's file cannot map new points
    a, b = _point(start, "start"), _point(end, "end")
    if not (isinstance(points, (int, np.integer)) and points >= 2):
        raise ConfigError(f"points must be an integer >= 2, got {points!r}")
    if not (isinstance(refine, (int, np.integer)) and refine >= 1):
        raise ConfigError(f"refine must be an integer >= 1, got {refine!r}")
    if method not in METHODS:
        raise ConfigError(f"unknown geodesic method {method!r}; choose one of: {', '.join(METHODS)}")
    if initial is not None:
        initial = np.array(initial, dtype=float)  # a copy: the endpoints are overwritten below
        if initial.shape != (points, 2) or not np.isfinite(initial).all():
            raise ConfigError(f"initial must be a finite ({points}, 2) array, got shape {initial.shape}")
        initial[0], initial[-1] = a, b

    def last_layer(p: np.ndarray) -> np.ndarray:  # (..., 2) -> (..., 2)
        return propagate(run.weight, run.bias, p, scheme=run.scheme, activation=run.activation,
                               dt=run.dt)[-1]

    def polyline_length(path: np.ndarray) -> float:  # the input polyline's image, segments subdivided
        return image_length(last_layer(subdivide(path, refine)))

    qa, qb = last_layer(np.stack([a, b]))  # (2,), (2,)
    output_distance = float(np.linalg.norm(qb - qa))
    euclidean = float(np.linalg.norm(b - a))
    if euclidean == 0.0:
        return Geodesic(np.repeat(a[None], points, axis=0), 0.0, 0.0, 0.0, 0.0, "trivial")

    fine = a + np.linspace(0.0, 1.0, (points - 1) * refine + 1)[:, None] * (b - a)  # (F, 2)
    fine[-1] = b  # a + 1 (b - a) may differ from b in the last bit
    straight = _even_in_image(fine, last_layer(fine), points)  # (K, 2)
    straight_length = polyline_length(straight)

    from .model import single_thread

    network = _TorchNetwork(run)
    with single_thread():
        if method in ("auto", "lift"):
            lifted = _lift(network, a, b, qa, qb, points)
            if lifted is not None:
                # The points sample the continuous lift, whose image is the chord: their image chords add up
                # to the output distance, the shortest any path can be.
                length = image_length(last_layer(lifted))
                return Geodesic(lifted, length, straight_length, euclidean, output_distance, "lift")
            if method == "lift":
                raise ConfigError("the straight chord in the last layer does not lift to a path from start to "
                                  "end (it leaves the image, meets a fold or reaches another preimage); use "
                                  "method 'energy' or 'auto'")
        start_path = straight if initial is None else initial
        minimised = _minimise_energy(network, start_path, refine=refine, max_iterations=max_iterations)
    length = polyline_length(minimised)
    if length > (1 + _SAME_LENGTH) * straight_length:
        return Geodesic(straight, straight_length, straight_length, euclidean, output_distance, "straight")
    return Geodesic(minimised, length, straight_length, euclidean, output_distance, "energy")


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


def _even_in_image(fine: np.ndarray, fine_image: np.ndarray, count: int) -> np.ndarray:
    """``count`` points along the polyline ``fine`` (F, 2) spaced evenly by the arc length of its image."""
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(fine_image, axis=0), axis=1))])  # (F,)
    if arc[-1] == 0.0:  # the whole segment collapses to a point: any spacing is as short
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

        from .network import propagate

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


def _lift(network: _TorchNetwork, a: np.ndarray, b: np.ndarray, qa: np.ndarray, qb: np.ndarray,
          count: int) -> np.ndarray | None:
    """The chord ``qa -> qb`` pulled back from ``a`` at ``count`` evenly spaced output points: (K, 2), or
    None where the continuation fails or ends away from ``b``."""
    tolerance = 1e-11 * max(1.0, float(np.abs(qa).max()), float(np.abs(qb).max()))

    def newton(p: np.ndarray, target: np.ndarray) -> np.ndarray | None:
        """Solve ``Phi(x) = target`` from ``p``; None unless it converges fast (i.e. stays on p's sheet)."""
        previous = np.inf
        for _ in range(_NEWTON_ITERATIONS):
            value, jac = network.value_and_jacobian(p)  # (2,), (2, 2)
            residual = float(np.linalg.norm(value - target))
            if residual <= tolerance:
                return p
            sigma = np.linalg.svd(jac, compute_uv=False)
            if residual > 0.5 * previous or sigma[1] <= _SINGULAR_RATIO * sigma[0]:
                return None
            previous = residual
            p = p - np.linalg.solve(jac, value - target)
        return None

    def continues(p: np.ndarray, solved: np.ndarray, s0: float, s1: float) -> bool:
        """Newton can converge on another sheet of a folded map: the input segment between the two points
        must map close to its piece of the chord (its midpoint near the piece's midpoint)."""
        middle_image = network.value_and_jacobian(0.5 * (p + solved))[0]  # (2,)
        middle_target = qa + 0.5 * (s0 + s1) * (qb - qa)
        return bool(np.linalg.norm(middle_image - middle_target) <= 0.25 * (s1 - s0) * chord)

    chord = float(np.linalg.norm(qb - qa))
    spacing = 1.0 / (count - 1)
    s, p, velocity, step = 0.0, a, np.zeros(2), spacing  # velocity: dp/ds of the last accepted step
    path = [a]
    while len(path) < count:
        sample = len(path) * spacing
        s1 = sample if s + step >= sample - 1e-9 * spacing else s + step
        guess = p + velocity * (s1 - s)  # secant predictor
        solved = newton(guess, qa + s1 * (qb - qa))
        if solved is None or not continues(p, solved, s, s1):
            step /= 2
            if step < spacing / 2**_MAX_HALVINGS:
                return None
            continue
        velocity, s, p = (solved - p) / (s1 - s), s1, solved
        if s1 == sample:
            path.append(p)
        step = min(2 * step, spacing)
    if np.linalg.norm(path[-1] - b) > 1e-7 * max(1.0, float(np.linalg.norm(b - a))):
        return None  # the chord lifted to another preimage of Phi(b)
    path[-1] = b
    return np.stack(path)  # (K, 2)


def _minimise_energy(network: _TorchNetwork, initial: np.ndarray, *, refine: int,
                     max_iterations: int) -> np.ndarray:
    """Minimise the energy of ``initial`` (K, 2), every segment subdivided ``refine`` times, over its interior
    points with L-BFGS: returns the minimiser (K, 2)."""
    from scipy.optimize import minimize

    torch = network.torch
    if len(initial) <= 2:
        return initial
    ends = torch.as_tensor(initial[[0, -1]])  # (2, 2)
    with torch.no_grad():
        image = network.last(torch.as_tensor(subdivide(initial, refine)))  # ((K-1) R + 1, 2)
    # Scale so the starting energy is about 1: the tolerances below are then relative.
    unit = max(float(((image[1:] - image[:-1]) ** 2).sum()), 1e-300)

    s = torch.arange(refine, dtype=torch.float64)[None, :, None] / refine  # (1, R, 1)

    def energy_and_gradient(flat: np.ndarray) -> tuple[float, np.ndarray]:
        inner = torch.tensor(flat.reshape(-1, 2), requires_grad=True)  # (K-2, 2)
        path = torch.cat([ends[:1], inner, ends[1:]])  # (K, 2)
        steps = (path[1:] - path[:-1])[:, None, :]  # (K-1, 1, 2)
        fine = torch.cat([(path[:-1, None, :] + s * steps).reshape(-1, 2), ends[1:]])  # ((K-1) R + 1, 2)
        image = network.last(fine)  # ((K-1) R + 1, 2)
        energy = ((image[1:] - image[:-1]) ** 2).sum() / unit
        energy.backward()
        return energy.item(), inner.grad.numpy().ravel().copy()

    result = minimize(energy_and_gradient, initial[1:-1].ravel(), jac=True, method="L-BFGS-B",
                      options={"maxiter": max_iterations, "ftol": 1e-15, "gtol": 1e-12, "maxcor": 30})
    return np.concatenate([initial[:1], result.x.reshape(-1, 2), initial[-1:]])  # (K, 2)
