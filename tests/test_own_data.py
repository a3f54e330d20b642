"""Your own data and words: ``run_from_arrays`` (labels of any two values, standardisation), the title and
class names (``meta.display``), the labels' record (``meta.labels``), and Run files of custom networks."""

from __future__ import annotations

import dataclasses
import json
import zipfile

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from torch import nn

import riemann_nn as rn
from riemann_nn.cli import main
from riemann_nn.config import DatasetConfig
from riemann_nn.data import encode_labels, make_dataset
from riemann_nn.errors import ConfigError, DataError, RunFileError
from riemann_nn.export import build_run, run_from_arrays
from riemann_nn.run import load_run, save_run

from conftest import small_config


def small_sections(scheme: str = "c1") -> dict:
    config = small_config(scheme)
    return {"model": config.model, "training": config.training, "geometry": config.geometry}


@pytest.mark.parametrize("standardize", [False, True])
def test_arrays_give_the_run_the_same_data_gives_through_a_config(standardize):
    """The arrays path shares training and export with ``build_run``: same data, same numbers."""
    config = small_config("c1").replace(dataset={"standardize": standardize})
    reference = build_run(config, progress=False)
    d = config.dataset
    x, y = make_dataset(d.name, n=d.n, noise=d.noise, seed=d.seed)
    run = run_from_arrays(x, y, standardize=standardize, name="mine", progress=False, **small_sections())
    for key in ("x", "grid", "sites", "jacobian", "metric", "ellipse", "weight", "bias", "boundary"):
        np.testing.assert_array_equal(getattr(run, key), getattr(reference, key), err_msg=key)
    assert run.meta["dataset"]["source"] == "arrays" and run.meta["dataset"]["n"] == d.n
    assert run.meta["config"]["dataset"] == {"source": "arrays", "n": d.n, "standardize": standardize}
    assert ("standardize" in run.meta) == standardize and "labels" not in run.meta


def test_labels_of_any_two_values_are_recorded_and_named():
    x, y = make_dataset("gaussians", n=120, noise=0.4, seed=0)
    words = np.where(y == 1, "malignant", "benign")
    run = run_from_arrays(x, words, progress=False, title="Tumours", **small_sections())
    np.testing.assert_array_equal(run.y, y)  # sorted: benign is class 0
    assert run.meta["labels"]["values"] == ["benign", "malignant"]
    assert run.class_names == ("benign", "malignant") and run.title == "Tumours"
    signs = run_from_arrays(x, 2 * y - 1, progress=False, **small_sections())
    assert signs.meta["labels"]["values"] == [-1, 1] and signs.class_names == ("class -1", "class 1")
    np.testing.assert_array_equal(signs.x, run.x)  # the same points and classes: the same network
    turned = run_from_arrays(x, words, positive="benign", classes=("bad", "good"), progress=False, **small_sections())
    np.testing.assert_array_equal(turned.y, 1 - y)
    assert turned.meta["labels"]["values"] == ["malignant", "benign"] and turned.class_names == ("bad", "good")


@pytest.mark.parametrize(
    "labels, fragment",
    [
        ([0, 1, 2, 1], "exactly two different values, got 3"),
        ([1, 1, 1, 1], "got 1"),
        ([0.0, np.nan, 1.0, 0.0], "NaN"),
        ([[0, 1], [1, 0]], "one-dimensional"),
        ([0j, 1j, 0j, 1j], "numbers, strings or booleans"),
    ],
)
def test_labels_that_are_not_two_classes_are_refused(labels, fragment):
    with pytest.raises(DataError, match=fragment):
        encode_labels(labels)


