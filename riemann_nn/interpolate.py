"""Smooth paths between consecutive layers for points, grid lines and metric glyphs (DESIGN.md,
"Moving between layers").

Time ``t`` runs over ``[0, L]``; at every integer ``t = l`` every path equals layer ``l`` exactly.
*straight* and *spline* are linear in the layer values, so a path is one weight vector ``w(t)`` (L+1,)
applied to every array at once, and applying the same weights to the chart Jacobians gives the exact
Jacobian of the interpolated map. *staged* (c0 only) replays one layer as linear map, shift, activation.
Width-3 runs move in 3-space: points (..., 3), and glyph maps (M, 3, 2) that carry the input plane's glyphs
on the data's surface (``metric.plane_glyph_maps``). Plain numpy and scipy: nothing here imports torch.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicSpline

from .errors import ConfigError
from .metric import clip_axes, invert_chart, log_volume, plane_glyph_maps
from .network import activation, activation_derivative
from .run import Run

METHODS = ("straight", "spline", "staged")
# A custom network's layers may be anything: straight paths between them claim nothing about what is between.
DEFAULT_METHOD = {"c0": "staged", "c1": "straight", "c2": "spline", "custom": "straight"}


def layer_weights(t: float, *, depth: int, method: str) -> np.ndarray:
    """The weights ``w(t)`` (L+1,) with ``path(t) = sum_l w_l(t) value_l`` for straight or spline paths."""
    t = float(np.clip(t, 0.0, depth))
    if method == "straight":
        low = min(int(np.floor(t)), depth - 1)
        weights = np.zeros(depth + 1)
        weights[low], weights[low + 1] = low + 1 - t, t - low
        return weights
    if method == "spline":
        return _spline_basis(depth)(t)
    raise ConfigError(f"unknown layer path {method!r} here; choose straight or spline")


_SPLINE_CACHE: dict[int, CubicSpline] = {}


def _spline_basis(depth: int) -> CubicSpline:
    """Cubic splines through the unit vectors: evaluating at ``t`` gives the spline's weights on each layer."""
    if depth not in _SPLINE_CACHE:
        knots = np.arange(depth + 1.0)
        # Not-a-knot needs 4 knots; with fewer layers a natural spline (or a line) is the sensible choice.
        bc = "not-a-knot" if depth >= 3 else "natural"
        _SPLINE_CACHE[depth] = CubicSpline(knots, np.eye(depth + 1), axis=0, bc_type=bc)
    return _SPLINE_CACHE[depth]


