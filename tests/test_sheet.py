"""Stills (``riemann-nn sheet``): layout, what each panel draws where, the CLI and its errors, a control image."""

from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from riemann_nn.cli import main
from riemann_nn.interpolate import LayerMotion
from riemann_nn.render import PlotRegion, current_theme
from riemann_nn.render.sheet import build_sheet, capture_frame, default_columns, layer_panel, render_sheet
from riemann_nn.render.views import LayerView
from riemann_nn.run import save_run

from render_support import assert_matches_control

WIDTH = 480  # pixels: small and fast, large enough for every panel to hold real pixels


def rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], float)


def blend(colour: str, background: str, alpha: float) -> np.ndarray:
    return alpha * rgb(colour) + (1 - alpha) * rgb(background)


def near(image: np.ndarray, colour: np.ndarray, tolerance: float) -> np.ndarray:
    """Which pixels (H, W) lie within ``tolerance`` (per channel) of ``colour``."""
    return (np.abs(image.astype(float) - colour) <= tolerance).all(axis=-1)


def mixed_with(image: np.ndarray, colour: str, background: str, *, at_least: float, tolerance: float = 12):
    """Which pixels (H, W) are ``background`` mixed with at least ``at_least`` of ``colour`` (thin anti-aliased
    strokes are such mixtures), within ``tolerance`` of the line between the two colours."""
    base, direction = rgb(background), rgb(colour) - rgb(background)
    offset = image.astype(float) - base
    alpha = offset @ direction / (direction @ direction)  # (H, W)
    residual = np.linalg.norm(offset - alpha[..., None] * direction, axis=-1)
    return (alpha >= at_least) & (residual <= tolerance)


def pixel_box(region: PlotRegion, layout, width: int, *, inset: int = 2) -> tuple[slice, slice]:
    """Rows and columns of the image inside ``region``: the camera maps the frame (``frame_width`` units wide,
    centred at the origin, y up) linearly onto the pixels; ``inset`` keeps the border line out."""
    scale = width / layout.frame_width  # pixels per unit, both axes
    height = layout.pixel_height(width)
    left, right = (np.array([region.left, region.right]) + layout.frame_width / 2) * scale
    top, bottom = height / 2 - np.array([region.top, region.bottom]) * scale
    return (
        slice(math.ceil(top) + inset, math.floor(bottom) - inset),
        slice(math.ceil(left) + inset, math.floor(right) - inset),
    )


@pytest.fixture(scope="module", params=["dark", "light"])
def drawn(request, c1_run):
    """The tiny c1 run (4 layers: 5 panels, 3 columns, one empty cell) drawn in each theme."""
    theme = current_theme(request.param)
    layout, mobjects = build_sheet(c1_run, theme=theme)
    image = capture_frame(
        mobjects,
        width=WIDTH,
        height=layout.pixel_height(WIDTH),
        frame_width=layout.frame_width,
        background=theme.background,
    )
    return theme, layout, np.asarray(image)


@pytest.mark.parametrize("panels, columns", [(2, 2), (3, 3), (5, 3), (7, 4), (9, 3), (11, 4), (13, 5), (17, 6)])
def test_default_columns(panels, columns):
    assert default_columns(panels) == columns


def test_default_grids_are_near_square_and_never_leave_a_row_empty():
    for panels in range(2, 60):
        columns = default_columns(panels)
        rows = math.ceil(panels / columns)
        assert rows * columns - panels < columns  # the last row holds at least one panel
        assert rows <= columns <= max(3, 2.5 * rows)  # landscape, but not a strip


def test_panels_are_square_inside_the_image_and_do_not_overlap(drawn):
    _, layout, image = drawn
    assert (layout.columns, layout.rows) == (3, 2)
    boxes = [pixel_box(layout.region(i), layout, WIDTH, inset=0) for i in range(5)]
    for rows, columns in boxes:
        assert 0 <= rows.start < rows.stop <= image.shape[0] and 0 <= columns.start < columns.stop <= image.shape[1]
        assert abs((rows.stop - rows.start) - (columns.stop - columns.start)) <= 1
    for a in range(5):
        for b in range(a + 1, 5):
            (ra, ca), (rb, cb) = boxes[a], boxes[b]
            assert ra.stop <= rb.start or rb.stop <= ra.start or ca.stop <= cb.start or cb.stop <= ca.start