def test_labels_as_bytes_are_text_and_masked_arrays_are_refused(tmp_path):
    x, y = make_dataset("gaussians", n=60, noise=0.4, seed=0)
    run = run_from_arrays(x, np.where(y == 1, b"yes", b"no"), progress=False, **small_sections())
    assert run.meta["labels"]["values"] == ["no", "yes"] and run.class_names == ("no", "yes")
    assert rn.load_run(rn.save_run(run, tmp_path / "bytes.npz")).class_names == ("no", "yes")  # JSON holds them
    hidden = np.zeros(x.shape, bool)
    hidden[0] = True
    for points, labels in ((np.ma.masked_array(x, mask=hidden), y), (x, np.ma.masked_array(y, mask=hidden[:, 0]))):
        with pytest.raises(DataError, match="masked array"):
            run_from_arrays(points, labels, progress=False, **small_sections())


@pytest.mark.parametrize(
    "labels, names",
    [
        (["a" * 500, "b"], ("a" * 59 + "\u2026", "b")),  # cut to a class name's length
        (["first\nsecond", "b"], ("first second", "b")),  # on one line
        (["x\x00y", "z"], ("xy", "z")),  # a control character, which Pango refused with a ValueError
        (["", "b"], ("class 0", "class 1")),  # nothing to show
        (["a", "a "], ("class 0", "class 1")),  # read alike
        ([10**30, -1], ("class " + "1" + "0" * 30, "class -1")),
    ],
)
def test_labels_shown_as_class_names_fit_a_legend(c1_run, labels, names):
    run = dataclasses.replace(c1_run, meta={**c1_run.meta, "labels": {"values": labels}})
    assert run.class_names == names


def test_arrays_are_checked_like_any_data():
    with pytest.raises(DataError, match="the arrays given"):
        run_from_arrays(np.zeros((4, 3)), [0, 1, 0, 1], progress=False)
    with pytest.raises(DataError, match="labels"):
        run_from_arrays(np.zeros((4, 2)), [0, 1, 0], progress=False)


# ---- the words on screen --------------------------------------------------------------------------------


def test_words_are_checked_and_survive_the_file(c1_run, tmp_path):
    assert c1_run.title == c1_run.name and c1_run.class_names == ("class 0", "class 1")
    worded = c1_run.with_words(title="Two spirals\nunrolled", classes="inner, outer")
    assert worded.class_names == ("inner", "outer")
    again = load_run(save_run(worded, tmp_path / "worded.npz"))
    assert again.title == "Two spirals\nunrolled" and again.class_names == ("inner", "outer")
    assert again.meta["display"] == {"title": "Two spirals\nunrolled", "classes": ["inner", "outer"]}
    for title in ("", "   ", "x" * 201, "bell\a", 3):
        with pytest.raises(ConfigError, match="title"):
            c1_run.with_words(title=title)
    for classes in ("one", "a,b,c", "same,same", ",b", "x" * 61 + ",b", ["a", "b\nc"], 5):
        with pytest.raises(ConfigError, match="class names"):
            c1_run.with_words(classes=classes)


def test_train_takes_the_words_and_refuses_bad_ones_before_training(tmp_path):
    tiny = ["train", "--dataset", "gaussians", "--n", "60", "--depth", "2", "--iterations", "5", "--quiet"]
    result = CliRunner().invoke(
        main, [*tiny, "--classes", "cats,dogs", "--title", "Pets", "-o", str(tmp_path / "pets.npz")]
    )
    assert result.exit_code == 0, result.output
    run = load_run(tmp_path / "pets.npz")
    assert run.class_names == ("cats", "dogs") and run.title == "Pets"
    refused = CliRunner().invoke(main, [*tiny, "--classes", "cats", "-o", str(tmp_path / "no.npz")])
    assert refused.exit_code != 0 and "class names must be two" in refused.output
    assert not (tmp_path / "no.npz").exists()


# ---- Run files of custom networks and of words ------------------------------------------------------------


@pytest.fixture(scope="module")
def custom_file(tmp_path_factory):
    x, y = make_dataset("moons", n=80, noise=0.1, seed=0)
    torch.manual_seed(0)
    run = rn.run_from_callables(
        [torch.sin, torch.tanh], nn.Linear(2, 1).double(), x, y, geometry=small_config("c1").geometry
    )
    return save_run(run, tmp_path_factory.mktemp("custom") / "custom.npz")