def combine(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``sum_l w_l values[l]``: (L+1,), (L+1, ...) -> (...)."""
    return np.tensordot(weights, values, axes=1)


class LayerMotion:
    """Where points, grid lines and glyphs of a Run are at any time ``t`` in ``[0, L]``.

    Parameters
    ----------
    run : the Run to move through.
    method : ``straight``, ``spline`` or ``staged`` (c0 only); default per scheme (c0 staged, c1 straight,
        c2 spline).
    """

    def __init__(self, run: Run, *, method: str | None = None):
        method = method or DEFAULT_METHOD[run.scheme]
        if method not in METHODS:
            raise ConfigError(f"unknown layer path {method!r}; choose one of: {', '.join(METHODS)}")
        if method == "staged" and run.scheme != "c0":
            raise ConfigError(
                "the staged path replays one c0 layer (linear map, shift, activation); "
                f"this run is {run.scheme}: use straight or spline"
            )
        self.run, self.method, self.depth = run, method, run.depth
        ellipse = run.meta["ellipse"]
        self.scale = float(ellipse["scale"])
        self.convention = ellipse["convention"]
        self.max_axis = np.asarray(ellipse["max_axis"], float)  # (L+1,)
        # Glyph maps at the layers: indicatrix E_l = s J_l J_L^{-1}; stretch E_l = s M_l^T (M_l = J_L J_l^{-1}).
        jac = run.jacobian  # (L+1, M, d, d)
        if run.width != 2:
            if self.convention != "indicatrix":
                raise ConfigError(
                    f"width-{run.width} runs draw indicatrix glyphs only; this one says {self.convention}"
                )
            # The input plane's glyphs on the data's surface: E_l = s J_l P V S^{-1} (M, 3, 2), J_L P = U S V^T.
            self._pushed = plane_glyph_maps(jac)  # (L+1, M, 3, 2)
        elif self.convention == "indicatrix":
            # P_l = J_l J_L^{-1}, the glyph maps over s; P_L = I exactly, even where the last chart collapsed.
            self._pushed = np.einsum("lmij,mjk->lmik", jac, invert_chart(jac[-1]))  # (L+1, M, 2, 2)
            self._pushed[-1] = np.eye(2)
        if method == "staged":  # the only path that replays the activation
            self._act = activation(run.activation)
            self._act_prime = activation_derivative(run.activation)

    # -- positions ---------------------------------------------------------------------------------
    def weights(self, t: float) -> np.ndarray:
        return layer_weights(t, depth=self.depth, method=self.method)

    def at(self, values: np.ndarray, t: float) -> np.ndarray:
        """Interpolate layer values (L+1, ..., d) of points (data, grid, sites) to time ``t``: (..., d)."""
        if self.method == "staged":
            return self._staged(values, t)[0]
        return combine(self.weights(t), values)

    def points(self, t: float) -> np.ndarray:
        return self.at(self.run.x, t)  # (N, d)

    def grid(self, t: float) -> np.ndarray:
        return self.at(self.run.grid, t)  # (R, S, d)

    def sites(self, t: float) -> np.ndarray:
        return self.at(self.run.sites, t)  # (M, d)

    def jacobian(self, t: float) -> np.ndarray:
        """The exact Jacobian ``J(t)`` of the interpolated map at the glyph sites: (M, d, d)."""
        if self.method == "staged":
            return self._staged(self.run.sites, t, jacobian=self.run.jacobian)[1]
        return combine(self.weights(t), self.run.jacobian)

    def max_axis_at(self, t: float) -> float:
        return float(np.interp(t, np.arange(self.depth + 1), self.max_axis))

    def glyphs(self, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Glyph centres (M, d), maps (M, d, 2) taking the unit circle onto each glyph at time ``t``, and
        which glyphs were clipped (M,) bool.

        Indicatrix glyphs are pushed by the very map that moves the points (``E(t) = s J(t) J_L^{-1}``).
        Axes are clipped to the interpolated ``max_axis`` so that collapsed charts stay drawable.
        """
        return (self.sites(t), *clip_axes(self.glyph_maps(t), self.max_axis_at(t)))

    def glyph_maps(self, t: float) -> np.ndarray:
        """The maps (M, d, 2) of ``glyphs`` before their axes are clipped: a glyph's true size, for a renderer
        that caps it on screen itself (huge where a chart nearly collapses)."""
        if self.convention == "indicatrix":
            if self.method == "staged":
                pushed = self._staged(self.run.sites, t, jacobian=self._pushed)[1]
            else:
                pushed = combine(self.weights(t), self._pushed)
            maps = self.scale * pushed  # (M, 2, 2) = s J(t) J_L^{-1}
        else:
            jac_t = self.jacobian(t)  # (M, 2, 2)
            m_t = np.einsum("mij,mjk->mik", self.run.jacobian[-1], invert_chart(jac_t))
            maps = self.scale * np.swapaxes(m_t, -1, -2)
        return maps

    # -- the staged c0 path ------------------------------------------------------------------------
    def _staged(self, values: np.ndarray, t: float, jacobian: np.ndarray | None = None):
        """One c0 layer in three equal stages: ``(1-s) I + s W``, then ``+ s b``, then ``(1-s) z + s act(z)``.

        With ``jacobian`` (L+1, M, d, k), also returns the stage's derivative applied to ``jacobian[l]``."""
        t = float(np.clip(t, 0.0, self.depth))
        layer = min(int(np.floor(t)), self.depth - 1)
        phase = 3.0 * (t - layer)  # 0..3
        stage, s = min(int(phase), 2), phase - min(int(phase), 2)
        weight, bias = self.run.network_parameters("the staged path")  # a c0 run has them (checked above)
        w, b = weight[layer], bias[layer]  # (d, d), (d,)
        x = values[layer]  # (..., d)
        linear = (1 - s) * np.eye(len(b)) + s * w if stage == 0 else w  # (d, d)
        z = x @ linear.T + (s * b if stage == 1 else (b if stage == 2 else 0.0))  # (..., d)
        if stage == 2:
            point = (1 - s) * z + s * self._act(z)
        else:
            point = z
        if jacobian is None:
            return point, None
        d = (1 - s) + s * self._act_prime(z) if stage == 2 else np.ones_like(z)  # (..., d) diagonal
        jac = d[..., :, None] * np.einsum("ij,mjk->mik", linear, jacobian[layer])  # (M, d, k)
        return point, jac


class VolumeField:
    """``log10 sqrt(det g(t))`` at the glyph sites of a Run at any layer time ``t`` in ``[0, L]``.

    Between layers the exact Jacobian ``J(t)`` of the interpolated map gives the exact volume element of the
    metric pulled back to the moving coordinates: no interpolation of the field itself.
    """

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
