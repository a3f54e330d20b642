"""Run files are trusted in nothing (issue 9, item 7): sizes are checked before anything is decompressed,
unknown members are never read, every meta field the code reads is validated, and a damaged cached run is
trained again with one warning."""

from __future__ import annotations

import io
import json
import struct
import warnings
import zipfile

import numpy as np
import pytest

from riemann_nn import run as run_module
from riemann_nn.cache import cached_run_path, load_or_train
from riemann_nn.errors import RiemannNNWarning, RunFileError
from riemann_nn.run import MAX_META_DEPTH, META_FIELDS, OPTIONAL_SECTIONS, SMALL_FILE_BUDGET, load_run, save_run

from conftest import small_config


@pytest.fixture(scope="module")
def good_file(tmp_path_factory, c1_run):
    return save_run(c1_run, tmp_path_factory.mktemp("good") / "good.npz")


def members_of(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def write_zip(path, members: list[tuple[str, bytes]], *, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return path


def npy_header(shape, descr="<f8") -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def meta_of(path) -> dict:
    with np.load(path) as npz:
        return json.loads(str(npz["meta"]))


def with_meta(path, target, meta: dict):
    members = members_of(path)
    members["meta.npy"] = npy(np.array(json.dumps(meta)))
    return write_zip(target, list(members.items()))


@pytest.fixture
def no_array_reads(monkeypatch):
    """Fails the test if any member's data (beyond its header) is decompressed."""

    def refuse(*args, **kwargs):
        raise AssertionError("an array was read")

    monkeypatch.setattr(run_module.np.lib.format, "read_array", refuse)


# ---- sizes before decompression -------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_without_decompressing(good_file, tmp_path, no_array_reads):
    """72 MB of zeros in a 200 kB file: refused from the zip directory alone."""
    members = members_of(good_file)
    members["x.npy"] = npy_header((3, 1_500_000, 2)) + bytes(72_000_000)
    bomb = write_zip(tmp_path / "bomb.npz", list(members.items()))
    assert bomb.stat().st_size * run_module.MAX_EXPANSION < 72_000_000 and SMALL_FILE_BUDGET < 72_000_000
    with pytest.raises(RunFileError, match="zip bomb"):
        load_run(bomb)


@pytest.mark.parametrize("shape", [(3, 10**9, 2), (10**6, 10**6, 10**6, 2), (3, 2**62, 2)])
def test_a_declared_shape_larger_than_the_member_is_refused_before_allocating(
    good_file, tmp_path, shape, no_array_reads
):
    members = members_of(good_file)
    members["x.npy"] = npy_header(shape) + bytes(64)
    with pytest.raises(RunFileError, match="'x' declares shape"):
        load_run(write_zip(tmp_path / "huge.npz", list(members.items())))


def test_a_declared_shape_smaller_than_the_member_is_refused(good_file, tmp_path):
    members = members_of(good_file)
    members["y.npy"] = npy_header((3,), "<i8") + bytes(8 * 4)  # 4 values' bytes behind a header of 3
    with pytest.raises(RunFileError, match="'y' declares shape"):
        load_run(write_zip(tmp_path / "short.npz", list(members.items())))


@pytest.mark.parametrize(
    "key, array, fragment",
    [
        ("x", np.array([{"a": 1}], dtype=object), "never loaded"),
        ("x", np.zeros(3, dtype=[("a", "<f8")]), "'x' has dtype"),
        ("x", np.zeros((3, 2), dtype="<U4"), "'x' has dtype"),
        ("degenerate", np.zeros(3, dtype=np.int8), "'degenerate' has dtype"),
        ("y", np.zeros(3, dtype=np.float64), "'y' has dtype"),
        ("meta", np.array(["{}", "{}"]), "one JSON string"),
        ("meta", np.array("x" * (run_module.MAX_META_CHARACTERS + 1)), "at most"),
    ],
    ids=["object", "structured", "strings", "int8 flags", "float labels", "meta array", "meta too long"],
)
def test_a_dtype_that_cannot_be_the_keys_is_refused_from_its_header(
    good_file, tmp_path, key, array, fragment, no_array_reads
):
    members = members_of(good_file)
    members[f"{key}.npy"] = npy(array)
    with pytest.raises(RunFileError, match=fragment):
        load_run(write_zip(tmp_path / "dtype.npz", list(members.items())))


def test_unknown_members_are_never_read(good_file, tmp_path):
    """A file with extra members loads, even when those would be refused or huge: they are not opened."""
    members = list(members_of(good_file).items())
    members += [
        ("evil.npy", npy(np.array([{"a": 1}], dtype=object))),
        ("notes.txt", b"\xff" * 100),
        ("x.npy.bak", npy_header((10**9,)) + bytes(8)),
    ]
    run = load_run(write_zip(tmp_path / "extra.npz", members))
    np.testing.assert_array_equal(run.x, load_run(good_file).x)


def test_a_member_twice_is_refused(good_file, tmp_path):
    members = list(members_of(good_file).items())
    members.append(("x.npy", npy(np.zeros((5, 200, 2)))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate name
        path = write_zip(tmp_path / "twice.npz", members)
    with pytest.raises(RunFileError, match=r"holds x\.npy twice"):
        load_run(path)


def test_an_unknown_compression_method_is_refused(good_file, tmp_path):
    """A member claiming compression method 99 (one zipfile does not know) is a RunFileError, not
    NotImplementedError."""
    data = bytearray(good_file.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        offset = archive.getinfo("x.npy").header_offset
    struct.pack_into("<H", data, offset + 8, 99)  # the local header's method
    start = data.find(b"PK\x01\x02")
    while start >= 0:  # the central directory entry's method, at +10 of the entry naming x.npy
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        if data[start + 46 : start + 46 + name_length] == b"x.npy":
            struct.pack_into("<H", data, start + 10, 99)
        start = data.find(b"PK\x01\x02", start + 4)
    path = tmp_path / "method.npz"
    path.write_bytes(bytes(data))
    with pytest.raises(RunFileError, match=r"not a readable \.npz"):
        load_run(path)


# ---- meta: every field the code reads -------------------------------------------------------------------

REQUIRED = [
    (section, key)
    for section, spec in META_FIELDS.items()
    if section not in OPTIONAL_SECTIONS
    for key, (_, _, required) in spec.items()
    if required
]
WRONG_VALUES = [None, "text", True, -1, [1], {"a": 1}]  # wrong for every required field


@pytest.mark.parametrize("section, key", REQUIRED, ids=[f"{s}.{k}" for s, k in REQUIRED])
def test_every_required_meta_field_is_required(good_file, tmp_path, section, key):
    meta = meta_of(good_file)
    del meta[section][key]
    with pytest.raises(RunFileError, match=f"missing {section}.{key}"):
        load_run(with_meta(good_file, tmp_path / "missing.npz", meta))


@pytest.mark.parametrize("value", WRONG_VALUES, ids=repr)
@pytest.mark.parametrize("section, key", REQUIRED, ids=[f"{s}.{k}" for s, k in REQUIRED])
def test_every_required_meta_field_refuses_a_value_of_the_wrong_kind(good_file, tmp_path, section, key, value):
    meta = meta_of(good_file)
    meta[section][key] = value
    with pytest.raises(RunFileError, match=f"meta.{section}.{key}"):
        load_run(with_meta(good_file, tmp_path / "typed.npz", meta))


@pytest.mark.parametrize("section", list(META_FIELDS))
def test_a_section_that_is_not_an_object_is_refused(good_file, tmp_path, section):
    meta = meta_of(good_file)
    meta[section] = [1, 2]
    with pytest.raises(RunFileError, match=f"meta.{section} must be a JSON object"):
        load_run(with_meta(good_file, tmp_path / "section.npz", meta))


def test_meta_nested_deeper_than_allowed_is_refused(good_file, tmp_path):
    meta = meta_of(good_file)
    meta["notes"] = json.loads("[" * (MAX_META_DEPTH + 1) + "]" * (MAX_META_DEPTH + 1))
    with pytest.raises(RunFileError, match="nested more than"):
        load_run(with_meta(good_file, tmp_path / "deep.npz", meta))
    meta["notes"] = json.loads("[" * (MAX_META_DEPTH - 1) + "]" * (MAX_META_DEPTH - 1))  # deep, but allowed
    assert load_run(with_meta(good_file, tmp_path / "ok.npz", meta)).meta["notes"]


def test_a_file_from_before_grid_counts_loads_with_grid_lines_each_way(good_file, tmp_path):
    meta = meta_of(good_file)
    total = sum(meta["geometry"].pop("grid_counts"))
    meta["geometry"].pop("grid_step")
    if total % 2:  # an old file always held an even number of lines
        pytest.skip("the fixture's grid has an odd number of lines")
    meta["geometry"]["grid_lines"] = total // 2
    assert load_run(with_meta(good_file, tmp_path / "old.npz", meta)).grid.shape[1] == total


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (lambda m: m["ellipse"].update(max_axis=m["ellipse"]["max_axis"][:-1]), "one per layer"),
        (lambda m: m["geometry"].update(grid_counts=[m["geometry"]["grid_counts"][0] + 1, 1]), "'grid' holds"),
        (lambda m: m["geometry"].update(grid_counts=[2, 0]), "grid_counts must be"),
        (lambda m: m["geometry"].update(grid_step=-1.0), "grid_step must be"),
        # a file from before grid_counts: grid_lines lines each way (here twice as many as the grid holds)
        (lambda m: m["geometry"].update(grid_lines=sum(m["geometry"].pop("grid_counts"))), "'grid' holds"),
        (lambda m: m["geometry"].update(grid_samples=3), "'grid' holds"),
        (lambda m: m["training"].update(iterations=m["training"]["iterations"] + 1), "iterations but the history"),
        (lambda m: m.update(standardize={"mean": [0.0], "scale": 1.0}), "standardize.mean"),
        (lambda m: m.update(standardize={"mean": [0.0, 0.0], "scale": 0}), "standardize.scale"),
        (lambda m: m.update(config="x"), "meta.config"),
        (lambda m: m.update(riemann_nn_version=1), "meta.riemann_nn_version"),
        (lambda m: m.update(name=""), "meta.name"),
        (lambda m: m.update(name="-rf"), "meta.name"),
        (lambda m: m.update(name="a\nb"), "meta.name"),
    ],
)
def test_meta_that_disagrees_with_the_arrays_or_itself_is_refused(good_file, tmp_path, edit, fragment):
    meta = meta_of(good_file)
    edit(meta)
    with pytest.raises(RunFileError, match=fragment):
        load_run(with_meta(good_file, tmp_path / "meta.npz", meta))


@pytest.mark.parametrize("key, value", [("x", np.nan), ("sites", np.inf), ("loss", -1.0), ("accuracy", 1.5)])
def test_history_and_coordinates_must_be_finite_and_in_range(good_file, tmp_path, key, value):
    members = members_of(good_file)
    with np.load(good_file) as npz:
        array = npz[key].copy()
    array.flat[0] = value
    members[f"{key}.npy"] = npy(array)
    with pytest.raises(RunFileError, match=repr(key) if key in ("x", "sites") else "training history"):
        load_run(write_zip(tmp_path / "values.npz", list(members.items())))


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (lambda a: a.update(x=a["x"][:, :0], y=a["y"][:0]), "both classes"),  # no points: info raised a ValueError
        (lambda a: a.update(y=np.zeros_like(a["y"])), "both classes"),
        (lambda a: a.update(ellipse=-a["ellipse"]), "negative semi-axis"),
    ],
)
def test_points_of_one_class_or_none_and_negative_glyphs_are_refused(good_file, tmp_path, edit, fragment):
    with np.load(good_file) as npz:
        arrays = dict(npz)
    edit(arrays)
    np.savez(tmp_path / "edited.npz", **arrays)
    with pytest.raises(RunFileError, match=fragment):
        load_run(tmp_path / "edited.npz")


def test_save_refuses_meta_that_is_not_plain_json(c1_run, tmp_path):
    """What cannot be written as strict JSON (NaN, sets) is refused before a file is made."""
    import dataclasses

    for extra in ({"oops": {1, 2}}, {"oops": float("nan")}, {"oops": {"deeper": [float("inf")]}}):
        with pytest.raises(RunFileError):
            save_run(dataclasses.replace(c1_run, meta={**c1_run.meta, **extra}), tmp_path / "run.npz")
    assert list(tmp_path.iterdir()) == []


# ---- a damaged cache entry is trained again ------------------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    [lambda data: data[: len(data) // 3], lambda data: b"", lambda data: b"PK\x03\x04junk"],
    ids=["truncated", "empty", "junk"],
)
def test_a_corrupt_cached_run_is_trained_again_with_one_warning(tmp_path, damage):
    config = small_config("c1", training={"iterations": 5})
    first = load_or_train(config, cache_dir=tmp_path, progress=False)
    path = cached_run_path(config, cache_dir=tmp_path)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.warns(RiemannNNWarning, match="training it again") as caught:
        again = load_or_train(config, cache_dir=tmp_path, progress=False)
    notices = [str(w.message) for w in caught if "training it again" in str(w.message)]
    assert len(notices) == 1 and notices[0].startswith(f"cached run {path}: ")
    np.testing.assert_array_equal(again.x, first.x)  # training is deterministic
    np.testing.assert_array_equal(load_run(path).x, first.x)  # and the cache holds a good file again
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


@pytest.mark.parametrize("place", ["a file", "a read-only folder"])
def test_a_cache_that_cannot_be_written_fails_before_training(tmp_path, monkeypatch, place):
    import riemann_nn.cache
    from riemann_nn.errors import OutputError

    def no_training(*args, **kwargs):
        raise AssertionError("trained before the cache's place was checked")

    monkeypatch.setattr(riemann_nn.cache, "build_run", no_training)
    folder = tmp_path / "cache"
    if place == "a file":
        folder.write_text("not a folder")
    else:
        folder.mkdir()
        folder.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="cannot write"):
            load_or_train(small_config("c1"), cache_dir=folder)
    finally:
        folder.chmod(0o755)
