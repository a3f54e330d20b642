"""Chart Jacobians, pulled-back metrics, metric ellipses and the volume element (DESIGN.md, Mathematics).

Layer ``l`` is the chart ``Phi_l : x_0 -> x_l`` with Jacobian ``J_l``. The Euclidean metric of the last
layer ``L`` pulled back to layer-``l`` coordinates is ``g_l = M_l^T M_l`` with ``M_l = J_L J_l^{-1}``.
Only ``chart_jacobians`` uses torch; the rest is numpy, float64 throughout.
"""

from __future__ import annotations

import numpy as np

from .errors import ConfigError

CONVENTIONS = ("indicatrix", "stretch")

# A chart whose Jacobian has singular values in a ratio below this is treated as collapsed: its inverse
# would amplify rounding error by more than 1e10, so the metric there is not trustworthy.
DEGENERATE_RATIO = 1e-10


def chart_jacobians(
    weight: np.ndarray, bias: np.ndarray, sites: np.ndarray, *, scheme: str, activation: str, dt: float
) -> np.ndarray:
    """Exact chart Jacobians ``J_l = d x_l / d x_0`` at ``sites`` (M, 2) for every layer: (L+1, M, 2, 2).

    ``J[l, m, i, j] = d x_l^i / d x_0^j``, from forward-mode ``torch.func`` in float64, vectorised over
    the sites (``J_0 = I``).
    """
    import torch
    from torch.func import jacfwd, vmap

    from .model import propagate, single_thread

    w = torch.as_tensor(np.asarray(weight, np.float64))  # (L, 2, 2)
    b = torch.as_tensor(np.asarray(bias, np.float64))  # (L, 2)
    points = torch.as_tensor(np.asarray(sites, np.float64))  # (M, 2)

    def layers_of(point):  # (2,) -> (L+1, 2)
        return propagate(w, b, point, scheme=scheme, activation=activation, dt=dt)

    with single_thread():
        jac = vmap(jacfwd(layers_of))(points)  # (M, L+1, 2, 2)
    return jac.permute(1, 0, 2, 3).contiguous().numpy()  # (L+1, M, 2, 2)


def collapsed_charts(jacobian: np.ndarray) -> np.ndarray:
    """Where the chart is (numerically) singular: ``sigma_min <= 1e-10 sigma_max``. (..., 2, 2) -> (...,) bool."""
    sigma = np.linalg.svd(jacobian, compute_uv=False)  # (..., 2), descending
    return sigma[..., 1] <= DEGENERATE_RATIO * sigma[..., 0]


def _pseudo_inverse(matrix: np.ndarray) -> np.ndarray:
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
    m = np.einsum("mij,lmjk->lmik", jacobian[-1], _pseudo_inverse(jacobian))  # (L+1, M, 2, 2)
    m[-1] = np.eye(2)
    return m


def pullback_metrics(jacobian: np.ndarray) -> np.ndarray:
    """Metrics ``g_l = M_l^T M_l`` in every layer's coordinates (so ``g_L = I``): (L+1, M, 2, 2)."""
    return metric_of_factor(layer_to_last(jacobian))


def metric_of_factor(factor: np.ndarray) -> np.ndarray:
    """``g = F^T F`` for factors (..., 2, 2), e.g. ``M_l = J_L J_l^{-1}``."""
    return np.einsum("...ki,...kj->...ij", factor, factor)


def volume_element(metric: np.ndarray) -> np.ndarray:
    """``sqrt(det g)`` for (..., 2, 2) metrics: how much an area there grows on the way to the last layer."""
    return np.sqrt(np.maximum(np.linalg.det(metric), 0.0))


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
