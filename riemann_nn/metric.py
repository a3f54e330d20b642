"""The pulled-back metric and everything derived from it (DESIGN.md, Mathematics). Plain numpy, float64.

Layer ``l`` is the chart ``Phi_l : x_0 -> x_l`` with Jacobian ``J_l`` (``network.chart_jacobians``). One object
carries the geometry: the factor ``M_l = J_L J_l^{-1}``, the Jacobian of the map from layer ``l`` to the last
layer ``L``. The Euclidean metric of layer ``L`` pulled back to layer ``l`` is ``g_l = M_l^T M_l``; its ellipses
(glyphs), its volume element ``sqrt(det g_l) = |det M_l|`` and its degeneracy are read off the factor, by SVD,
which keeps full precision where ``g`` itself would be ill-conditioned.

Matrices are 2x2 for width-2 networks and 3x3 for width 3, whose glyphs are those of the input plane's metric
(the section "width 3" below).
"""

from __future__ import annotations

import numpy as np

from .config import CONVENTIONS
from .errors import ConfigError

# The one threshold of numerical degeneracy: a 2x2 matrix whose singular values are in a ratio at or below this
# is rank-deficient here. Inverting it would amplify rounding error by more than 1e10, so a chart (``J_l``) that
# is this flat has collapsed, and a factor (``M_l``) that is this flat gives a metric whose indicatrix is
# unbounded: distances along its kernel are lost on the way to the last layer.
DEGENERATE_RATIO = 1e-10


def rank_deficient(matrix: np.ndarray) -> np.ndarray:
    """Where (..., p, q) matrices (2x2, 3x3, or 3x2 restricted to the input plane) lack full rank numerically:
    ``sigma_min <= DEGENERATE_RATIO sigma_max`` (a zero matrix included). Applied to ``J_l`` it says the chart
    collapsed; applied to ``M_l``, that ``g_l`` has a kernel. (..., p, q) -> (...,) bool."""
    sigma = np.linalg.svd(matrix, compute_uv=False)  # (..., min(p, q)), descending
    return sigma[..., -1] <= DEGENERATE_RATIO * sigma[..., 0]


def invert_chart(matrix: np.ndarray) -> np.ndarray:
    """The one policy for inverting Jacobians that may have collapsed: the inverse of (..., 2, 2) matrices with
    their singular values floored at ``DEGENERATE_RATIO`` times the largest (a unit floor for a zero matrix).

    Above the floor this is the exact inverse. At the floor it never divides by zero and never drops a direction:
    a collapsed direction maps to something ``1/DEGENERATE_RATIO`` times longer than the rest, which ellipses
    then clip and flag. (For c0/c1 nets a direction lost at layer ``l`` is lost at every later layer, so
    ``J_L J_l^{-1}`` maps it to zero exactly.)
    """
    u, sigma, vt = np.linalg.svd(matrix)  # (..., 2, 2), (..., 2), (..., 2, 2)
    top = np.where(sigma[..., :1] > 0, sigma[..., :1], 1.0)  # (..., 1)
    floored = np.maximum(sigma, DEGENERATE_RATIO * top)  # (..., 2)
    return np.einsum("...ji,...j,...kj->...ik", vt, 1.0 / floored, u)  # V diag(1/s) U^T


def layer_to_last(jacobian: np.ndarray) -> np.ndarray:
    """The factor ``M_l = J_L J_l^{-1}``, the Jacobian of the map from layer ``l`` to layer ``L``: (L+1, M, d, d).

    Collapsed charts are inverted by ``invert_chart``, so the result is always finite. ``M_L = I`` exactly: the
    map from the last layer to itself is the identity even where its chart collapsed (so ``g_L = I`` always).
    """
    m = np.einsum("mij,lmjk->lmik", jacobian[-1], invert_chart(jacobian))  # (L+1, M, d, d)
    m[-1] = np.eye(jacobian.shape[-1])
    return m


def unbounded_glyphs(jacobian: np.ndarray) -> np.ndarray:
    """Where the metric glyph of every layer is unbounded: the chart collapsed there or the factor ``M_l`` is
    rank-deficient (``g_l`` has a kernel). Never at the last layer, where ``g_L = I``. (L+1, M, 2, 2) -> (L+1, M).

    Width 3 draws the glyphs of the input plane's metric (``plane_glyph_maps``): unbounded where the plane's
    chart ``J_l P`` collapsed or the plane's factor ``J_L P`` is rank-deficient. (L+1, M, 3, 3) -> (L+1, M).
    """
    if jacobian.shape[-1] != 2:
        unbounded = rank_deficient(in_plane(jacobian)) | rank_deficient(in_plane(jacobian[-1]))[None]  # (L+1, M)
    else:
        unbounded = rank_deficient(jacobian) | rank_deficient(layer_to_last(jacobian))  # (L+1, M)
    unbounded[-1] = False
    return unbounded


