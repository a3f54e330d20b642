"""The ``riemann-nn`` command: train and info on a tiny network, and one clean error line for every bad input."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from riemann_nn.cli import main
from riemann_nn.presets import PRESETS
from riemann_nn.run import load_run

from conftest import break_deflate_stream

TINY = [
    "--dataset",
    "gaussians",
    "--n",
    "120",
    "--noise",
    "0.4",
    "--scheme",
    "c1",
    "--activation",
    "tanh",
    "--depth",
    "3",
    "--iterations",
    "30",
    "--lr",
    "0.05",
    "--quiet",
]
SCRIPT = Path(sys.executable).parent / "riemann-nn"


def runner() -> CliRunner:
    """A runner that keeps stderr apart from stdout: click < 8.2 needs ``mix_stderr=False``, click >= 8.2
    (installed here: 8.5) removed the argument and always records ``result.stderr`` separately."""
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)
    return CliRunner()


@pytest.fixture(scope="module")
def tiny_run_file(tmp_path_factory):
    """A Run file written by ``riemann-nn train`` with a tiny custom configuration, and the CLI's stdout."""
    path = tmp_path_factory.mktemp("cli") / "tiny.npz"
    result = runner().invoke(main, ["train", *TINY, "--output", str(path)])
    assert result.exit_code == 0, result.output
    return path, result


def test_train_writes_a_loadable_run(tiny_run_file):
    """``train`` writes the Run file it names, with the configuration given on the command line."""
    path, result = tiny_run_file
    assert result.stderr == ""
    run = load_run(path)
    assert (run.scheme, run.activation, run.depth) == ("c1", "tanh", 3)
    assert run.x.shape == (4, 120, 2) and run.loss.shape == (30,)
    assert run.meta["dataset"]["name"] == "gaussians" and run.meta["dataset"]["noise"] == 0.4
    assert run.meta["name"] == "gaussians-c1-tanh"
    accuracy = run.meta["training"]["accuracy"]
    assert accuracy > 0.9  # two blobs at distance 2.8 with noise 0.4
    assert result.stdout.strip() == (
        f"wrote {path}  (accuracy {accuracy:.3f}, loss {run.meta['training']['loss']:.4f}, 30 iterations)"
    )


def test_info_summarises_accuracy_and_every_layer(tiny_run_file):
    """``info`` prints the training accuracy and one row per layer (0..L) with that layer's data ranges."""
    path, _ = tiny_run_file
    run = load_run(path)
    result = runner().invoke(main, ["info", str(path)])
    assert result.exit_code == 0 and result.stderr == ""
    out = result.stdout
    assert f"accuracy {run.meta['training']['accuracy']:.4f}" in out
    assert "c1 tanh, depth 3" in out
    assert "120 points (60 in class 1)" in out
    rows = [line.split() for line in out.splitlines() if line.strip() and line.split()[0].isdigit()]
    assert [int(row[0]) for row in rows] == [0, 1, 2, 3]
    for layer, row in enumerate(rows):
        numbers = [float(cell.strip("[],")) for cell in row[1:] if cell.strip("[],")]
        low, high = run.x[layer].min(axis=0), run.x[layer].max(axis=0)
        np.testing.assert_allclose(numbers[:4], [low[0], high[0], low[1], high[1]], rtol=5e-3)
        assert numbers[4] == run.degenerate[layer].sum()


def test_info_json_is_the_meta(tiny_run_file):
    """``info --json`` prints exactly the file's metadata."""
    path, _ = tiny_run_file
    result = runner().invoke(main, ["info", "--json", str(path)])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == load_run(path).meta


def test_presets_lists_every_preset():
    """``presets`` prints one line per preset, starting with its name."""
    result = runner().invoke(main, ["presets"])
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert names == list(PRESETS)


def test_help_through_the_installed_script():
    """The installed console script runs and lists the commands."""
    done = subprocess.run([str(SCRIPT), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for command in ("train", "info", "presets"):
        assert command in done.stdout


# ---- one clean line for every error a user can cause --------------------------------------------------


def assert_one_error_line(result, *fragments):
    """Non-zero exit, nothing on stdout, exactly one stderr line starting with 'error:', no traceback."""
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0]


def write_csv(folder: Path, text: str) -> Path:
    path = folder / "data.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "csv_text, fragments",
    [
        ("x,y,label\n1,2,0\n3,four,1\n", ["line 3", "not a number"]),  # malformed
        ("1,2,1\n3,4,1\n", ["two classes"]),  # one class
        ("1,2,0\n3,nan,1\n", ["line 2", "finite"]),  # NaN coordinate
        ("1,2,0\n3,4\n", ["line 2", "3 columns"]),  # wrong column count
    ],
)
def test_train_with_a_bad_csv(tmp_path, csv_text, fragments):
    """A bad CSV ends ``train`` with one error line naming the problem, and no Run file."""
    csv = write_csv(tmp_path, csv_text)
    output = tmp_path / "out.npz"
    result = runner().invoke(main, ["train", "--csv", str(csv), "--iterations", "5", "--quiet", "-o", str(output)])
    assert_one_error_line(result, str(csv), *fragments)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


