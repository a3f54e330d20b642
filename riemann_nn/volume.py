"""The volume element ``sqrt(det g)`` as a field over the glyph sites, at any layer time (DESIGN.md, Mathematics).

``sqrt(det g_l)`` says how much an area around a site in layer ``l`` is magnified on the way to the last layer.
With ``g_l = M_l^T M_l`` and ``M_l = J_L J_l^{-1}`` it is ``|det J_L| / |det J_l|``; between layers the same
formula with the exact Jacobian ``J(t)`` of the interpolated map (``LayerMotion.jacobian``) gives the exact
volume element of the metric pulled back to the moving coordinates — no interpolation of the field itself.
Values are returned as ``log10``, the scale on which magnifications are compared. Plain numpy.
"""

from __future__ import annotations

import numpy as np

from .geometry import collapsed_charts
from .interpolate import LayerMotion

# log10 of the volume element where it is zero or below: the chart at this time collapsed (the metric,
# pulled back with a pseudo-inverse, is singular) or the last chart did. A finite stand-in for -inf.
LOG_FLOOR = -30.0


def log_volume(jacobian: np.ndarray, last_jacobian: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log10 sqrt(det g)`` of the last layer's metric pulled back through charts with Jacobians ``jacobian``
    (..., M, 2, 2), the last chart's Jacobians being ``last_jacobian`` (M, 2, 2).

    Returns the values (..., M), finite and at least ``LOG_FLOOR`` (smaller values are clipped to it), and which
    charts collapsed (..., M) bool. Where the chart collapsed, ``geometry.layer_to_last`` uses a pseudo-inverse,
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


class VolumeField:
    """``log10 sqrt(det g(t))`` at the glyph sites of a Run at any layer time ``t`` in ``[0, L]``."""

    def __init__(self, motion: LayerMotion):
        self.motion = motion
        self.last_jacobian = motion.run.jacobian[-1]  # (M, 2, 2)

    def at(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Values (M,) and collapsed flags (M,) at time ``t`` (exact at every layer and in between)."""
        if t >= self.motion.depth:  # g_L = I by definition, even where the last chart collapsed
            return np.zeros(len(self.last_jacobian)), np.zeros(len(self.last_jacobian), bool)
        return log_volume(self.motion.jacobian(t), self.last_jacobian)

    def at_layers(self) -> tuple[np.ndarray, np.ndarray]:
        """Values and collapsed flags at every layer: (L+1, M) each."""
        values, collapsed = log_volume(self.motion.run.jacobian, self.last_jacobian)  # (L+1, M) each
        values[-1], collapsed[-1] = 0.0, False  # g_L = I, as in ``at``
        return values, collapsed