# ---- width 3: the input plane inside 3-space ------------------------------------------------------------
# A width-3 network sees the input (x, y) as (x, y, 0). The data live on the image of that plane, a surface in
# every layer, and the metric that matters for them is g_l restricted to it. With P the inclusion of the plane
# (the first two columns of the identity), the chart of the plane is J_l P (d x 2) and the input plane's metric
# is (J_L P)^T (J_L P), the top-left 2x2 block of g_0 = J_L^T J_L: an ellipse glyph in the input, as at width 2.


def in_plane(jacobian: np.ndarray) -> np.ndarray:
    """Chart Jacobians restricted to the input plane, ``J P``: (..., d, d) -> (..., d, 2) (a view)."""
    return jacobian[..., :, :2]


def plane_metric(jacobian: np.ndarray) -> np.ndarray:
    """The input plane's metric ``(J_L P)^T (J_L P)`` at the sites: (L+1, M, d, d) -> (M, 2, 2). At width 2 it is
    ``g_0``."""
    return metric_of_factor(in_plane(jacobian[-1]))


def _plane_disc(jacobian: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``U`` (M, d, 2) and ``V S^{-1}`` (M, 2, 2) of the plane's factor ``J_L P = U S V^T``, ``S`` floored as in
    ``invert_chart`` (so the result is finite where the factor is rank-deficient)."""
    u, sigma, vt = np.linalg.svd(in_plane(jacobian[-1]), full_matrices=False)  # (M, d, 2), (M, 2), (M, 2, 2)
    top = np.where(sigma[..., :1] > 0, sigma[..., :1], 1.0)  # (M, 1)
    floored = np.maximum(sigma, DEGENERATE_RATIO * top)  # (M, 2)
    return u, np.swapaxes(vt, -1, -2) / floored[:, None, :]


def plane_glyph_maps(jacobian: np.ndarray) -> np.ndarray:
    """Maps (L+1, M, d, 2) taking the unit circle onto the input plane's indicatrix glyphs (over ``s``) in every
    layer: ``J_l P V S^{-1}`` with ``J_L P = U S V^T``.

    The input glyph ``{v : |J_L P v| <= 1}`` is ``V S^{-1}`` applied to the unit disc; its image at layer ``l``
    is ``J_l P V S^{-1}``, an ellipse on the data's surface; at the last layer it is ``U``, a unit circle in the
    surface's tangent plane (set exactly). ``S`` is floored as in ``invert_chart``, so the result is finite.
    """
    u, disc = _plane_disc(jacobian)  # (M, d, 2), (M, 2, 2)
    maps = np.einsum("lmij,mjk->lmik", in_plane(jacobian), disc)  # (L+1, M, d, 2)
    maps[-1] = u
    return maps


def plane_ellipses(
    jacobian: np.ndarray, *, scale: float, max_axis: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The input plane's indicatrix glyphs in every layer as ``(major, minor, angle)`` (L+1, M, 3) and a clipped
    flag (L+1, M): the semi-axes of ``scale * plane_glyph_maps`` (clipped to ``max_axis``, broadcastable to
    (L+1, M); unbounded glyphs always clipped), and the angle in the input plane of the points that the major
    axis comes from, folded into (-pi/2, pi/2] (at layer 0: the major axis itself, as at width 2)."""
    _, disc = _plane_disc(jacobian)  # (M, 2, 2)
    _, sigma, vt = np.linalg.svd(plane_glyph_maps(jacobian), full_matrices=False)  # (L+1, M, 2), (L+1, M, 2, 2)
    unbounded = unbounded_glyphs(jacobian)  # (L+1, M)
    major = np.where(unbounded, np.inf, scale * sigma[..., 0])
    minor = scale * sigma[..., 1]
    direction = np.einsum("mij,lmj->lmi", disc, vt[..., 0, :])  # (L+1, M, 2): where the major axis comes from
    limit = np.broadcast_to(np.asarray(max_axis, float), major.shape)
    clipped = major > limit
    major, minor = np.minimum(major, limit), np.minimum(minor, limit)
    return np.stack([major, minor, _folded_angle(direction)], axis=-1), clipped


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
    clipped to it and flagged, so degenerate metrics never give inf or NaN. A numerically rank-deficient metric
    (``lam1 <= DEGENERATE_RATIO^2 lam2``) has an unbounded indicatrix: its major axis is clipped even when
    rounding left ``lam1`` a little above zero.
    """
    lam, q = np.linalg.eigh(metric)  # (..., 2) ascending, (..., 2, 2) eigenvectors in columns
    lam = np.maximum(lam, 0.0)
    unbounded = lam[..., 0] <= DEGENERATE_RATIO**2 * lam[..., 1]
    return _glyphs(lam, q, unbounded, scale=scale, max_axis=max_axis, convention=convention)


def ellipses_of_factor(
    factor: np.ndarray, *, scale: float, max_axis: float | np.ndarray, convention: str = "indicatrix"
) -> tuple[np.ndarray, np.ndarray]:
    """``ellipses`` of ``g = F^T F`` computed from the factor ``F`` (..., 2, 2), e.g. ``M_l = J_L J_l^{-1}``.

    The singular values of ``F`` are the square roots of ``g``'s eigenvalues and its right singular vectors
    are ``g``'s eigenvectors; taking them from ``F`` keeps full precision where ``g`` is ill-conditioned
    (squaring a condition number of 1e8 already exhausts float64). Rank-deficient factors (``rank_deficient``)
    give unbounded, clipped indicatrices.
    """
    _, sigma, vt = np.linalg.svd(factor)  # (..., 2) descending, rows of vt are right singular vectors
    lam = sigma[..., ::-1] ** 2  # ascending, like eigh
    q = np.swapaxes(vt, -1, -2)[..., ::-1]  # columns in ascending order of lam
    unbounded = sigma[..., 1] <= DEGENERATE_RATIO * sigma[..., 0]
    return _glyphs(lam, q, unbounded, scale=scale, max_axis=max_axis, convention=convention)


def _glyphs(lam, q, unbounded, *, scale, max_axis, convention):
    """Semi-axes and angle from ascending eigenvalues ``lam`` (..., 2) and eigenvector columns ``q``; where
    ``unbounded`` (...,) the indicatrix's major axis is infinite (and so clipped)."""
    if convention not in CONVENTIONS:
        raise ConfigError(f"unknown ellipse convention {convention!r}; choose one of: {', '.join(CONVENTIONS)}")
    with np.errstate(divide="ignore"):
        if convention == "indicatrix":
            major, minor = scale / np.sqrt(lam[..., 0]), scale / np.sqrt(lam[..., 1])
            major = np.where(unbounded, np.inf, major)
            direction = q[..., :, 0]  # (..., 2)
        else:
            major, minor = scale * np.sqrt(lam[..., 1]), scale * np.sqrt(lam[..., 0])
            direction = q[..., :, 1]
    limit = np.broadcast_to(np.asarray(max_axis, float), major.shape)
    clipped = major > limit
    major, minor = np.minimum(major, limit), np.minimum(minor, limit)
    return np.stack([major, minor, _folded_angle(direction)], axis=-1), clipped


def _folded_angle(direction: np.ndarray) -> np.ndarray:
    """The angle of directions (..., 2) folded into (-pi/2, pi/2] (an axis has no sign)."""
    angle = np.arctan2(direction[..., 1], direction[..., 0])
    angle = np.where(angle <= -np.pi / 2, angle + np.pi, angle)
    return np.where(angle > np.pi / 2, angle - np.pi, angle)


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
    """Unit eigenvectors of the smallest eigenvalue of metrics (..., d, d), and the ratio of the smallest eigenvalue
    to the largest (0 for a metric with a kernel, 1 for a round one). The directions a degenerate metric cannot
    see."""
    lam, q = np.linalg.eigh(metric)  # ascending
    ratio = np.where(
        lam[..., -1] > 0, np.maximum(lam[..., 0], 0.0) / np.where(lam[..., -1] > 0, lam[..., -1], 1.0), 1.0
    )
    return q[..., :, 0], ratio


# log10 of the volume element where it is zero or below: the chart at this time collapsed or the last chart
# did. A finite stand-in for -inf.
LOG_FLOOR = -30.0


def log_volume(jacobian: np.ndarray, last_jacobian: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log10 sqrt(det g)`` of the last layer's metric pulled back through charts with Jacobians ``jacobian``
    (..., M, 2, 2), the last chart's Jacobians being ``last_jacobian`` (M, 2, 2).

    ``sqrt(det g) = |det M| = |det J_L| / |det J|``: how much an area around a site grows on the way to the last
    layer. Returns the values (..., M), finite and at least ``LOG_FLOOR`` (smaller values are clipped to it), and
    which charts collapsed (..., M) bool. Where the chart collapsed the metric is unbounded and its volume
    element not trustworthy: the value there is ``LOG_FLOOR``.
    """
    last, here = _log_abs_det(last_jacobian), _log_abs_det(jacobian)  # (M,), (..., M)
    collapsed = rank_deficient(jacobian)  # (..., M)
    values = np.where(collapsed, LOG_FLOOR, np.maximum(last - here, LOG_FLOOR))  # (..., M)
    return values, collapsed


def _log_abs_det(matrix: np.ndarray) -> np.ndarray:
    """``log10 |det A|`` of (..., 2, 2) matrices as the sum of the logs of the singular values: saturated layers
    give determinants like 1e-31 (or below float range) that are still accurate this way. Only an exactly zero
    singular value is floored, at the smallest normal float."""
    sigma = np.linalg.svd(matrix, compute_uv=False)  # (..., 2)
    return np.log10(np.maximum(sigma, np.finfo(float).tiny)).sum(axis=-1)


def clip_axes(maps: np.ndarray, max_axis: float) -> tuple[np.ndarray, np.ndarray]:
    """Glyph maps (M, d, 2) (taking the unit circle onto each glyph; d = 3 for width-3 networks) with their
    singular values, the glyph's semi-axes, clipped to ``max_axis``, and which were clipped (M,) bool."""
    u, sigma, vt = np.linalg.svd(maps, full_matrices=False)  # (M, d, 2), (M, 2), (M, 2, 2)
    clipped = sigma[:, 0] > max_axis
    if not clipped.any():
        return maps, clipped
    return np.einsum("mij,mj,mjk->mik", u, np.minimum(sigma, max_axis), vt), clipped
