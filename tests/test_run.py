"""The Run file: round trip, atomic saving, every rejection on loading, and that a file is enough to
recompute its numbers with plain numpy."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from riemann_nn.errors import RunFileError
from riemann_nn.run import ARRAY_KEYS, DERIVED_KEYS, OPTIONAL_KEYS, SCHEMA, VERSION, load_run, save_run

from conftest import assert_finite_shape, break_deflate_stream

ACT = {
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "relu": lambda z: np.maximum(z, 0),
    "softplus": lambda z: np.log1p(np.exp(z)),
    "identity": lambda z: z,
}


def arrays_of(run) -> dict:
    """What a Run file holds: ``meta`` as a 0-d JSON string and every array key."""
    out = {key: np.asarray(getattr(run, key)) for key in ARRAY_KEYS}
    out["meta"] = np.array(json.dumps(run.meta))
    return out


def write_npz(path, arrays: dict):
    np.savez(path, **arrays)
    return path


def test_round_trip_keeps_every_key_and_the_meta(small_run, tmp_path):
    """save then load gives identical arrays (values, shapes, dtypes) and an equal meta dict."""
    path = save_run(small_run, tmp_path / "run.npz")
    assert path == tmp_path / "run.npz"
    loaded = load_run(path)
    assert loaded.meta == small_run.meta
    for key in ARRAY_KEYS + DERIVED_KEYS:
        ours, theirs = getattr(small_run, key), getattr(loaded, key)
        assert theirs.shape == np.shape(ours) and theirs.dtype == np.asarray(ours).dtype, key
        assert np.array_equal(theirs, ours), key


def test_file_is_plain_npz_without_pickles(c1_run, tmp_path):
    """The file opens with allow_pickle=False; meta is a 0-d string of JSON with the documented schema."""
    save_run(c1_run, tmp_path / "run.npz")
    with np.load(tmp_path / "run.npz", allow_pickle=False) as npz:
        assert set(npz.files) == {"meta", *ARRAY_KEYS, *OPTIONAL_KEYS, *DERIVED_KEYS}
        meta = npz["meta"]
        assert meta.shape == () and meta.dtype.kind == "U"
        parsed = json.loads(str(meta))
    assert parsed["schema"] == SCHEMA == "riemann-nn/run" and parsed["version"] == VERSION
    assert set(parsed["model"]) >= {"scheme", "activation", "depth", "dt"}
    assert set(parsed["training"]) >= {"accuracy", "loss", "iterations", "seed"}
    assert set(parsed["ellipse"]) >= {"convention", "scale", "max_axis"}
    assert "riemann_nn_version" in parsed


def test_documented_shapes_and_dtypes(small_run):
    """Every key has the shape and dtype of DESIGN.md's table (L=4, N=200, R lines of S=9, M=25, I=50), R the
    multiples of the grid step that cover the input box, both ways."""
    L, N, M, I = 4, 200, 25, 50
    box, step = np.asarray(small_run.meta["geometry"]["bounds"]), small_run.meta["geometry"]["grid_step"]
    R = int(sum(np.ceil(box[1] / step - 1e-9) - np.floor(box[0] / step + 1e-9) + 1))
    expected = {
        "x": ((L + 1, N, 2), "f"),
        "y": ((N,), "i"),
        "grid": ((L + 1, R, 9, 2), "f"),
        "sites": ((L + 1, M, 2), "f"),
        "jacobian": ((L + 1, M, 2, 2), "f"),
        "metric": ((L + 1, M, 2, 2), "f"),
        "ellipse": ((L + 1, M, 3), "f"),
        "weight": ((L, 2, 2), "f"),
        "bias": ((L, 2), "f"),
        "head_weight": ((2,), "f"),
        "head_bias": ((), "f"),
        "loss": ((I,), "f"),
        "accuracy": ((I,), "f"),
        "degenerate": ((L + 1, M), "b"),
        "clipped": ((L + 1, M), "b"),
    }
    assert set(expected) == set(ARRAY_KEYS)
    for key, (shape, kind) in expected.items():
        assert_finite_shape(np.asarray(getattr(small_run, key)), shape, kind)


def test_save_leaves_no_temporary_files(c1_run, tmp_path):
    """Saving (also over an existing file, into a new sub-folder) leaves just the Run file."""
    target = tmp_path / "sub" / "run.npz"
    save_run(c1_run, target)
    save_run(c1_run, target)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["run.npz", "sub"]


def test_failed_save_of_an_invalid_run_writes_nothing(c1_run, tmp_path):
    """A Run with NaN coordinates is refused before anything is written."""
    x = c1_run.x.copy()
    x[1, 7, 0] = np.nan
    bad = dataclasses.replace(c1_run, x=x)
    with pytest.raises(RunFileError, match=r"'x'.*NaN"):
        save_run(bad, tmp_path / "run.npz")
    assert list(tmp_path.iterdir()) == []


def test_failed_save_keeps_the_old_file_and_cleans_up(c1_run, tmp_path, monkeypatch):
    """A save interrupted while writing (half the bytes out, then Ctrl-C) removes its temporary file and leaves
    the previous file intact and loadable."""
    path = save_run(c1_run, tmp_path / "run.npz")
    before = path.read_bytes()

    def interrupted(handle, **arrays):
        handle.write(before[: len(before) // 2])
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez_compressed", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_run(c1_run, path)
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]
    assert path.read_bytes() == before
    assert load_run(path).meta == c1_run.meta


# ---- rejections ---------------------------------------------------------------------------------------


def _reject(path, *fragments):
    with pytest.raises(RunFileError) as info:
        load_run(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_missing_file(tmp_path):
    """A missing file is a RunFileError, not FileNotFoundError."""
    _reject(tmp_path / "absent.npz", "no such Run file")


def test_truncated_file(c1_run, tmp_path):
    """The first half of a valid file is rejected as unreadable."""
    full = save_run(c1_run, tmp_path / "full.npz").read_bytes()
    path = tmp_path / "half.npz"
    path.write_bytes(full[: len(full) // 2])
    _reject(path, "not a readable .npz")


@pytest.mark.parametrize("size", [0, 10, 5000])
def test_random_bytes(tmp_path, size):
    """Random bytes (and an empty file) are rejected."""
    path = tmp_path / "noise.npz"
    path.write_bytes(np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes())
    _reject(path)


def test_corrupted_member_crc(c1_run, tmp_path):
    """Bytes flipped inside an uncompressed member are caught by the zip checksum."""
    path = write_npz(tmp_path / "stored.npz", arrays_of(c1_run))  # np.savez stores without compression
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 40] = bytes(b ^ 0xFF for b in data[middle : middle + 40])
    path.write_bytes(bytes(data))
    _reject(path, "not a readable .npz")


def test_corrupted_deflate_stream(c1_run, tmp_path):
    """A compressed member whose deflate stream is invalid is a RunFileError too."""
    data = save_run(c1_run, tmp_path / "run.npz").read_bytes()
    path = tmp_path / "broken.npz"
    path.write_bytes(break_deflate_stream(data))
    _reject(path, "not a readable .npz")


def test_plain_npy_file(tmp_path):
    """A valid .npy (not .npz) file is not a Run file."""
    path = tmp_path / "array.npz"
    with path.open("wb") as handle:
        np.save(handle, np.zeros(3))
    _reject(path)


def test_pickled_object_array_is_refused(c1_run, tmp_path):
    """An npz holding an object array (which would need pickle) is refused, never unpickled."""
    arrays = arrays_of(c1_run)
    arrays["x"] = np.array([{"a": 1}], dtype=object)
    _reject(write_npz(tmp_path / "pickle.npz", arrays), "not a readable .npz", "never loaded")


@pytest.mark.parametrize("key", ["meta", "ellipse", "degenerate", "head_bias"])
def test_missing_key(c1_run, tmp_path, key):
    """Every key is required; the message names the missing one."""
    arrays = arrays_of(c1_run)
    del arrays[key]
    _reject(write_npz(tmp_path / "missing.npz", arrays), key)


@pytest.mark.parametrize(
    "key, change",
    [
        ("metric", lambda a: a[..., :1]),
        ("x", lambda a: a[:, :-1]),
        ("ellipse", lambda a: a[:-1]),
        ("head_weight", lambda a: np.append(a, 0.0)),
        ("head_bias", lambda a: a.reshape(1)),
        ("accuracy", lambda a: a[:-1]),
        ("weight", lambda a: a[None]),
    ],
)
def test_wrong_shape(c1_run, tmp_path, key, change):
    """A key of the wrong shape or rank is rejected, naming the key."""
    arrays = arrays_of(c1_run)
    arrays[key] = change(arrays[key])
    _reject(write_npz(tmp_path / "shape.npz", arrays), repr(key))


@pytest.mark.parametrize(
    "key, dtype",
    [
        ("x", np.int64),
        ("jacobian", np.complex128),
        ("y", np.float64),
        ("y", bool),
        ("degenerate", np.int8),
        ("clipped", np.float64),
        ("loss", "U8"),
    ],
)
def test_wrong_dtype(c1_run, tmp_path, key, dtype):
    """A key of the wrong dtype is rejected, naming the key."""
    arrays = arrays_of(c1_run)
    arrays[key] = arrays[key].astype(dtype)
    _reject(write_npz(tmp_path / "dtype.npz", arrays), repr(key))


def test_labels_other_than_zero_and_one(c1_run, tmp_path):
    """Integer labels outside {0, 1} are rejected."""
    arrays = arrays_of(c1_run)
    arrays["y"] = arrays["y"] + 1
    _reject(write_npz(tmp_path / "labels.npz", arrays), "'y'")


@pytest.mark.parametrize(
    "key, value", [("metric", np.nan), ("sites", np.inf), ("head_bias", -np.inf), ("loss", np.nan)]
)
def test_non_finite_values(c1_run, tmp_path, key, value):
    """NaN or infinity anywhere in a float key is rejected, naming the key."""
    arrays = arrays_of(c1_run)
    arrays[key] = arrays[key].copy()
    arrays[key].flat[arrays[key].size // 2] = value
    _reject(write_npz(tmp_path / "nan.npz", arrays), repr(key), "NaN or infinite")


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (lambda m: m.update(schema="someone-else/run"), "not a riemann-nn Run file"),
        (lambda m: m.pop("schema"), "not a riemann-nn Run file"),
        (lambda m: m.update(version=VERSION + 1), "version"),
        (lambda m: m.update(version=str(VERSION)), "version"),
        (lambda m: m["model"].pop("dt"), "model.dt"),
        (lambda m: m["ellipse"].pop("scale"), "ellipse.scale"),
        (lambda m: m["model"].update(depth=m["model"]["depth"] + 1), "depth"),
    ],
)
def test_bad_meta_contents(c1_run, tmp_path, edit, fragment):
    """A wrong schema or version, a missing meta field or a depth that disagrees with the weights is rejected."""
    meta = json.loads(json.dumps(c1_run.meta))
    edit(meta)
    arrays = arrays_of(c1_run)
    arrays["meta"] = np.array(json.dumps(meta))
    _reject(write_npz(tmp_path / "meta.npz", arrays), fragment)


@pytest.mark.parametrize("meta", [np.array("{not json"), np.array("[1, 2]"), np.array(3.5), np.array(["{}", "{}"])])
def test_meta_not_a_json_object(c1_run, tmp_path, meta):
    """meta that is not JSON, or JSON but not an object, or not a 0-d string, is rejected."""
    arrays = arrays_of(c1_run)
    arrays["meta"] = meta
    _reject(write_npz(tmp_path / "meta.npz", arrays), "meta")


@pytest.mark.parametrize("section_value", [5, "scheme activation depth dt"])
def test_meta_section_of_the_wrong_type(c1_run, tmp_path, section_value):
    """A meta whose 'model' section is valid JSON but not an object is a RunFileError."""
    meta = json.loads(json.dumps(c1_run.meta))
    meta["model"] = section_value
    arrays = arrays_of(c1_run)
    arrays["meta"] = np.array(json.dumps(meta))
    _reject(write_npz(tmp_path / "meta.npz", arrays), "model")


# ---- a file is enough to reproduce its numbers with plain numpy ---------------------------------------


def numpy_forward(run, points):
    """DESIGN.md's schemes, written out: (N, 2) -> (L+1, N, 2) from the file's weight and bias only."""
    act, dt = ACT[run.meta["model"]["activation"]], run.meta["model"]["dt"]
    layers = [points]
    before = points
    for w, b in zip(run.weight, run.bias):
        now = layers[-1]
        f = act(now @ w.T + b)
        nxt = {"c0": f, "c1": now + dt * f, "c2": 2 * now - before + dt * dt * f}[run.meta["model"]["scheme"]]
        before = now
        layers.append(nxt)
    return np.stack(layers)


def test_run_is_reproducible_with_plain_numpy(small_run, tmp_path):
    """From the loaded file alone: x, grid and sites from weight/bias and layer 0; the metric from the
    Jacobian; the glyphs from the metric via eigh; the head's accuracy equals meta's training accuracy."""
    run = load_run(save_run(small_run, tmp_path / "run.npz"))
    np.testing.assert_allclose(run.x, numpy_forward(run, run.x[0]), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(run.sites, numpy_forward(run, run.sites[0]), rtol=1e-12, atol=1e-12)
    flat_grid = run.grid[0].reshape(-1, 2)
    np.testing.assert_allclose(run.grid, numpy_forward(run, flat_grid).reshape(run.grid.shape), rtol=1e-12, atol=1e-12)

    # metric: g_l = (J_L J_l^{-1})^T (J_L J_l^{-1}) wherever the layer-l chart is invertible
    sigma = np.linalg.svd(run.jacobian, compute_uv=False)
    np.testing.assert_array_equal(run.degenerate, sigma[..., 1] <= 1e-10 * sigma[..., 0])
    # inverting J_l loses about log10(cond J_l) digits, so compare where the chart is well conditioned
    ok = sigma[..., 1] > 1e-6 * sigma[..., 0]  # (L+1, M); saturated c0 nets do collapse at some sites
    assert ok[0].all() and ok.mean() > 0.4
    inverse = np.linalg.inv(np.where(ok[..., None, None], run.jacobian, np.eye(2)))
    m = run.jacobian[-1][None] @ inverse
    metric = np.swapaxes(m, -1, -2) @ m
    scale = np.maximum(np.abs(metric).max(axis=(-2, -1), keepdims=True), 1e-300)
    np.testing.assert_allclose((run.metric / scale)[ok], (metric / scale)[ok], atol=1e-9)

    # glyphs: indicatrix of the stored metric via eigh, clipped to the stored per-layer max_axis. eigh of g
    # loses about log10(cond g) digits in the small eigenvalue, so compare where g is well conditioned, and
    # the angle only where the glyph is not (nearly) a circle.
    e = run.meta["ellipse"]
    assert e["convention"] == "indicatrix"
    lam, q = np.linalg.eigh(run.metric)
    lam = np.maximum(lam, 0.0)  # a collapsed chart's zero eigenvalue can round to -1e-17
    limit = np.asarray(e["max_axis"])[:, None]
    with np.errstate(divide="ignore"):
        unclipped = e["scale"] / np.sqrt(lam)  # (L+1, M, 2)
    conditioned = lam[..., 0] > 1e-6 * lam[..., 1]
    assert conditioned[-1].mean() > 0.4
    for axis in (0, 1):
        np.testing.assert_allclose(
            run.ellipse[..., axis][conditioned], np.minimum(unclipped[..., axis], limit)[conditioned], rtol=1e-8
        )
    decided = conditioned & (np.abs(unclipped[..., 0] / limit - 1) > 1e-6)
    np.testing.assert_array_equal(run.clipped[decided], (unclipped[..., 0] > limit)[decided])
    assert (run.ellipse[..., :2] <= limit[..., None] * (1 + 1e-12)).all()
    angle = run.ellipse[..., 2]
    assert ((angle > -np.pi / 2) & (angle <= np.pi / 2)).all()
    elongated = conditioned & (lam[..., 0] < (1 - 1e-3) * lam[..., 1])
    assert elongated[0].any()
    direction = q[..., :, 0][elongated]  # the major axis of an indicatrix: the small eigenvalue's eigenvector
    np.testing.assert_allclose(
        np.cos(angle[elongated]) * direction[:, 1] - np.sin(angle[elongated]) * direction[:, 0], 0, atol=1e-8
    )
    # every glyph in the last layer is the circle of radius s (g_L = I) where that chart is well conditioned
    np.testing.assert_allclose(run.ellipse[-1, ok[-1], :2], e["scale"], rtol=1e-8)

    # head: accuracy of logit = w . x_L + c
    logits = run.x[-1] @ run.head_weight + run.head_bias
    accuracy = np.mean((logits > 0) == (run.y == 1))
    assert accuracy == pytest.approx(run.meta["training"]["accuracy"], abs=1e-12)
    assert run.meta["training"]["iterations"] == run.loss.shape[0] == run.accuracy.shape[0]


def test_run_properties(c1_run):
    """The convenience properties read the meta and the weights."""
    assert (c1_run.depth, c1_run.scheme, c1_run.activation, c1_run.dt) == (4, "c1", "tanh", 1.0)
    assert c1_run.name == "small-c1"
    np.testing.assert_array_equal(c1_run.logits(c1_run.x[-1]), c1_run.x[-1] @ c1_run.head_weight + c1_run.head_bias)
