"""Datasets: shapes, balance, determinism, the spirals' definition, and CSV loading with every rejection."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from scipy import stats

from riemann_nn.data import DATASETS, load_csv, make_dataset
from riemann_nn.errors import DataError

from conftest import assert_finite_shape

NAMES = ["spirals", "circles", "moons", "xor", "gaussians", "rings"]


def test_registry_holds_the_six_datasets():
    """The documented datasets, and only those, are registered."""
    assert sorted(DATASETS) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n", [2, 201, 1000])
def test_shapes_dtypes_and_balance(name, n):
    """(N, 2) float64 points, (N,) int64 labels in {0, 1}, N // 2 of class 0 and the rest of class 1."""
    x, y = make_dataset(name, n=n, noise=0.1, seed=3)
    assert_finite_shape(x, (n, 2), "f")
    assert x.dtype == np.float64
    assert_finite_shape(y, (n,), "i")
    assert y.dtype == np.int64
    assert set(np.unique(y)) == {0, 1}
    assert (y == 0).sum() == n // 2 and (y == 1).sum() == n - n // 2


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_data_other_seed_other_data(name):
    """A seed fixes the data bit for bit; another seed gives other points."""
    x1, y1 = make_dataset(name, n=300, noise=0.1, seed=7)
    x2, y2 = make_dataset(name, n=300, noise=0.1, seed=7)
    x3, _ = make_dataset(name, n=300, noise=0.1, seed=8)
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert not np.allclose(x1, x3)


def _spiral_angle_of(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Invert the spiral definition: r = 2t + pi gives t = (r - pi) / 2."""
    r = np.linalg.norm(points, axis=1)
    return r, (r - math.pi) / 2


def test_spirals_follow_their_definition_without_noise():
    """With noise 0, class 0 lies on x = r (cos t, sin t) with r = 2t + pi, t in [0, 2 pi], so r in
    [pi, 5 pi]; class 1 points are exactly the negatives of such points."""
    x, y = make_dataset("spirals", n=2000, noise=0.0, seed=1)
    for cls, sign in [(0, 1.0), (1, -1.0)]:
        arm = sign * x[y == cls]  # reflect class 1 back onto the class-0 arm
        r, t = _spiral_angle_of(arm)
        assert r.min() >= math.pi - 1e-12 and r.max() <= 5 * math.pi + 1e-12
        expected = np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
        np.testing.assert_allclose(arm, expected, rtol=0, atol=1e-10)
    # the reflected class 1 is not simply class 0 (different samples along the same arm)
    assert not np.allclose(x[y == 0], -x[y == 1])


def test_spirals_angle_is_two_pi_sqrt_uniform():
    """t = 2 pi sqrt(u): (t / 2 pi)^2 is uniform on [0, 1] (Kolmogorov-Smirnov), for both classes."""
    x, y = make_dataset("spirals", n=4000, noise=0.0, seed=2)
    for cls, sign in [(0, 1.0), (1, -1.0)]:
        _, t = _spiral_angle_of(sign * x[y == cls])
        assert stats.kstest((t / (2 * math.pi)) ** 2, "uniform").pvalue > 1e-3
    # and not uniform in t itself (that would put too many points near the centre)
    _, t = _spiral_angle_of(x[y == 0])
    assert stats.kstest(t / (2 * math.pi), "uniform").pvalue < 1e-6


def test_rings_are_a_disc_inside_an_annulus_uniform_by_area():
    """Without noise, class 1 fills the disc |x| <= 0.5 and class 0 the annulus 1 <= |x| <= 1.5, each uniformly by
    area (r^2 uniform between the radii' squares: Kolmogorov-Smirnov) and in angle."""
    x, y = make_dataset("rings", n=4000, noise=0.0, seed=4)
    r = np.linalg.norm(x, axis=1)
    disc, ring = r[y == 1], r[y == 0]
    assert disc.max() <= 0.5 and ring.min() >= 1.0 and ring.max() <= 1.5
    assert stats.kstest(disc**2 / 0.25, "uniform").pvalue > 1e-3
    assert stats.kstest((ring**2 - 1.0) / (2.25 - 1.0), "uniform").pvalue > 1e-3
    assert stats.kstest(ring / 1.5, "uniform").pvalue < 1e-6  # not uniform in the radius itself
    angle = np.arctan2(x[:, 1], x[:, 0])
    assert stats.kstest((angle + math.pi) / (2 * math.pi), "uniform").pvalue > 1e-3


def test_noise_is_gaussian_with_the_given_deviation():
    """The same seed with and without noise differ by N(0, noise^2) in every coordinate."""
    clean, _ = make_dataset("spirals", n=4000, noise=0.0, seed=5)
    noisy, _ = make_dataset("spirals", n=4000, noise=0.3, seed=5)
    delta = (noisy - clean) / 0.3
    assert abs(delta.mean()) < 0.05
    assert abs(delta.std() - 1.0) < 0.03


def test_circles_radii():
    """Without noise class 0 is on the unit circle and class 1 on the circle of radius 0.5."""
    x, y = make_dataset("circles", n=500, noise=0.0, seed=0)
    r = np.linalg.norm(x, axis=1)
    np.testing.assert_allclose(r[y == 0], 1.0, atol=1e-12)
    np.testing.assert_allclose(r[y == 1], 0.5, atol=1e-12)


def test_moons_are_two_half_circles():
    """Without noise: class 0 on the upper unit half circle, class 1 on the lower one centred at (1, 0.5),
    both shifted by -(0.5, 0.25)."""
    x, y = make_dataset("moons", n=500, noise=0.0, seed=0)
    upper = x[y == 0] + [0.5, 0.25]
    lower = x[y == 1] + [0.5, 0.25] - [1.0, 0.5]
    np.testing.assert_allclose(np.linalg.norm(upper, axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(lower, axis=1), 1.0, atol=1e-12)
    assert (upper[:, 1] >= -1e-12).all() and (lower[:, 1] <= 1e-12).all()


def test_xor_corners():
    """Without noise every point is a corner (+-1, +-1); class 0 where the signs agree, class 1 otherwise,
    and all four corners occur."""
    x, y = make_dataset("xor", n=400, noise=0.0, seed=0)
    np.testing.assert_array_equal(np.abs(x), 1.0)
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] < 0).astype(int))
    assert len({tuple(p) for p in x}) == 4


