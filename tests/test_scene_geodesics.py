"""The geodesics scene: its render pieces (riemann_nn.render.geodesics) against closed forms and independent
references, and a real render at a tiny size that tells its story in order."""

from __future__ import annotations

import numpy as np
import pytest

from riemann_nn.export import build_run
from riemann_nn.geodesic import Geodesic
from riemann_nn.network import propagate
from riemann_nn.render.colour import THEMES, from_hex, srgb_to_oklab
from riemann_nn.render.framing import PlotRegion
from riemann_nn.render.geodesics import (
    PAIR_COLOURS,
    GeodesicOverlay,
    GeodesicPair,
    LengthTable,
    arm_order,
    far_pair,
    format_length,
    geodesic_pairs,
    length_formula,
    length_notes,
    polyline_bezier,
)
from riemann_nn.render.story import PANEL_WIDTH
from riemann_nn.render.subtitles import reading_seconds
from riemann_nn.render.views import LayerView
from riemann_nn.run import save_run

from conftest import small_config
from render_support import (
    decode,
    lit_fraction,
    load_scene_module,
    mean_change,
    read_cues,
    render_scene,
    smallest_letter_pixels,
)

THEME = THEMES["dark"]


def test_arm_order_follows_a_spiral_arm_not_the_straight_line():
    """Points of one spiral arm (r = 2t + 3, 1.5 turns), shuffled: the order along the spanning tree is the
    arm's normalised arc length (either way round), though one turn apart the arm comes within 4pi of itself."""
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0, 3 * np.pi, 600))  # (N,) the arm's angle
    arm = np.column_stack([(2 * t + 3) * np.cos(t), (2 * t + 3) * np.sin(t)])
    fine = np.linspace(t[0], t[-1], 100_001)
    speed = np.sqrt((2 * fine + 3) ** 2 + 4)  # |d(r cos t, r sin t)/dt| for r = 2t + 3
    arc = np.concatenate([[0.0], np.cumsum((speed[1:] + speed[:-1]) / 2 * np.diff(fine))])
    along = np.interp(t, fine, arc) / arc[-1]  # (N,) the reference
    shuffle = rng.permutation(len(t))
    order = arm_order(arm[shuffle])  # (N,)
    if np.corrcoef(order, along[shuffle])[0, 1] < 0:
        order = 1 - order
    assert order.min() == 0.0 and order.max() == pytest.approx(1.0)
    assert np.abs(order - along[shuffle]).max() < 0.01  # chords of the tree are a little shorter than the arc
    ends = far_pair(arm[shuffle], fractions=(0.1, 0.9))  # (2, 2): data points a tenth from either end
    picked = [along[shuffle][np.flatnonzero((arm[shuffle] == end).all(axis=1))[0]] for end in ends]
    assert sorted(picked) == pytest.approx([0.1, 0.9], abs=0.01)


def test_polyline_bezier_draws_by_length_on_screen_and_dashes_evenly():
    """A curve of 12 unit segments and one whose first half has 10 short segments: drawing half of each stops
    at half their length (not half their points); dashes of 2 units keep every other 2 units."""
    even = np.column_stack([np.arange(13.0), np.zeros(13)])  # (13, 2): 12 segments of length 1
    uneven = np.column_stack([np.concatenate([np.linspace(0, 6, 11), [12.0]]), np.ones(12)])  # 10 short, 1 long
    half = polyline_bezier([even, uneven], 0.5)
    ends = half.reshape(-1, 4, 3)[:, -1]  # (segments, 3): each drawn segment's end
    assert ends[ends[:, 1] == 0, 0].max() == pytest.approx(6.0)
    assert ends[ends[:, 1] == 1, 0].max() == pytest.approx(6.0)
    dashed = polyline_bezier([even], 1.0, dash=2.0).reshape(-1, 4, 3)
    starts = np.sort(dashed[:, 0, 0])
    np.testing.assert_array_equal(starts, [0, 1, 4, 5, 8, 9])
    clipped = polyline_bezier([even, uneven], 1.0, region=PlotRegion(-1, 3.5, -1, 0.5)).reshape(-1, 4, 3)
    assert clipped[..., 0].max() == pytest.approx(3.5) and clipped[..., 1].max() == 0.0  # y = 1 lies outside
    assert polyline_bezier([even], 0.0).shape == (0, 3)