def test_train_with_a_missing_csv(tmp_path):
    """A CSV that does not exist is one error line."""
    args = ["--csv", str(tmp_path / "nope.csv"), "--quiet", "-o", str(tmp_path / "o.npz")]
    result = runner().invoke(main, ["train", *args])
    assert_one_error_line(result, "no such file")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--preset", "seed-spiral"], ["unknown preset 'seed-spiral'", "seed-spirals"]),
        (["--scheme", "c7"], ["unknown scheme", "c0, c1, c2"]),
        (["--activation", "gelu"], ["unknown activation"]),
        (["--dataset", "swirls"], ["unknown dataset"]),
        (["--depth", "0"], ["depth"]),
        (["--iterations", "0"], ["iterations"]),
    ],
)
def test_train_with_bad_options(tmp_path, args, fragments):
    """Unknown names and out-of-range numbers end ``train`` with one error line, and no Run file."""
    output = tmp_path / "out.npz"
    result = runner().invoke(main, ["train", *args, "--quiet", "-o", str(output)])
    assert_one_error_line(result, *fragments)
    assert list(tmp_path.iterdir()) == []


def test_train_that_diverges(tmp_path):
    """A NaN loss is one error line, and no Run file."""
    output = tmp_path / "out.npz"
    args = [
        "--dataset",
        "gaussians",
        "--n",
        "100",
        "--activation",
        "identity",
        "--depth",
        "4",
        "--init-gain",
        "1",
        "--lr",
        "1e30",
        "--iterations",
        "20",
        "--quiet",
        "-o",
        str(output),
    ]
    result = runner().invoke(main, ["train", *args])
    assert_one_error_line(result, "the loss became nan")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def good_bytes(tiny_run_file) -> bytes:
    return tiny_run_file[0].read_bytes()


@pytest.mark.parametrize(
    "make, fragments",
    [
        (lambda good: good[: len(good) // 2], ["not a readable .npz"]),  # truncated
        (lambda good: bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8)), []),  # random bytes
        (lambda good: b"", []),  # empty
    ],
    ids=["truncated", "random", "empty"],
)
def test_info_of_a_broken_file(tmp_path, good_bytes, make, fragments):
    """A truncated, random or empty Run file makes ``info`` print one error line naming the file."""
    path = tmp_path / "broken.npz"
    path.write_bytes(make(good_bytes))
    result = runner().invoke(main, ["info", str(path)])
    assert_one_error_line(result, str(path), *fragments)


def test_info_of_a_missing_file(tmp_path):
    """A missing Run file is one error line."""
    result = runner().invoke(main, ["info", str(tmp_path / "absent.npz")])
    assert_one_error_line(result, "no such Run file")


def test_info_of_a_file_with_nan(tmp_path, tiny_run_file):
    """A well-formed npz whose metric holds NaN is one error line naming the key."""
    with np.load(tiny_run_file[0]) as npz:
        arrays = {key: npz[key] for key in npz.files}
    arrays["metric"] = arrays["metric"].copy()
    arrays["metric"][1, 0, 0, 0] = np.nan
    path = tmp_path / "nan.npz"
    np.savez(path, **arrays)
    result = runner().invoke(main, ["info", str(path)])
    assert_one_error_line(result, "'metric'", "NaN")


def test_info_of_a_file_with_corrupt_compressed_data(tmp_path, good_bytes):
    """A Run file whose compressed data is corrupt is one error line too."""
    path = tmp_path / "corrupt.npz"
    path.write_bytes(break_deflate_stream(good_bytes))
    result = runner().invoke(main, ["info", str(path)])
    assert_one_error_line(result, str(path))


def test_error_through_the_installed_script(tmp_path, good_bytes):
    """End to end through a real process: a truncated Run file gives exit status 1 and exactly one
    'error:' line on stderr, nothing on stdout."""
    path = tmp_path / "half.npz"
    path.write_bytes(good_bytes[: len(good_bytes) // 2])
    done = subprocess.run([str(SCRIPT), "info", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("error: "), done.stderr