def test_gaussians_centres_and_spread():
    """Class 0 around (-1, -1), class 1 around (1, 1), standard deviation = noise."""
    x, y = make_dataset("gaussians", n=4000, noise=0.4, seed=0)
    for cls, centre in [(0, -1.0), (1, 1.0)]:
        np.testing.assert_allclose(x[y == cls].mean(axis=0), centre, atol=0.05)
        np.testing.assert_allclose(x[y == cls].std(axis=0), 0.4, rtol=0.06)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(name="swirls"), "spirals"),  # the message lists the valid names
        (dict(name="spirals", n=1), "from 2 to"),
        (dict(name="spirals", noise=-0.1), "noise"),
        (dict(name="spirals", noise=float("nan")), "noise"),
    ],
)
def test_make_dataset_rejects_bad_arguments(kwargs, fragment):
    """Unknown names, fewer than two points and negative or NaN noise raise DataError."""
    name = kwargs.pop("name")
    with pytest.raises(DataError, match=fragment):
        make_dataset(name, **kwargs)


# ---- CSV ------------------------------------------------------------------------------------------


def _write(tmp_path, text: str, name: str = "data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_without_header(tmp_path):
    """Plain x,y,label rows load as float64 points and int64 labels, in order."""
    path = _write(tmp_path, "0.5,-1.25,0\n2,3e-1,1\n-4,5,1\n")
    x, y = load_csv(path)
    assert_finite_shape(x, (3, 2), "f")
    assert_finite_shape(y, (3,), "i")
    np.testing.assert_array_equal(x, [[0.5, -1.25], [2.0, 0.3], [-4.0, 5.0]])
    np.testing.assert_array_equal(y, [0, 1, 1])


def test_csv_with_header_blank_lines_spaces_and_crlf(tmp_path):
    """A header line is skipped; blank lines, spaces around cells and CRLF line ends are ignored."""
    path = _write(tmp_path, "x, y, label\r\n\r\n 1.0 , 2.0 , 0\r\n\r\n3,4,1.0\r\n   \r\n")
    x, y = load_csv(str(path))
    np.testing.assert_array_equal(x, [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(y, [0, 1])
    assert y.dtype == np.int64


def test_csv_round_trip_of_a_generated_dataset(tmp_path):
    """A dataset written with numpy's savetxt reads back exactly."""
    x, y = make_dataset("moons", n=50, noise=0.1, seed=0)
    path = tmp_path / "moons.csv"
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", fmt="%.17g", header="x,y,label", comments="")
    x2, y2 = load_csv(path)
    np.testing.assert_array_equal(x2, x)
    np.testing.assert_array_equal(y2, y)


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        ("x,y,label\n1,2,0\n\n3,4\n", 4, "3 columns"),  # blank lines still count as lines
        ("1,2,0\n1,2,1,7\n", 2, "3 columns"),
        ("1,2,0\n1,2,1\n1,two,0\n", 3, "not a number"),
        ("1,2,0\nnan,2,1\n", 2, "finite"),
        ("1,2,0\n1,2,1\n\n1,inf,1\n", 4, "finite"),
        ("1,2,0\n1,-1e999,1\n", 2, "finite"),
        ("x,y,label\n1,2,0\n1,2,2\n", 3, "label"),
        ("1,2,0\n1,2,0.5\n", 2, "label"),
        ("1,2,0\n1,2,-1\n", 2, "label"),
        ("1,abc,0\n1,2,1\n3,4,0\n", 1, "not a number"),  # a bad first row is data, not a header
    ],
)
def test_csv_rejections_name_the_line(tmp_path, text, line, fragment):
    """Each bad row raises DataError naming the file and the (1-based, physical) line."""
    path = _write(tmp_path, text)
    with pytest.raises(DataError) as info:
        load_csv(path)
    message = str(info.value)
    assert str(path) in message
    assert re.search(rf"\bline {line}\b", message), message
    assert fragment in message


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "no data rows"),
        ("\n\n  \n", "no data rows"),
        ("x,y,label\n", "no data rows"),
        ("1,2,1\n3,4,1\n5,6,1\n", "two classes"),
    ],
)
def test_csv_rejections_of_the_whole_file(tmp_path, text, fragment):
    """An empty file, a header alone and a single class raise DataError naming the file."""
    path = _write(tmp_path, text)
    with pytest.raises(DataError, match=fragment) as info:
        load_csv(path)
    assert str(path) in str(info.value)


def test_csv_missing_file(tmp_path):
    """A missing file is a DataError naming it, not a FileNotFoundError."""
    path = tmp_path / "absent.csv"
    with pytest.raises(DataError, match="no such file") as info:
        load_csv(path)
    assert str(path) in str(info.value)
    assert not isinstance(info.value, FileNotFoundError)


def test_csv_unreadable_bytes(tmp_path):
    """A binary (non-UTF-8) file is a DataError, not a UnicodeDecodeError."""
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\xff\xfe\x00\x81\x92" * 20)
    with pytest.raises(DataError):
        load_csv(path)