def test_lengths_are_printed_with_three_digits():
    assert [format_length(v) for v in (10.306, 0.0120, 37.689, 0.875, 1234.5)] == [
        "10.3",
        "0.012",
        "37.7",
        "0.875",
        "1.23e+03",
    ]


def _pair(name: str, length: float, straight: float) -> GeodesicPair:
    points = np.array([[0.0, 0.0], [1.0, 0.0]])
    return GeodesicPair(name, "#FFFFFF", Geodesic(points, length, straight, 1.0, length, "lift", length))


def test_length_notes_comment_on_numbers_that_read_the_same():
    assert length_notes([_pair("A", 1.0, 2.0), _pair("B", 3.0, 4.0)]) == []
    assert length_notes([_pair("A", 2.0001, 2.0002), _pair("B", 3.0, 4.0)]) == [
        "A: the straight line is already a shortest path"
    ]
    assert length_notes([_pair("A", 1.0, 2.0), _pair("B", 1.0001, 2.0001)]) == [
        "A and B: the same lengths, to three digits"
    ]


def _simulated(colour: str, matrix: np.ndarray | None) -> np.ndarray:
    """OKLab of an sRGB colour as seen with a colour-vision deficiency (Machado et al. 2009, severity 1)."""
    rgb = from_hex(colour)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    if matrix is not None:
        linear = np.clip(linear @ matrix.T, 0.0, 1.0)
    return srgb_to_oklab(np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055))


MACHADO = {
    "normal": None,
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]
    ),
}


@pytest.mark.parametrize("vision", sorted(MACHADO))
@pytest.mark.parametrize("theme", sorted(PAIR_COLOURS))
def test_pair_colours_stay_apart_for_colour_blind_viewers(theme, vision):
    """The two pairs' colours differ clearly (OKLab distance over 0.15) in every kind of colour vision, and each
    stands out of the background (over 0.3)."""
    first, second = (_simulated(c, MACHADO[vision]) for c in PAIR_COLOURS[theme])
    background = _simulated(THEMES[theme].background, MACHADO[vision])
    assert np.linalg.norm(first - second) > 0.15
    assert min(np.linalg.norm(first - background), np.linalg.norm(second - background)) > 0.3


@pytest.fixture(scope="module")
def spiral_run(tmp_path_factory):
    return build_run(small_config("c1"), progress=False)


@pytest.fixture(scope="module")
def spiral_pairs(spiral_run):
    return geodesic_pairs(spiral_run, THEME)


def _on_polyline_or_border(drawn: np.ndarray, polyline: np.ndarray, region: PlotRegion) -> np.ndarray:
    """Which points (P, 2) are vertices of the polyline (K, 2) or lie on the region's border: (P,) bool."""
    nearest = np.linalg.norm(drawn[:, None] - polyline[None], axis=-1).min(axis=1)  # (P,)
    border = np.isclose(drawn, [region.left, region.bottom]).any(axis=1) | np.isclose(
        drawn, [region.right, region.top]
    ).any(axis=1)
    return (nearest < 1e-6) | border


