"""The pulled-back metric and everything derived from it (DESIGN.md, Mathematics). Plain numpy, float64.

Layer ``l`` is the chart ``Phi_l : x_0 -> x_l`` with Jacobian ``J_l`` (``model.chart_jacobians``). One object
carries the geometry: the factor ``M_l = J_L J_l^{-1}``, the Jacobian of the map from layer ``l`` to the last
layer ``L``. The Euclidean metric of layer ``L`` pulled back to layer ``l`` is ``g_l = M_l^T M_l``; its ellipses
(glyphs), its volume element ``sqrt(det g_l) = |det M_l|`` and its degeneracy are read off the factor, by SVD,
which keeps full precision where ``g`` itself would be ill-conditioned.
"""

from __future__ import annotations

import numpy as np

from .config import CONVENTIONS
from .errors import ConfigError

# A chart whose Jacobian has singular values in a ratio below this is treated as collapsed: its inverse
# would amplify rounding error by more than 1e10, so the metric there is not trustworthy.
DEGENERATE_RATIO = 1e-10


def collapsed_charts(jacobian: np.ndarray) -> np.ndarray:
    """Where the chart is (numerically) singular: ``sigma_min <= 1e-10 sigma_max``. (..., 2, 2) -> (...,) bool."""
    sigma = np.linalg.svd(jacobian, compute_uv=False)  # (..., 2), descending
    return sigma[..., 1] <= DEGENERATE_RATIO * sigma[..., 0]


def pseudo_inverse(matrix: np.ndarray) -> np.ndarray:
    """Moore-Penrose inverse of (..., 2, 2) matrices, dropping singular values below the collapse ratio."""
    u, sigma, vt = np.linalg.svd(matrix)  # (..., 2, 2), (..., 2), (..., 2, 2)
    keep = sigma > DEGENERATE_RATIO * sigma[..., :1]  # (..., 2)
    inverse_sigma = np.where(keep, 1.0 / np.where(keep, sigma, 1.0), 0.0)  # (..., 2)
    return np.einsum("...ji,...j,...kj->...ik", vt, inverse_sigma, u)  # V diag(1/s) U^T


def layer_to_last(jacobian: np.ndarray) -> np.ndarray:
    """``M_l = J_L J_l^{-1}``, the Jacobian of the map from layer ``l`` to layer ``L``: (L+1, M, 2, 2).

    A collapsed chart gets the pseudo-inverse, so the result is always finite. ``M_L = I`` exactly: the map
    from the last layer to itself is the identity even where its chart collapsed (so ``g_L = I`` always).
    """
    m = np.einsum("mij,lmjk->lmik", jacobian[-1], pseudo_inverse(jacobian))  # (L+1, M, 2, 2)
    m[-1] = np.eye(2)
    return m


def floored_inverse(matrix: np.ndarray) -> np.ndarray:
    """Inverse of (M, 2, 2) matrices with singular values floored at ``DEGENERATE_RATIO`` times the largest.

    Where the last chart collapses the indicatrix is unbounded along the kernel: the floor keeps that direction
    (huge, then clipped to ``max_axis`` like the exported ellipse) instead of dropping it as a pseudo-inverse
    would. A zero matrix (every direction collapsed) gets a unit floor: its glyph is clipped in both axes.
    """
    u, sigma, vt = np.linalg.svd(matrix)  # (M, 2, 2), (M, 2), (M, 2, 2)
    top = np.where(sigma[:, :1] > 0, sigma[:, :1], 1.0)  # (M, 1)
    floored = np.maximum(sigma, DEGENERATE_RATIO * top)  # (M, 2)
    return np.einsum("mji,mj,mkj->mik", vt, 1.0 / floored, u)  # V diag(1/s) U^T


def pullback_metrics(jacobian: np.ndarray) -> np.ndarray:
    """Metrics ``g_l = M_l^T M_l`` in every layer's coordinates (so ``g_L = I``): (L+1, M, 2, 2)."""
    return metric_of_factor(layer_to_last(jacobian))