def rewritten(path, target, *, meta_edit=None, extra: dict | None = None, drop: tuple = ()):
    """A copy of the Run file ``path`` with its meta edited, members added or dropped."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    with np.load(path) as npz:
        meta = json.loads(str(npz["meta"]))
    if meta_edit:
        meta_edit(meta)
    import io

    def npy(array) -> bytes:
        buffer = io.BytesIO()
        np.save(buffer, array)
        return buffer.getvalue()

    members["meta.npy"] = npy(np.array(json.dumps(meta)))
    members.update({f"{key}.npy": npy(value) for key, value in (extra or {}).items()})
    with zipfile.ZipFile(target, "w") as archive:
        for name, content in members.items():
            if name[:-4] not in drop:
                archive.writestr(name, content)
    return target


def test_a_custom_run_file_holds_no_network_and_a_built_in_one_must(custom_file, c1_run, tmp_path):
    run = load_run(custom_file)
    assert run.is_custom and run.weight is None and run.activation == "custom"
    with zipfile.ZipFile(custom_file) as archive:
        assert "weight.npy" not in archive.namelist() and "bias.npy" not in archive.namelist()
    depth = run.depth
    with pytest.raises(RunFileError, match="custom network's Run holds no 'weight'"):
        load_run(rewritten(custom_file, tmp_path / "a.npz", extra={"weight": np.zeros((depth, 2, 2))}))
    with pytest.raises(RunFileError, match="missing key"):
        load_run(
            rewritten(
                custom_file,
                tmp_path / "b.npz",
                meta_edit=lambda m: m["model"].update(scheme="c1", activation="tanh", dt=1.0),
            )
        )
    built_in = save_run(c1_run, tmp_path / "c1.npz")
    with pytest.raises(RunFileError, match=r"missing key.*weight"):
        load_run(rewritten(built_in, tmp_path / "c.npz", drop=("weight", "bias")))
    with pytest.raises(RunFileError, match=r"missing model\.activation"):
        load_run(rewritten(built_in, tmp_path / "d.npz", meta_edit=lambda m: m["model"].pop("activation")))


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (lambda m: m.update(labels={"values": ["a"]}), "meta.labels.values"),
        (lambda m: m.update(labels={"values": [1, 1]}), "meta.labels.values"),
        (lambda m: m.update(labels={}), "missing labels.values"),
        (lambda m: m.update(display={"title": ""}), "meta.display.title"),
        (lambda m: m.update(display={"classes": ["a"]}), "meta.display.classes"),
        (lambda m: m.update(display={"classes": ["a", "a"]}), "meta.display.classes"),
        (lambda m: m.update(display=[1]), "meta.display must be a JSON object"),
        (lambda m: m["model"].update(layers="Linear"), "meta.model.layers"),
        (lambda m: m["training"].update(iterations=-1), "meta.training.iterations"),
    ],
)
def test_bad_words_labels_and_models_in_a_file_are_refused(custom_file, tmp_path, edit, fragment):
    with pytest.raises(RunFileError, match=fragment):
        load_run(rewritten(custom_file, tmp_path / "bad.npz", meta_edit=edit))


def test_a_run_trained_elsewhere_needs_no_seed_and_one_trained_here_does(custom_file, c1_run, tmp_path):
    assert "seed" not in load_run(custom_file).meta["training"]  # imported: iterations 0, no history
    built_in = save_run(c1_run, tmp_path / "c1.npz")
    with pytest.raises(RunFileError, match=r"missing training\.seed"):
        load_run(rewritten(built_in, tmp_path / "e.npz", meta_edit=lambda m: m["training"].pop("seed")))


def test_the_dataset_config_is_not_what_an_arrays_run_claims():
    """meta.config of an arrays run names its source, not the default generated dataset."""
    x, y = make_dataset("gaussians", n=60, noise=0.4, seed=0)
    run = run_from_arrays(x, y, progress=False, **small_sections())
    assert "name" not in run.meta["config"]["dataset"]
    assert dataclasses.asdict(DatasetConfig())["name"] == "spirals"  # what it would have claimed
