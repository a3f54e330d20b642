"""Round steps: tick steps, grid steps, and the promise that joins them (every tick on a grid line at the input)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from riemann_nn import GeometryConfig, export
from riemann_nn.render import LayerView
from riemann_nn.render.colour import THEMES
from riemann_nn.steps import grid_step, multiples_within, nice_step, tick_step_over

SPANS = [10.0**e for e in np.linspace(-6, 6, 241)] + [33.0, 1.0, 7.2, 0.3]


def series(mantissas, low=-9, high=9):
    """Every value m * 10**p of a series, written out independently of steps.py's construction."""
    return sorted(m * 10.0**p for p in range(low, high) for m in mantissas)


def is_in(value, values):
    return any(math.isclose(value, v, rel_tol=1e-12) for v in values)


def test_the_tick_step_is_the_smallest_1_2_5_value_giving_at_most_five_steps():
    values = series((1, 2, 5))
    for span in SPANS:
        expected = min(v for v in values if v >= span / 5 * (1 - 1e-12))
        assert nice_step(span) == pytest.approx(expected, rel=1e-12), span


@pytest.mark.parametrize("lines", [2, 4, 15, 40])
def test_the_grid_step_is_the_1_2_5_5_value_nearest_the_asked_spacing(lines):
    candidates = series((1, 2.5, 5))
    for span in SPANS:
        step, raw = grid_step(span, lines=lines), span / (lines - 1)
        assert is_in(step, candidates), span
        best = min(abs(math.log(v / raw)) for v in candidates)
        assert abs(math.log(step / raw)) == pytest.approx(best, abs=1e-12), span
        assert raw / 1.6 < step < raw * 1.6  # neighbours differ by at most 2.5x: never far off


def test_every_tick_step_at_least_a_grid_step_is_a_whole_multiple_of_it():
    grids = {grid_step(s, lines=k) for s in SPANS for k in (2, 4, 15, 40)}
    ticks = {nice_step(s) for s in SPANS}
    for g in grids:
        for t in ticks:
            if t >= g:
                assert t / g == pytest.approx(round(t / g), rel=1e-9), (t, g)


@pytest.mark.parametrize("step, unit, expected", [(10.0, 2.5, 10.0), (2.0, 2.5, 5.0), (1.0, 5.0, 5.0), (0.1, 1.0, 1.0)])
def test_a_tick_step_finer_than_the_grid_becomes_the_smallest_1_2_5_step_over_it(step, unit, expected):
    assert tick_step_over(step, unit) == pytest.approx(expected)


def test_multiples_cover_the_interval_and_hit_zero_exactly():
    values = multiples_within(-3.7, 11.2, 2.5)
    np.testing.assert_allclose(values, [-5.0, -2.5, 0.0, 2.5, 5.0, 7.5, 10.0, 12.5])
    assert 0.0 in values.tolist()
    assert multiples_within(5.0, 10.0, 2.5).tolist() == [5.0, 7.5, 10.0]  # ends on multiples: no extra line


@pytest.mark.parametrize("lines", [4, 15])
def test_grid_lines_lie_at_multiples_of_one_step_and_cover_the_box(lines):
    bounds = np.array([[-16.3, -13.9], [17.1, 12.4]])
    grid, step, (kx, ky) = export.grid_lines(bounds, lines=lines, samples=7)
    assert grid.shape == (kx + ky, 7, 2)
    xs, ys = grid[:kx, 0, 0], grid[kx:, 0, 1]
    np.testing.assert_allclose(grid[:kx, :, 0], np.repeat(xs[:, None], 7, axis=1))  # vertical: constant x
    np.testing.assert_allclose(grid[kx:, :, 1], np.repeat(ys[:, None], 7, axis=1))  # horizontal: constant y
    for values in (xs, ys):
        np.testing.assert_allclose(values / step, np.round(values / step), atol=1e-9)
        np.testing.assert_allclose(np.diff(values), step)
    assert xs[0] <= bounds[0, 0] and xs[-1] >= bounds[1, 0] and ys[0] <= bounds[0, 1] and ys[-1] >= bounds[1, 1]
    assert xs[1] > bounds[0, 0] and xs[-2] < bounds[1, 0]  # no more than one line outside each side
    # the lines span the covered box: each vertical runs from the lowest horizontal line to the highest
    assert grid[0, 0, 1] == pytest.approx(ys[0]) and grid[0, -1, 1] == pytest.approx(ys[-1])


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_at_the_input_every_tick_mark_has_a_grid_line_through_it(c1_run, theme):
    view = LayerView(c1_run, theme=THEMES[theme])
    view.time.set_value(0.0)
    view.update()
    geometry = c1_run.meta["geometry"]
    kx = geometry["grid_counts"][0]
    lines_x, lines_y = c1_run.grid[0, :kx, 0, 0], c1_run.grid[0, kx:, 0, 1]
    ticks_x, ticks_y = view.axes.tick_values
    assert len(ticks_x) >= 2 and len(ticks_y) >= 2
    for ticks, lines in ((ticks_x, lines_x), (ticks_y, lines_y)):
        gaps = np.abs(ticks[:, None] - lines[None, :]).min(axis=1)
        assert gaps.max() < 1e-9 * max(1.0, float(np.abs(lines).max()))


def test_the_grid_config_asks_for_about_that_many_lines_across_the_longer_side(c1_run):
    geometry = c1_run.meta["geometry"]
    bounds = np.asarray(geometry["bounds"])
    longer = float((bounds[1] - bounds[0]).max())
    assert GeometryConfig().grid_lines == 15
    across = longer / geometry["grid_step"] + 1
    assert geometry["grid_lines"] / 1.6 < across < geometry["grid_lines"] * 1.6 + 2