def metric_of_factor(factor: np.ndarray) -> np.ndarray:
    """``g = F^T F`` for factors (..., 2, 2), e.g. ``M_l = J_L J_l^{-1}``."""
    return np.einsum("...ki,...kj->...ij", factor, factor)


def ellipses(
    metric: np.ndarray, *, scale: float, max_axis: float | np.ndarray, convention: str = "indicatrix"
) -> tuple[np.ndarray, np.ndarray]:
    """Glyph parameters of metrics (..., 2, 2): ``(major, minor, angle)`` (..., 3) and a clipped flag (...,).

    ``indicatrix`` draws ``{v : v^T g v <= scale^2}``: major ``scale/sqrt(lam1)`` along the first
    eigenvector, minor ``scale/sqrt(lam2)``. ``stretch`` draws major ``scale*sqrt(lam2)`` along the second
    eigenvector, minor ``scale*sqrt(lam1)``. Angles are ``atan2`` of the major axis' eigenvector, folded into
    (-pi/2, pi/2]. Axes longer than ``max_axis`` (a scalar, or broadcastable to the leading shape) are
    clipped to it and flagged, so degenerate metrics never give inf or NaN.
    """
    lam, q = np.linalg.eigh(metric)  # (..., 2) ascending, (..., 2, 2) eigenvectors in columns
    return _glyphs(np.maximum(lam, 0.0), q, scale=scale, max_axis=max_axis, convention=convention)


def ellipses_of_factor(
    factor: np.ndarray, *, scale: float, max_axis: float | np.ndarray, convention: str = "indicatrix"
) -> tuple[np.ndarray, np.ndarray]:
    """``ellipses`` of ``g = F^T F`` computed from the factor ``F`` (..., 2, 2), e.g. ``M_l = J_L J_l^{-1}``.

    The singular values of ``F`` are the square roots of ``g``'s eigenvalues and its right singular vectors
    are ``g``'s eigenvectors; taking them from ``F`` keeps full precision where ``g`` is ill-conditioned
    (squaring a condition number of 1e8 already exhausts float64).
    """
    _, sigma, vt = np.linalg.svd(factor)  # (..., 2) descending, rows of vt are right singular vectors
    lam = sigma[..., ::-1] ** 2  # ascending, like eigh
    q = np.swapaxes(vt, -1, -2)[..., ::-1]  # columns in ascending order of lam
    return _glyphs(lam, q, scale=scale, max_axis=max_axis, convention=convention)


def _glyphs(lam, q, *, scale, max_axis, convention):
    """Semi-axes and angle from ascending eigenvalues ``lam`` (..., 2) and eigenvector columns ``q``."""
    if convention not in CONVENTIONS:
        raise ConfigError(f"unknown ellipse convention {convention!r}; choose one of: {', '.join(CONVENTIONS)}")
    with np.errstate(divide="ignore"):
        if convention == "indicatrix":
            major, minor = scale / np.sqrt(lam[..., 0]), scale / np.sqrt(lam[..., 1])
            direction = q[..., :, 0]  # (..., 2)
        else:
            major, minor = scale * np.sqrt(lam[..., 1]), scale * np.sqrt(lam[..., 0])
            direction = q[..., :, 1]
    limit = np.broadcast_to(np.asarray(max_axis, float), major.shape)
    clipped = major > limit
    major, minor = np.minimum(major, limit), np.minimum(minor, limit)
    angle = np.arctan2(direction[..., 1], direction[..., 0])
    angle = np.where(angle <= -np.pi / 2, angle + np.pi, angle)
    angle = np.where(angle > np.pi / 2, angle - np.pi, angle)
    return np.stack([major, minor, angle], axis=-1), clipped