def test_every_panel_shows_both_classes_and_the_border_where_the_layout_puts_it(drawn):
    """Each panel's box holds pixels of both class colours (discs drawn at 0.9 opacity); the border line runs
    along the box's top edge; the empty sixth cell is plain background."""
    theme, layout, image = drawn
    for index in range(5):
        rows, columns = pixel_box(layout.region(index), layout, WIDTH)
        panel = image[rows, columns]
        for colour in theme.classes:
            assert near(panel, blend(colour, theme.background, 0.9), 24).sum() >= 10, (index, colour)
        # The border line (0.015 units, under a pixel here) lies on the box's top edge, within a pixel.
        border = mixed_with(image[rows.start - 4 : rows.start, columns], theme.muted, theme.background, at_least=0.15)
        assert border.any(axis=0).mean() > 0.95
    empty = layout.region(5)
    rows, columns = pixel_box(
        PlotRegion(empty.left - 0.6, empty.right, empty.bottom - 0.3, empty.top + 0.4), layout, WIDTH, inset=0
    )
    assert near(image[rows, columns], rgb(theme.background), 0).all()


def test_only_the_last_panel_is_tinted_by_the_half_planes(drawn):
    """Background pixels tinted with each class colour at the theme's half-plane opacity cover a good part of
    the last panel (the head's line crosses the data) and none of the others."""
    theme, layout, image = drawn
    tints = [blend(colour, theme.background, theme.half_plane_opacity) for colour in theme.classes]
    for index in range(5):
        rows, columns = pixel_box(layout.region(index), layout, WIDTH)
        panel = image[rows, columns]
        shares = [near(panel, tint, 3).mean() for tint in tints]
        if index == 4:
            assert min(shares) > 0.05 and sum(shares) > 0.3, shares
        else:
            assert max(shares) < 0.01, (index, shares)


def test_themes_paint_their_own_background(drawn):
    theme, _, image = drawn
    assert (image[0, 0] == rgb(theme.background)).all() and (image[-1, -1] == rgb(theme.background)).all()
    assert current_theme("dark").background != current_theme("light").background


def test_render_sheet_size_and_glyph_switch(drawn, c1_run):
    """``render_sheet`` draws the built sheet at ``width`` with the layout's aspect; glyph-coloured pixels
    appear only with glyphs."""
    theme, layout, image = drawn
    without = render_sheet(c1_run, theme=theme.name, width=WIDTH, glyphs=False)
    assert without.mode == "RGB" and without.size == (WIDTH, layout.pixel_height(WIDTH)) == image.shape[1::-1]
    assert mixed_with(image, theme.glyph, theme.background, at_least=0.3).sum() > 1000
    assert mixed_with(np.asarray(without), theme.glyph, theme.background, at_least=0.3).sum() == 0


def panel_view(parts):
    """The ``LayerView`` of a panel's parts."""
    return next(part for part in parts if isinstance(part, LayerView))


def test_last_layer_glyphs_are_circles_of_radius_s_times_the_zoom(c1_run):
    """At the last layer every indicatrix glyph is a circle of radius ``s`` in layer coordinates, so on the
    panel each is a circle of radius ``s * zoom`` around its framed site (as the video draws it); every site has
    its glyph (one sub-path each), those crossing the border cut to it."""
    region = PlotRegion(left=3.0, right=6.2, bottom=-5.0, top=-1.8)  # a panel far from the origin
    view = panel_view(layer_panel(c1_run, LayerMotion(c1_run), c1_run.depth, region, current_theme("dark")))
    framing = view.current_framing
    sites = framing.to_screen(c1_run.sites[-1])  # (M, 2)
    assert region.contains(sites).all(), "the panel frames every glyph site"
    paths = view.glyphs.fields[0].get_subpaths()
    assert len(paths) == len(sites)
    radius = c1_run.meta["ellipse"]["scale"] * framing.zoom
    for path in paths:
        corners = path[::4, :2] if len(path) == 16 else path[:, :2]  # arc ends of a whole circle; polygon vertices
        centre = sites[np.argmin(np.linalg.norm(sites - corners.mean(axis=0), axis=1))]
        distance = np.linalg.norm(corners - centre, axis=1)
        if len(path) == 16:
            np.testing.assert_allclose(distance, radius, rtol=1e-9)
        else:  # cut at the border: on the circle or inside it, never outside the panel
            assert (distance <= radius * (1 + 1e-9)).all() and region.contains(corners, margin=-1e-9).all()


