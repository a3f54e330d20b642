"""Typeset outlines kept beside Manim's SVGs: the same points as typesetting, read back without typesetting,
and typeset again when the kept file is damaged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from manim import Text, config

from riemann_nn.render import current_theme, text

THEME = current_theme("dark")


def kept_files() -> set[Path]:
    return set(Path(config.get_dir("text_dir")).glob("outline-*.npy"))


def typeset_directly(content: str, *, font_size: float, bold: bool = False) -> np.ndarray:
    weight = "BOLD" if bold else "NORMAL"
    typeset = Text(text.left_to_right(content), font=text.FONT, font_size=font_size, weight=weight, line_spacing=0.9)
    return np.concatenate([m.points for m in typeset.family_members_with_points()])


def test_a_label_is_its_text_typeset_and_kept_once(monkeypatch):
    content = "Kept outlines: a test caption\nover two lines"
    before = kept_files()
    first = text.label(content, THEME, font_size=23)
    new = kept_files() - before
    assert len(new) == 1
    np.testing.assert_array_equal(first.points, typeset_directly(content, font_size=23))

    def no_typesetting(*args, **kwargs):
        raise AssertionError("typeset again although the outline is kept")

    monkeypatch.setattr(text, "Text", no_typesetting)
    again = text.label(content, THEME, font_size=23, color="#FF0000")
    np.testing.assert_array_equal(again.points, first.points)
    assert again.get_fill_color().to_hex().upper() == "#FF0000"


@pytest.mark.parametrize("damage", [b"", b"not a numpy file", None])
def test_a_damaged_kept_outline_is_typeset_again(damage):
    content = f"Damaged outline {damage!r}"
    before = kept_files()
    text.label(content, THEME, font_size=19, bold=True)
    (path,) = kept_files() - before
    if damage is None:
        np.save(path, np.zeros((4, 2)))  # a readable array of the wrong shape
    else:
        path.write_bytes(damage)
    again = text.label(content, THEME, font_size=19, bold=True)
    np.testing.assert_array_equal(again.points, typeset_directly(content, font_size=19, bold=True))


def test_different_settings_keep_different_outlines():
    before = kept_files()
    small = text.label("Same words", THEME, font_size=20)
    large = text.label("Same words", THEME, font_size=30)
    bold = text.label("Same words", THEME, font_size=20, bold=True)
    assert len(kept_files() - before) == 3
    assert large.width == pytest.approx(1.5 * small.width, rel=0.02)
    assert not np.array_equal(small.points, bold.points)


def test_a_kept_outline_claiming_more_than_it_holds_or_not_finite_is_typeset_again():
    content = "An outline with a lying header"
    before = kept_files()
    text.label(content, THEME, font_size=21)
    (path,) = kept_files() - before
    expected = typeset_directly(content, font_size=21)
    header = {"descr": "<f8", "fortran_order": False, "shape": (10**12, 3)}
    with open(path, "wb") as file:  # a header for 24 TB of points, then nothing
        np.lib.format.write_array_header_1_0(file, header)
    np.testing.assert_array_equal(text.label(content, THEME, font_size=21).points, expected)
    np.save(path, np.full_like(expected, np.nan))
    np.testing.assert_array_equal(text.label(content, THEME, font_size=21).points, expected)


def test_a_kept_outline_that_cannot_be_written_leaves_no_temporary_file():
    content = "An outline whose place is a folder"
    digest_before = kept_files()
    text.label(content, THEME, font_size=17)
    (path,) = kept_files() - digest_before
    path.unlink()
    path.mkdir()  # os.replace onto a folder fails
    try:
        text.label(content, THEME, font_size=17)
        assert not list(path.parent.glob(f".{path.name}.*.tmp"))
    finally:
        path.rmdir()