def logit_gradients(jacobian: np.ndarray, head_weight: np.ndarray) -> np.ndarray:
    """The logit's gradient in every layer's coordinates, ``n_l = M_l^T w`` (M_l = J_L J_l^{-1}): (L+1, M, 2).

    At the input it is ``J_L^T w``; at the last layer it is ``w`` itself.
    """
    return np.einsum("lmki,k->lmi", layer_to_last(jacobian), np.asarray(head_weight, float))


def logit_metrics(jacobian: np.ndarray, head_weight: np.ndarray) -> np.ndarray:
    """The metric pulled back from the one-dimensional logit instead of the last layer: ``g = n n^T`` with
    ``n`` the logit's gradient (``logit_gradients``). Rank one: it measures only movement across the level
    sets of the logit, and its kernel runs along them. (L+1, M, 2, 2)."""
    n = logit_gradients(jacobian, head_weight)
    return np.einsum("...i,...j->...ij", n, n)


def kernel_directions(metric: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit eigenvectors of the smallest eigenvalue of metrics (..., 2, 2), and the ratio ``lam1 / lam2``
    (0 for a rank-one metric, 1 for a round one). The directions a degenerate metric cannot see."""
    lam, q = np.linalg.eigh(metric)  # ascending
    ratio = np.where(lam[..., 1] > 0, np.maximum(lam[..., 0], 0.0) / np.where(lam[..., 1] > 0, lam[..., 1], 1.0), 1.0)
    return q[..., :, 0], ratio


# log10 of the volume element where it is zero or below: the chart at this time collapsed (the metric,
# pulled back with a pseudo-inverse, is singular) or the last chart did. A finite stand-in for -inf.
LOG_FLOOR = -30.0


def log_volume(jacobian: np.ndarray, last_jacobian: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log10 sqrt(det g)`` of the last layer's metric pulled back through charts with Jacobians ``jacobian``
    (..., M, 2, 2), the last chart's Jacobians being ``last_jacobian`` (M, 2, 2).

    ``sqrt(det g) = |det M| = |det J_L| / |det J|``: how much an area around a site grows on the way to the last
    layer. Returns the values (..., M), finite and at least ``LOG_FLOOR`` (smaller values are clipped to it), and
    which charts collapsed (..., M) bool. Where the chart collapsed, ``layer_to_last`` uses a pseudo-inverse,
    so ``det g = 0``: the value is ``LOG_FLOOR``.
    """
    last, here = _log_abs_det(last_jacobian), _log_abs_det(jacobian)  # (M,), (..., M)
    collapsed = collapsed_charts(jacobian)  # (..., M)
    values = np.where(collapsed, LOG_FLOOR, np.maximum(last - here, LOG_FLOOR))  # (..., M)
    return values, collapsed


def _log_abs_det(matrix: np.ndarray) -> np.ndarray:
    """``log10 |det A|`` of (..., 2, 2) matrices as the sum of the logs of the singular values: saturated layers
    give determinants like 1e-31 (or below float range) that are still accurate this way. Only an exactly zero
    singular value is floored, at the smallest normal float."""
    sigma = np.linalg.svd(matrix, compute_uv=False)  # (..., 2)
    return np.log10(np.maximum(sigma, np.finfo(float).tiny)).sum(axis=-1)


def clip_axes(maps: np.ndarray, max_axis: float) -> tuple[np.ndarray, np.ndarray]:
    """Glyph maps (M, 2, 2) (taking the unit circle onto each glyph) with their singular values, the glyph's
    semi-axes, clipped to ``max_axis``, and which were clipped (M,) bool."""
    u, sigma, vt = np.linalg.svd(maps)  # (M, 2, 2), (M, 2), (M, 2, 2)
    clipped = sigma[:, 0] > max_axis
    if not clipped.any():
        return maps, clipped
    return np.einsum("mij,mj,mjk->mik", u, np.minimum(sigma, max_axis), vt), clipped