def test_the_heads_line_crosses_the_whole_last_panel(c1_run):
    """The line ends on the panel's border, where the head's logit w . x + c vanishes, in a panel far from the
    scene's origin."""
    region = PlotRegion(left=3.0, right=6.2, bottom=-5.0, top=-1.8)
    parts = layer_panel(c1_run, LayerMotion(c1_run), c1_run.depth, region, current_theme("light"))
    line = parts[0].line.points[:, :2]  # (4, 2): one straight cubic
    ends = line[[0, -1]]
    on_border = (
        np.isclose(ends[:, 0], region.left)
        | np.isclose(ends[:, 0], region.right)
        | np.isclose(ends[:, 1], region.bottom)
        | np.isclose(ends[:, 1], region.top)
    )
    assert on_border.all()
    framing = panel_view(parts).current_framing
    layer_points = (ends - region.centre) / framing.zoom + framing.centre  # back to last-layer coordinates
    logits = c1_run.logits(layer_points)
    assert np.abs(logits).max() < 1e-9 * max(1.0, float(np.abs(c1_run.head_weight).sum() * np.abs(layer_points).max()))


def test_sheet_matches_its_control_image(c1_run):
    """A small light sheet of the tiny c1 run (no training-independent parts besides the run) matches its control."""
    image = render_sheet(c1_run, theme="light", width=WIDTH)
    assert_matches_control(np.asarray(image), "sheet")


# -- the command --------------------------------------------------------------------------------------------


@pytest.fixture()
def run_file(tmp_path, c1_run):
    return save_run(c1_run, tmp_path / "run.npz")


def invoke(*args, env=None):
    return CliRunner().invoke(main, ["sheet", *map(str, args)], env=env)


def test_cli_writes_the_sheet(run_file, tmp_path):
    out = tmp_path / "out" / "sheet.png"
    result = invoke(run_file, "-o", out, "--width", 400, "--theme", "light", "--columns", 5)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {out}"
    with Image.open(out) as image:
        assert image.format == "PNG" and image.width == 400 and image.height < 200  # one row of five panels
        assert image.getpixel((0, 0)) == tuple(int(v) for v in rgb(current_theme("light").background))
    assert sorted(p.name for p in out.parent.iterdir()) == ["sheet.png"]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--columns", "0"], "columns must be a whole number from 1 to 5"),
        (["--columns", "6"], "columns must be a whole number from 1 to 5"),
        (["--width", "10"], "width must be a whole number of pixels"),
    ],
)
def test_cli_rejects_bad_options_and_writes_nothing(run_file, tmp_path, args, fragment):
    out = tmp_path / "new-folder" / "sheet.png"  # not even the folder may appear
    result = invoke(run_file, "-o", out, *args)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith("error: ") and fragment in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]


def test_cli_rejects_an_unknown_theme_from_the_environment(run_file, tmp_path):
    result = invoke(run_file, "-o", tmp_path / "sheet.png", env={"RIEMANN_NN_THEME": "sepia"})
    assert result.exit_code == 1
    assert result.output == "error: unknown theme 'sepia'; choose one of: dark, light\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]


def test_cli_rejects_missing_and_corrupt_run_files(tmp_path):
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"PK\x03\x04" + b"\x00" * 60)
    for run_path, fragment in ((tmp_path / "missing.npz", "no such Run file"), (corrupt, "not a readable")):
        result = invoke(run_path, "-o", tmp_path / "sheet.png")
        assert result.exit_code == 1
        assert result.output.count("\n") == 1 and result.output.startswith("error: ") and fragment in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corrupt.npz"]


def test_cli_rejects_unwritable_outputs_and_leaves_nothing(run_file, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for out, fragment in ((blocker / "sheet.png", "cannot write"), (tmp_path / "sheet.gif", "ending")):
        result = invoke(run_file, "-o", out, "--width", 400)
        assert result.exit_code == 1
        assert result.output.count("\n") == 1 and result.output.startswith("error: ") and fragment in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "run.npz"]
    assert blocker.read_text() == "not a folder"