def test_overlay_is_exact_at_every_layer(spiral_run, spiral_pairs):
    """At each layer the drawn paths start their pieces at the paths' points pushed through the network
    (``propagate``, an independent forward pass) in the view's framing (or where a piece enters the plot), and
    the endpoint discs sit on the pairs' ends."""
    run = spiral_run
    view = LayerView(run, theme=THEME)
    overlay = GeodesicOverlay(view, spiral_pairs)
    for tracker in (overlay.geodesic_drawn, overlay.segment_drawn, overlay.marker_size):
        tracker.set_value(1.0)

    def image(points: np.ndarray, layer: int) -> np.ndarray:
        layers = propagate(run.weight, run.bias, points, scheme=run.scheme, activation=run.activation, dt=run.dt)
        return view.current_framing.to_screen(layers[layer])

    for layer in (0, 2, run.depth):
        view.time.set_value(layer)
        view.follow_layer(view)
        overlay.follow_view(overlay)
        for pair, curve in zip(spiral_pairs, overlay.geodesics):
            screen = image(pair.path.points, layer)  # (K, 2)
            drawn = curve.points.reshape(-1, 4, 3)[:, 0, :2]  # (P, 2) the drawn pieces' starts
            assert len(drawn) >= 0.5 * view.region.contains(screen).sum()
            assert _on_polyline_or_border(drawn, screen, view.region).all()
        ends = np.concatenate([disc.points.reshape(-1, 4, 3)[:, 0, :2] for disc in overlay.discs])
        expected = np.concatenate([image(pair.path.points[[0, -1]], layer) for pair in spiral_pairs])  # (4, 2)
        np.testing.assert_allclose(
            ends, expected[view.region.contains(expected, margin=overlay.discs[0].radius)], atol=1e-6
        )


def test_length_table_has_one_number_per_path(spiral_pairs):
    """Two rows (A, B), each with the shortest path's length and the straight segment's, as printed."""
    table = LengthTable(spiral_pairs, THEME)
    assert table.cells == [[format_length(p.path.length), format_length(p.path.straight_length)] for p in spiral_pairs]
    assert [pair.name for pair in spiral_pairs] == ["A", "B"]
    assert len({pair.colour for pair in spiral_pairs}) == 2
    for pair in spiral_pairs:  # the straight segment is never shorter than the shortest path
        assert pair.path.straight_length >= pair.path.length >= pair.path.output_distance - 1e-9


def test_formula_letters_are_legible_at_480p():
    """The length formula, fitted to the panel as the story presents it: no letter under 7 pixels at 480p."""
    block = length_formula(THEME)
    if block.width > PANEL_WIDTH:
        block.scale_to_fit_width(PANEL_WIDTH)
    assert smallest_letter_pixels(block) >= 7.0


@pytest.fixture(scope="module")
def spiral_run_file(tmp_path_factory, spiral_run):
    return save_run(spiral_run, tmp_path_factory.mktemp("run") / "spirals.npz")


@pytest.mark.render
def test_geodesics_story_shows_the_input_first_then_the_last_layer(spiral_run_file, tmp_path, monkeypatch):
    """A tiny render: the straight segments are drawn at the input, the shortest paths at the last layer, and
    the story ends back at the input; every subtitle cue is read for its reading time; frames are lit and
    moving."""
    monkeypatch.setenv("RIEMANN_NN_RUN", str(spiral_run_file))
    monkeypatch.delenv("RIEMANN_NN_PRESET", raising=False)
    states = []

    class Logged(load_scene_module("geodesics").Geodesics):
        def play(self, *animations, **kwargs):
            super().play(*animations, **kwargs)
            overlay = next((m for m in self.mobjects if isinstance(m, GeodesicOverlay)), None)
            if overlay is not None:
                states.append(
                    (self.view.time.get_value(), overlay.segment_drawn.get_value(), overlay.geodesic_drawn.get_value())
                )

    scene, movie, duration = render_scene(Logged, tmp_path)
    depth = scene.depth
    time, segment, geodesic = np.array(states).T
    assert time[np.argmax(segment > 0)] == 0.0, "the straight segments appear at the input"
    assert time[np.argmax(geodesic > 0)] == depth, "the shortest paths appear in the last layer"
    assert time[-1] == 0.0 and segment[-1] == geodesic[-1] == 1.0
    cues = read_cues(movie.with_suffix(".vtt"))
    assert cues[0][2] == scene.question and len(cues) >= 8
    for start, end, text in cues:
        assert end - start >= reading_seconds(text) - 1 / 5, text
        assert "J_L" not in text and "^T" not in text
    frames = decode(movie)
    assert 30 <= duration <= 75
    lit = lit_fraction(frames) > 0.005  # (T,)
    assert (lit[2:-2] | lit[3:-1] | lit[4:]).all(), "(nearly) blank for longer than the card's crossfade"
    assert (mean_change(frames) > 0.05).mean() > 0.3, "the video barely changes"
